"""What the question templates need beyond the definition: article summaries, ranking choices.

Plain helpers over the definition and the form's field values; the blueprint hands them to the
templates (wording.template_helpers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import current_app

from consult.i18n import translate_text
from consult.questionnaires.definition import OTHER_PART, Question

#: Where the Charter's structure lives once the contributions feature has loaded it.
CHARTER_EXTENSION = "consult.charter"
#: An "Other" text shown as a ranking choice is cut to this many characters.
OTHER_LABEL_LENGTH = 80


def charter_article(row_key: str):
    """Return the Charter article a matrix row rates (rows art01..art12), or None."""
    charter = current_app.extensions.get(CHARTER_EXTENSION)
    return charter.article(row_key) if charter is not None else None


def rank_choices(question: Question, fields: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """Return the (key, label) choices a ranking offers, given the page's field values.

    With ``options_from``, only what is ticked in that question (the "other" choice labelled
    with the respondent's own words); without, every option.
    """
    labels = [(option.key, translate_text(option.label)) for option in question.options]
    if not question.options_from:
        return labels
    source = f"q.{question.options_from}"
    ticked = set(fields.get(source, []))
    other_text = (fields.get(f"{source}.{OTHER_PART}") or [""])[0].strip()
    offered = []
    for key, label in labels:
        if key == OTHER_PART:
            if other_text:
                offered.append((key, _other_label(other_text)))
        elif key in ticked:
            offered.append((key, label))
    return offered


def rank_choices_json(question: Question) -> str:
    """Return every choice of a filtered ranking as JSON, for the script that filters live."""
    choices = [[option.key, translate_text(option.label)] for option in question.options]
    return json.dumps(choices, ensure_ascii=False, separators=(",", ":"))


def _other_label(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= OTHER_LABEL_LENGTH:
        return text
    return text[: OTHER_LABEL_LENGTH - 1] + "…"
