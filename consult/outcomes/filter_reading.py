"""The summary filter a request asks for: the one reading every outcomes view and download goes
through (read_filters), its answer conditions (answer_conditions), the closed questions they may
name, and the choice an older link's ambiguous bare question key asks for (Ambiguity)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import abort, current_app, make_response, request, url_for
from flask_babel import gettext as _

from consult.core.errors import render_error
from consult.core.inputs import URL_FOR_KEYWORDS, parse_date
from consult.geography import REGION_KEYS, country_codes, region_labels
from consult.outcomes import dimensions, presenting
from consult.outcomes.filters import MAX_ANSWER_CONDITIONS, AnswerCondition, SummaryFilter
from consult.outcomes.formatting import LANGUAGE_LABELS, long_date
from consult.questionnaires.registry import current_questionnaires


def closed_questions(*, profile: bool = True) -> dict[str, dict[str, Any]]:
    """The closed dimensions of the current questionnaires (consult.outcomes.dimensions): each
    questionnaire's closed questions and matrix rows, and (with ``profile``) the respondent's
    region, country, type and language, in the page's language."""
    path = current_app.config["QUESTIONNAIRES_PATH"]
    return dimensions.closed_dimensions(
        current_questionnaires(), region_labels(path), profile=profile
    )


def resolve_closed(value: str, closed: dict[str, dict[str, Any]] | None = None) -> ResolvedQuestion:
    """Read a closed question as a link names it: "questionnaire:question", or a bare question
    key (older links), which stands for its one questionnaire's question; a bare key asked by
    several questionnaires is ambiguous (``choices`` lists them), an unknown one is None."""
    closed = closed_questions() if closed is None else closed
    if value in closed:
        return ResolvedQuestion(value, ())
    choices = tuple(k for k, entry in closed.items() if dimensions.bare_key(entry) == value)
    if len(choices) == 1:
        return ResolvedQuestion(choices[0], ())
    return ResolvedQuestion(None, choices)


@dataclass(frozen=True)
class ResolvedQuestion:
    """What resolve_closed found: the question's key, or the keys it could stand for."""

    key: str | None
    choices: tuple[str, ...]


@dataclass(frozen=True)
class QuestionChoice:
    """One questionnaire an ambiguous link can be read for, in words, and the link doing so."""

    #: The questionnaire's title, in the page's language.
    title: str
    #: The question's wording in that questionnaire.
    label: str
    #: The answer the link names, in that questionnaire's words ("" for a question alone).
    answer: str
    #: The same page with the link's bare key replaced by that questionnaire's question.
    url: str


@dataclass(frozen=True)
class Ambiguity:
    """A link naming a question several questionnaires ask: the page asks to choose, with one
    link per questionnaire (no JavaScript needed). Never quotes the link's raw key."""

    choices: tuple[QuestionChoice, ...]

    @property
    def message(self) -> str:
        """The sentence above the choices."""
        return _(
            "This link names a question that several questionnaires ask, each with its own "
            "wording and answers. Choose the questionnaire:"
        )

    def __str__(self) -> str:
        lines = [
            f"{c.title}: “{c.label}”" + (f" ({c.answer})" if c.answer else "") for c in self.choices
        ]
        return " ".join([self.message, "; ".join(lines)])


def ambiguity(
    param: str,
    value: str,
    choices: Sequence[str],
    closed: dict[str, dict[str, Any]],
    option: str | None = None,
) -> Ambiguity | None:
    """Ask to choose among the questionnaires asking the bare question key that the request's
    ``param`` names (as ``value``): each choice is the same page with that value naming one
    questionnaire's question, in its title and wording. ``option``: an answer condition's
    answer; only the questionnaires offering it are choices (None when none does)."""
    questionnaires = current_questionnaires()
    found = []
    for key in choices:
        question = closed[key]
        if option is not None and option not in question["options"]:
            continue
        chosen = key if option is None else f"{key}:{option}"
        args = request.args.to_dict(flat=False)
        args[param] = [chosen if v == value else v for v in args.get(param, [])]
        args = {
            k: v
            for k, v in args.items()
            if k not in ("format", "page") and k not in URL_FOR_KEYWORDS and not k.startswith("_")
        }
        owner = questionnaires.get(question["questionnaire"])
        found.append(
            QuestionChoice(
                title=presenting.t(owner.title) if owner else question["short"],
                label=question["label"],
                answer="" if option is None else question["options"][option],
                url=url_for(request.endpoint, **(request.view_args or {}), **args),
            )
        )
    return Ambiguity(tuple(found)) if found else None


