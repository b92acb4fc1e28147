"""Answers and validation messages in the respondent's words: the messages of a refused page,
a stored answer as lines, the choices of a question, when a conditional question applies.

The review page, the receipt e-mail and the question templates read answers through these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult import geography
from consult.i18n import current_language, translate_text
from consult.questionnaires import display, navigation
from consult.questionnaires.answers import OTHER_MAX_LENGTH, Message
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire

MESSAGES = {
    "option_unknown": _l("Choose one of the options offered."),
    "text_too_long": _l(
        "This answer is %(length)s characters long; the limit is %(max)s. Please shorten it."
    ),
    "number_invalid": _l("Enter a number, for example 12."),
    "number_integer": _l("Enter a whole number."),
    "number_min": _l("Enter a number of at least %(min)s."),
    "number_max": _l("Enter a number of at most %(max)s."),
    "rank_duplicate": _l("Each option can be ranked only once."),
    "rank_gap": _l("Fill the choices in order, starting with the first."),
    "exclusive_option": _l(
        "“%(option)s” cannot be combined with other answers: untick it, or untick the others."
    ),
    "required": _l("This question needs an answer."),
    "required_rows": _l("Please answer every row. Not answered yet: %(rows)s."),
    "required_elsewhere": _l(
        "Your changes make this question of the page “%(page)s” apply, and it needs an "
        "answer: answer it here to save them."
    ),
}


#: Messages that count what their number names, and which parameter holds the number:
#: ngettext chooses the form ("at most 1 option"; French and Spanish have three).
COUNTED = {
    "too_many_choices": (
        "max",
        lambda n: ngettext("Choose at most %(num)s option.", "Choose at most %(num)s options.", n),
    ),
}


def message_text(message: Message) -> str:
    """Translate a validation message."""
    params = {
        k: translate_text(v) if isinstance(v, Mapping) else _format_param(v)
        for k, v in message.params.items()
    }
    if message.code in COUNTED:
        number, say = COUNTED[message.code]
        return say(params[number])
    return str(MESSAGES[message.code]) % params if params else str(MESSAGES[message.code])


def _format_param(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):  # labels (of matrix rows), named in the respondent's language
        return "; ".join(translate_text(label) for label in value)
    return value


ORDINALS = {
    1: _l("First choice"),
    2: _l("Second choice"),
    3: _l("Third choice"),
    4: _l("Fourth choice"),
    5: _l("Fifth choice"),
}


def answer_lines(
    questionnaire: Questionnaire, question: Question, parts: dict[str, str]
) -> list[str]:
    """Describe a stored answer in words, one line per value (for the review page)."""
    language = current_language()
    if not parts:
        return []
    labels = dict(option_choices(question))
    if question.type in ("short_text", "long_text", "number"):
        return [parts.get("", "")]
    if question.type == "country":
        return [geography.country_name(parts.get(""), language)]
    if question.type in ("single_choice", "yes_no", "region"):
        return [labels.get(parts.get(""), parts.get(""))]
    if question.type == "multiple_choice":
        lines = [labels.get(p, p) for p in parts if p != OTHER_PART]
        if OTHER_PART in parts:
            lines.append(_("Other: %(text)s", text=parts[OTHER_PART]))
        return lines
    if question.type == "matrix":
        scale = {point.key: translate_text(point.label) for point in question.scale}
        return [
            f"{translate_text(row.label)}: {scale.get(parts[row.key], parts[row.key])}"
            for row in question.rows
            if row.key in parts
        ]
    if question.type == "ranking":
        ranked = sorted(parts.items(), key=lambda item: int(item[1]))
        return [f"{rank}. {labels.get(option, option)}" for option, rank in ranked]
    return [str(parts)]


def option_choices(question: Question) -> list[tuple[str, str]]:
    """Return (key, label) pairs of a choice question in the current language."""
    if question.type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No")), ("dont_know", _("Don't know"))]
    if question.type == "region":
        return region_choices()
    return [(option.key, translate_text(option.label)) for option in question.options]


def region_choices() -> list[tuple[str, str]]:
    """Return UCLG's regions as (key, label) in the current language."""
    labels = geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])
    return [(key, translate_text(labels[key])) for key in geography.REGION_KEYS]


def region_map() -> dict[str, str]:
    """Return the country -> region mapping in force."""
    return geography.region_map(current_app.config["QUESTIONNAIRES_PATH"])


def condition_note(questionnaire: Questionnaire, question: Question) -> str:
    """Say in words when a conditional question applies (shown when JavaScript is off)."""
    assert question.when is not None
    source = questionnaire.question(question.when.question)
    value = dict(option_choices(source)).get(question.when.value, question.when.value)
    return _(
        "Answer only if your answer to “%(question)s” is “%(value)s”.",
        question=translate_text(source.label),
        value=value,
    )


def template_helpers() -> dict:
    """Helpers the question templates use (the blueprint's context processor)."""
    return {
        "option_choices": option_choices,
        "region_choices": region_choices,
        "country_names": geography.country_names,
        "ordinal_choice": lambda i: str(ORDINALS.get(i, i)),
        "condition_note": condition_note,
        "page_of": navigation.page_of,
        "error_target": navigation.error_target,
        "answer_lines": answer_lines,
        "region_map_json": lambda: json.dumps(region_map(), separators=(",", ":")),
        "charter_article": display.charter_article,
        "rank_choices": display.rank_choices,
        "rank_choices_json": display.rank_choices_json,
        "other_max_length": OTHER_MAX_LENGTH,
    }
