"""Read a submitted page of answers, check every value against the definition, and say why not.

Pure functions over plain data: a form is a werkzeug MultiDict (or any mapping of field name ->
list of values), and an answer is a mapping of part key -> value, the way it is stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from consult.questionnaires.definition import (
    OTHER_PART,
    Question,
    Questionnaire,
    Section,
    is_shown,
)

#: Prefix of every answer field's name: q.<question>, q.<question>.<part>.
FIELD_PREFIX = "q."

Answers = dict[str, dict[str, str]]


class FormData(Protocol):
    """What a page's posted data must offer (werkzeug's MultiDict does)."""

    def lists(self) -> Iterable[tuple[str, list[str]]]: ...


#: A page's posted data as read once: field name -> every value sent for it.
Posted = Mapping[str, list[str]]


#: The longest "Other, please specify" text (the page's data-maxlength and this check).
OTHER_MAX_LENGTH = 300


def posted_fields(form: FormData | Posted) -> Posted:
    """Read a posted form into a plain mapping, once (a MultiDict answers each lookup slowly)."""
    lists = getattr(form, "lists", None)
    return dict(lists()) if lists is not None else form


@dataclass(frozen=True)
class Message:
    """A validation message, to be translated by the caller with ``params``."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass
class PageResult:
    """What a posted page holds: valid answers, errors by question, and the raw input to re-show."""

    answers: Answers = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)
    #: Field name -> values as typed, so that a page with errors is shown exactly as entered.
    raw: dict[str, list[str]] = field(default_factory=dict)
    #: Posted fields that belong to no question of this page.
    unknown_fields: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """Tell whether every posted value was accepted."""
        return not self.errors and not self.unknown_fields


def field_name(question: Question, part: str = "") -> str:
    """Return the form field name of a question or one of its parts."""
    return f"{FIELD_PREFIX}{question.key}" + (f".{part}" if part else "")


def without_nul(text: str) -> str:
    """Drop NUL characters: no keyboard types them and PostgreSQL cannot store them in text."""
    return text.replace("\x00", "") if "\x00" in text else text


def _first(posted: Posted, name: str) -> str:
    values = posted.get(name)
    return without_nul(values[0]) if values else ""


def _is_blank(text: str) -> bool:
    return not text.strip()


def _parse_number(text: str, question: Question) -> tuple[str | None, Message | None]:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma, as typed in French and Spanish
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None, Message("number_invalid")
    if not number.is_finite() or math.isinf(float(number)):
        return None, Message("number_invalid")
    if question.integer and number != number.to_integral_value():
        return None, Message("number_integer")
    if question.min is not None and number < Decimal(str(question.min)):
        return None, Message("number_min", {"min": question.min})
    if question.max is not None and number > Decimal(str(question.max)):
        return None, Message("number_max", {"max": question.max})
    if question.integer:
        return str(int(number)), None
    return format(number.normalize(), "f"), None


def _read_question(question: Question, posted: Posted) -> tuple[dict[str, str], Message | None]:
    """Parse one question's fields; return the stored parts and the first problem found."""
    name = FIELD_PREFIX + question.key
    qtype = question.type
    if qtype in ("single_choice", "yes_no", "region", "country"):
        value = _first(posted, name)
        if value == "":
            return {}, None
        if value not in question.accepted_keys:
            return {}, Message("option_unknown")
        return {"": value}, None
    if qtype in ("short_text", "long_text"):
        text = _first(posted, name)
        if _is_blank(text):
            return {}, None
        assert question.max_length is not None
        if len(text) > question.max_length:
            return {}, Message("text_too_long", {"max": question.max_length, "length": len(text)})
        return {"": text}, None
    if qtype == "number":
        text = _first(posted, name)
        if _is_blank(text):
            return {}, None
        value, problem = _parse_number(text, question)
        return ({"": value} if value is not None else {}), problem
    if qtype == "multiple_choice":
        chosen = posted.get(name, ())
        if any(value not in question.accepted_keys for value in chosen):
            return {}, Message("option_unknown")
        chosen = list(dict.fromkeys(chosen))
        parts = {value: "1" for value in chosen}
        other_text = _first(posted, field_name(question, OTHER_PART)) if question.other else ""
        if not _is_blank(other_text):
            if len(other_text) > OTHER_MAX_LENGTH:
                length = len(other_text)
                return {}, Message("text_too_long", {"max": OTHER_MAX_LENGTH, "length": length})
            parts[OTHER_PART] = other_text
        # "Other, please specify" is a text, not a ticked option: it never counts against the
        # limit of choices.
        count = len(chosen)
        if question.max_choices is not None and count > question.max_choices:
            return {}, Message("too_many_choices", {"max": question.max_choices})
        exclusive = next((o for o in question.options if o.exclusive and o.key in parts), None)
        if exclusive is not None and len(parts) > 1:
            return {}, Message("exclusive_option", {"option": exclusive.label})
        return parts, None
    if qtype == "matrix":
        scale = question.scale_keys
        parts = {}
        for row, row_field in zip(question.rows, question_fields(question), strict=True):
            value = _first(posted, row_field)
            if value == "":
                continue
            if value not in scale:
                return {}, Message("option_unknown")
            parts[row.key] = value
        return parts, None
    if qtype == "ranking":
        assert question.rank is not None
        picked = [_first(posted, rank_field) for rank_field in question_fields(question)]
        if any(value and value not in question.accepted_keys for value in picked):
            return {}, Message("option_unknown")
        filled = [value for value in picked if value]
        if len(set(filled)) != len(filled):
            return {}, Message("rank_duplicate")
        if filled and picked[: len(filled)] != filled:
            return {}, Message("rank_gap")
        return {value: str(rank) for rank, value in enumerate(filled, start=1)}, None
    raise ValueError(f"unknown question type {qtype}")