#: The filter fields a form shows as typed (the answer conditions are listed one by one).
TYPED_FIELDS = ("questionnaire", "region", "respondent_type", "country", "language", "from", "to")


@dataclass(frozen=True)
class FilterReading:
    """The filter a request asks for, and each part of it that could not be applied, in
    words (what was ignored and why): shown on the page, never dropped silently."""

    filters: SummaryFilter
    #: Sentences, and Ambiguity for an older link's bare key (shown with its choices).
    ignored: tuple[str | Ambiguity, ...]
    #: The single-valued fields as typed (TYPED_FIELDS), kept or refused: a form shows them
    #: again, so that a refused filter never loses what was typed.
    typed: Mapping[str, str] = field(default_factory=dict)


def read_filters(args: Any = None) -> FilterReading:
    """Read the summary filters from the query string (or a form): the one reading every
    outcomes view and download goes through. Unknown questionnaires, regions, respondent
    types, questions and options, malformed or inverted dates and malformed conditions are
    left out, each with a sentence saying so."""
    args = request.args if args is None else args
    ignored: list[str] = []
    typed = {name: (args.get(name) or "").strip()[:64] for name in TYPED_FIELDS}

    def known(name: str, choices: Any, message: Callable[[], str]) -> str | None:
        # The unknown value is not echoed: a link's text is never replayed on a staff page.
        value = (args.get(name) or "").strip()
        if value and value not in choices:
            ignored.append(message())
            return None
        return value or None

    questionnaire = known(
        "questionnaire",
        current_questionnaires(),
        lambda: _(
            "This link names a questionnaire the consultation does not have: that filter "
            "was ignored."
        ),
    )
    region = known(
        "region",
        REGION_KEYS,
        lambda: _(
            "This link names a region the consultation does not use: that filter was ignored."
        ),
    )
    respondent_type = known(
        "respondent_type",
        {key for _title, key, _label in respondent_type_choices()},
        lambda: _(
            "This link names a respondent type the consultation does not have: that filter "
            "was ignored."
        ),
    )
    country = known(
        "country",
        country_codes(),
        lambda: _(
            "This link names a country the consultation does not know: that filter was ignored."
        ),
    )
    language = known(
        "language",
        LANGUAGE_LABELS,
        lambda: _(
            "This link names a language the consultation does not use: that filter was ignored."
        ),
    )
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()[:64]
        days[name] = parse_date(raw) if raw else None
        if raw and days[name] is None and name == "from":
            ignored.append(
                _("“%(value)s” is not a date (YYYY-MM-DD): the start date was ignored.", value=raw)
            )
        elif raw and days[name] is None:
            ignored.append(
                _("“%(value)s” is not a date (YYYY-MM-DD): the end date was ignored.", value=raw)
            )
    if days["from"] and days["to"] and days["from"] > days["to"]:
        ignored.append(
            _(
                "The start date (%(start)s) is after the end date (%(end)s): both were ignored.",
                start=long_date(days["from"]),
                end=long_date(days["to"]),
            )
        )
        days = {"from": None, "to": None}
    raws = args.getlist("answer")
    if len(raws) > MAX_ANSWER_CONDITIONS:
        ignored.append(
            _(
                "At most %(n)s answer conditions apply at once: the others were ignored.",
                n=MAX_ANSWER_CONDITIONS,
            )
        )
    conditions, refused = answer_conditions(raws[:MAX_ANSWER_CONDITIONS], questionnaire)
    filters = SummaryFilter(
        questionnaire=questionnaire,
        region=region,
        respondent_type=respondent_type,
        submitted_from=days["from"],
        submitted_to=days["to"],
        answers=tuple(sorted(set(conditions))),
        country=country,
        language=language,
    )
    return FilterReading(filters, tuple(ignored + refused), {k: v for k, v in typed.items() if v})


def typed_fields(args: Any = None) -> dict[str, str]:
    """The request's filter fields as typed, refused ones included (FilterReading.typed): what
    a filter form and its hidden fields show again."""
    return dict(read_filters(args).typed)


def filters_from_request(args: Any = None) -> SummaryFilter:
    """The summary filters of the request (read_filters; what it ignored is in
    refused_answers)."""
    return read_filters(args).filters


def answer_conditions(
    raws: Sequence[str], questionnaire: str | None = None
) -> tuple[list[AnswerCondition], list[str | Ambiguity]]:
    """Read the answer conditions of a link, each naming its questionnaire, and why any was
    left out. An older link's bare question key stands for the one questionnaire asking it;
    a key several questionnaires ask (other wording, other options) stands for the one the
    view is already limited to (``questionnaire``, or another condition's), and is otherwise
    left out with an Ambiguity asking to choose among the questionnaires that offer its
    answer, one link each: never applied to two different questions.
    Malformed conditions, unknown questions and unknown options are left out, each with a
    message."""
    closed = closed_questions(profile=False)
    parsed = [(raw, AnswerCondition.parse(raw)) for raw in raws]
    messages = [
        _(
            "“%(value)s” is not an answer condition (questionnaire:question:answer): "
            "it was ignored.",
            value=raw[:64],
        )
        for raw, condition in parsed
        if condition is None and raw.strip()
    ]
    read = [c for _raw, c in parsed if c is not None]
    raw_of = {id(c): raw for raw, c in parsed if c is not None}
    found = [resolve_closed(c.question_id, closed) for c in read]
    pinned = {questionnaire} if questionnaire else set()
    pinned |= {closed[r.key]["questionnaire"] for r in found if r.key}
    conditions = []
    for condition, resolved in zip(read, found, strict=True):
        key = resolved.key
        if key is None and len(pinned) == 1:
            key = next((k for k in resolved.choices if closed[k]["questionnaire"] in pinned), None)
        if key is None:
            if resolved.choices:
                asked = ambiguity(
                    "answer", raw_of[id(condition)], resolved.choices, closed, condition.option
                )
                messages.append(
                    asked
                    if asked is not None
                    else _(
                        "“%(question)s” has no answer “%(option)s”: that condition was ignored.",
                        question=closed[resolved.choices[0]]["label"],
                        option=condition.option,
                    )
                )
            else:
                messages.append(
                    _(
                        "No closed question “%(question)s”: the condition “%(value)s” was ignored.",
                        question=condition.question_id,
                        value=condition.as_text(),
                    )
                )
            continue
        question = closed[key]
        if condition.option in question["options"]:
            conditions.append(
                AnswerCondition(
                    question["question"],
                    condition.option,
                    question["questionnaire"],
                    question["part"],
                )
            )
        else:
            messages.append(
                _(
                    "“%(question)s” has no answer “%(option)s”: that condition was ignored.",
                    question=question["label"],
                    option=condition.option,
                )
            )
    return conditions, messages


def download_filters(args: Any = None) -> SummaryFilter:
    """The filters of a download (or of the rows behind a figure): a file cannot carry a
    warning, so a filter part that cannot be applied refuses it (400, saying what and why)
    rather than giving a file that covers more than its link says."""
    reading = read_filters(args)
    if reading.ignored:
        abort(make_response(render_error(400, " ".join(str(m) for m in reading.ignored))))
    return reading.filters


def refused_answers(args: Any = None) -> list[str | Ambiguity]:
    """Each part of the request's filter that was left out, and why, in words (read_filters);
    an ambiguous older key comes with its choices (outcomes/_refused.html shows both)."""
    return list(read_filters(args).ignored)


def respondent_type_choices() -> list[tuple[str, str, str]]:
    """(questionnaire title, key, label) of every respondent type, for the filter."""
    choices = []
    for questionnaire in current_questionnaires().values():
        key = questionnaire.profile_fields.get("respondent_type")
        if not key:
            continue
        for option in questionnaire.question(key).options:
            choices.append(
                (presenting.t(questionnaire.title), option.key, presenting.t(option.label))
            )
    return choices


def region_names() -> dict[str, str]:
    path = current_app.config["QUESTIONNAIRES_PATH"]
    return {key: presenting.t(label) for key, label in region_labels(path).items()}