def question_fields(question: Question) -> tuple[str, ...]:
    """Return every field name a question's form may post (a matrix's in the order of its rows).

    Computed once per question and kept on it, like document_layout: every page save asks.
    """
    cached = question.__dict__.get("_form_fields")
    if cached is not None:
        return cached
    names = [field_name(question)]
    if question.type == "multiple_choice" and question.other:
        names.append(field_name(question, OTHER_PART))
    if question.type == "matrix":
        names = [field_name(question, row.key) for row in question.rows]
    if question.type == "ranking":
        assert question.rank is not None
        names = [field_name(question, f"rank{i}") for i in range(1, question.rank + 1)]
    question.__dict__["_form_fields"] = fields = tuple(names)
    return fields


def read_page(
    questionnaire: Questionnaire, section: Section, form: FormData | Posted, stored: Answers
) -> PageResult:
    """Parse and check one posted page against the definition and the answers stored so far.

    Conditions are evaluated on the stored answers updated with this page's valid values, so a
    condition on an earlier question of the same page is honoured.
    """
    posted = posted_fields(form)
    result = PageResult()
    own_fields: set[str] = set()
    for question in section.questions:
        names = question_fields(question)
        own_fields.update(names)
        for name in names:
            values = posted.get(name)
            if values:
                # Shown back whole, however long (the input chokepoint caps every field): a
                # text cut here would be lost to whoever shortens it on the page.
                result.raw[name] = [without_nul(v) for v in values]
        parts, problem = _read_question(question, posted)
        if problem is not None:
            result.errors[question.key] = problem
        else:
            result.answers[question.key] = parts
    result.unknown_fields = sorted(
        name for name in posted if name.startswith(FIELD_PREFIX) and name not in own_fields
    )

    # A question this page's answers make inapplicable never blocks a button, and what was
    # typed in it is kept (hidden, see split_hidden): hiding a question destroys nothing. A
    # value that could not be read there leaves the stored answer as it was.
    merged: Answers = {**stored, **result.answers}
    for question in section.questions:
        # Whether its condition holds, not whether it holds an answer: a value refused here
        # (too long, not a number) is in no answers, and must be said, never dropped unseen.
        if _is_conditional(question, questionnaire) and not is_shown(
            question, merged, questionnaire
        ):
            if result.errors.pop(question.key, None) is not None:
                result.answers.pop(question.key, None)
        elif question.options_from and result.answers.get(question.key):
            # An option no longer chosen in the filtering question leaves the ranking, and the
            # choices after it move up: the rule holds without JavaScript too.
            result.answers[question.key] = _keep_rankable(
                question, result.answers[question.key], merged
            )
    return result


def rankable(question: Question, answers: Answers) -> tuple[str, ...]:
    """Return the options a ranking offers given the answers (all, without an array filter).

    With ``options_from``, only the options ticked in that multiple choice, and ``other`` when
    its "Other, please specify" text was given.
    """
    keys = tuple(o.key for o in question.options)
    if not question.options_from:
        return keys
    ticked = answers.get(question.options_from, {})
    return tuple(
        key
        for key in keys
        if (ticked.get(OTHER_PART, "").strip() if key == OTHER_PART else ticked.get(key) == "1")
    )


def _keep_rankable(question: Question, parts: dict[str, str], answers: Answers) -> dict[str, str]:
    """Drop ranked options no longer ticked in the filtering question; close the gaps."""
    offered = rankable(question, answers)
    kept = sorted((int(rank), option) for option, rank in parts.items() if option in offered)
    return {option: str(place) for place, (_rank, option) in enumerate(kept, start=1)}


def missing_required(
    questionnaire: Questionnaire, questions: tuple[Question, ...], answers: Answers
) -> dict[str, Message]:
    """Return a message for every required question asked but not (fully) answered.

    Only applicable answers count (see applicable): an answer to a question no longer asked
    neither satisfies nor blocks anything.
    """
    answers = applicable(questionnaire, answers)
    missing: dict[str, Message] = {}
    for question in questions:
        if not question.required or not is_shown(question, answers, questionnaire):
            continue
        given = answers.get(question.key, {})
        if question.type == "matrix":
            rows = tuple(row for row in question.rows if row.key not in given)
            if rows:
                missing[question.key] = Message(
                    "required_rows", {"rows": tuple(row.label for row in rows)}
                )
        elif not given:
            missing[question.key] = Message("required")
    return missing


def _conditional_keys(questionnaire: Questionnaire) -> frozenset[str]:
    """Return the keys of the questions that a condition (their own or their page's) governs."""
    cached = questionnaire.__dict__.get("_conditional_keys")
    if cached is None:
        cached = frozenset(
            q.key
            for section in questionnaire.sections
            for q in section.questions
            if q.when is not None or section.when is not None
        )
        object.__setattr__(questionnaire, "_conditional_keys", cached)
    return cached


def _is_conditional(question: Question, questionnaire: Questionnaire) -> bool:
    return question.key in _conditional_keys(questionnaire)


def applicable(questionnaire: Questionnaire, answers: Answers) -> Answers:
    """Return the answers to the questions asked, given these answers: the one applicability rule.

    Every path goes through it: a page save (the page's own answers and any an earlier answer
    made inapplicable), the background save, the review page and submission. An answer to a
    question whose condition turned false, or to no question of this version, is left out.
    """
    conditional = _conditional_keys(questionnaire)
    kept: Answers = {}
    for key, parts in answers.items():
        try:
            question = questionnaire.question(key)
        except KeyError:
            continue
        if key not in conditional or is_shown(question, answers, questionnaire):
            kept[key] = parts
    return kept


def split_hidden(questionnaire: Questionnaire, answers: Answers) -> tuple[Answers, Answers]:
    """Split answers into those asked (which count) and those a condition hides (kept).

    The one rule every save and submission applies: an answer to a question that a condition
    hides is never destroyed, only set aside until the condition holds again; it is never
    counted nor exported. A ranking filtered by a multiple choice keeps only the options still
    chosen there, the later choices moving up (as the page shows it). Answers to no question of
    this version, and empty ones, are dropped.
    """
    asked = applicable(questionnaire, answers)
    conditional = _conditional_keys(questionnaire)
    hidden = {
        key: parts
        for key, parts in answers.items()
        if parts and key in conditional and key not in asked
    }
    for key, parts in list(asked.items()):
        question = questionnaire.question(key)
        if question.options_from and parts:
            asked[key] = parts = _keep_rankable(question, parts, asked)
        if not parts:
            del asked[key]
    return asked, hidden


def prune_hidden(questionnaire: Questionnaire, answers: Answers) -> Answers:
    """Return the answers that count: those asked (see split_hidden; the hidden are left out)."""
    return split_hidden(questionnaire, answers)[0]


def hidden_by(
    questionnaire: Questionnaire, answers: Answers, among: Iterable[Question] | None = None
) -> dict[str, list[Question]]:
    """Return the questions whose answer is kept but hidden, by the question whose answer hides
    them (the first unmet condition up a chain), in definition order.

    ``among``: only these questions (a page's); all of the questionnaire's by default.
    """
    _asked, hidden = split_hidden(questionnaire, answers)
    found: dict[str, list[Question]] = {}
    for question in questionnaire.questions if among is None else among:
        if question.key in hidden:
            found.setdefault(_deciding(questionnaire, question, answers).key, []).append(question)
    return found


def _deciding(questionnaire: Questionnaire, question: Question, answers: Answers) -> Question:
    """Return the question whose answer stops ``question`` being asked (up a chain)."""
    section = questionnaire.section(question.section_key)
    for item in (section, question):
        if item.when is not None:
            source = questionnaire.question(item.when.question)
            if not is_shown(source, answers, questionnaire):
                return _deciding(questionnaire, source, answers)
            if not is_shown(item, answers, questionnaire):
                return source
    return question


def profile_values(questionnaire: Questionnaire, answers: Answers) -> dict[str, str | None]:
    """Return country, region and respondent_type from the answers."""
    return {
        name: answers.get(question_key, {}).get("") or None
        for name, question_key in questionnaire.profile_fields.items()
    }
