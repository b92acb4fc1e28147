"""The closed dimensions of the consultation: every closed question, every row of a matrix (a
closed question with its scale), and the respondent's region, country, type and language. The
one catalogue the answer filter, the freeze form's filter and the cross-tabulation read. No view
code: it takes definitions and gives plain data, its labels in the page's language (a request or
test request context, as consult.outcomes.formatting needs).

Each dimension is a dict (templates read it as they read a question):
``key`` what a link names it by ("questionnaire:question", "questionnaire:matrix.row", or
"region", "country", "respondent_type", "language"), ``kind`` (question, matrix_row, profile),
``question`` and ``part`` (the stored question key and matrix row; for a profile, its response
column), ``questionnaire`` (None: any), ``short`` its questionnaire's short name, ``label`` its
full wording, ``row_label`` (a matrix row's own wording), ``type`` and ``options`` (key -> label,
in order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from flask_babel import gettext as _

from consult.geography import REGION_KEYS, country_codes, country_name
from consult.i18n import current_language
from consult.outcomes.distribution import YES_NO_LABELS
from consult.outcomes.formatting import LANGUAGE_LABELS, short_questionnaire, t
from consult.questionnaires.definition import YES_NO_KEYS, Question, Questionnaire

#: Closed question types whose answers can filter a summary or be cross-tabulated.
FILTER_TYPES = ("single_choice", "yes_no", "multiple_choice")
#: The respondent's profile, as each response records it (a column of the responses table).
PROFILE_KEYS = ("region", "country", "respondent_type", "language")
#: Kinds of dimension.
QUESTION, MATRIX_ROW, PROFILE = "question", "matrix_row", "profile"


def question_entries(questionnaire: Questionnaire, question: Question) -> list[dict[str, Any]]:
    """The dimensions one question of one questionnaire gives: itself when it is a closed
    question, one per row when it is a matrix, none otherwise."""
    base = {
        "questionnaire": questionnaire.key,
        "short": short_questionnaire(questionnaire.key),
        "question": question.key,
        "type": question.type,
    }
    if question.type == "matrix":
        scale = {point.key: t(point.label) for point in question.scale}
        return [
            {
                **base,
                "key": f"{questionnaire.key}:{question.key}.{row.key}",
                "kind": MATRIX_ROW,
                "part": row.key,
                "label": f"{t(question.label)} — {t(row.label)}",
                "question_label": t(question.label),
                "row_label": t(row.label),
                "options": scale,
            }
            for row in question.rows
        ]
    if question.type not in FILTER_TYPES:
        return []
    if question.type == "yes_no":
        options = {k: t(YES_NO_LABELS[k]) for k in YES_NO_KEYS}
    else:
        options = {o.key: t(o.label) for o in question.options}
    return [
        {
            **base,
            "key": f"{questionnaire.key}:{question.key}",
            "kind": QUESTION,
            "part": "",
            "label": t(question.label),
            "question_label": t(question.label),
            "row_label": "",
            "options": options,
        }
    ]


def profile_entries(
    questionnaires: Iterable[Questionnaire], region_labels: Mapping[str, Mapping[str, str]]
) -> list[dict[str, Any]]:
    """The respondent's region, country, type and language, each over every questionnaire."""
    types: dict[str, str] = {}
    for questionnaire in questionnaires:
        key = questionnaire.profile_fields.get("respondent_type")
        if key:
            types.update({o.key: t(o.label) for o in questionnaire.question(key).options})
    language = current_language()
    found = (
        ("region", _("Region"), {k: t(region_labels.get(k)) or k for k in REGION_KEYS}),
        ("country", _("Country"), {c: country_name(c, language) for c in country_codes()}),
        ("respondent_type", _("Type of respondent"), types),
        ("language", _("Language"), {k: t(v) for k, v in LANGUAGE_LABELS.items()}),
    )
    return [
        {
            "key": key,
            "kind": PROFILE,
            "questionnaire": None,
            "short": "",
            "question": key,
            "part": "",
            "type": PROFILE,
            "label": label,
            "question_label": label,
            "row_label": "",
            "options": options,
        }
        for key, label, options in found
    ]


def closed_dimensions(
    questionnaires: Mapping[str, Questionnaire],
    region_labels: Mapping[str, Mapping[str, str]],
    *,
    profile: bool = True,
) -> dict[str, dict[str, Any]]:
    """Every closed dimension by key: each questionnaire's closed questions and matrix rows
    (a key two questionnaires ask gives two entries: their wording and options can differ),
    then, with ``profile``, the respondent's region, country, type and language."""
    result: dict[str, dict[str, Any]] = {}
    for questionnaire in questionnaires.values():
        for question in questionnaire.questions:
            for entry in question_entries(questionnaire, question):
                result[entry["key"]] = entry
    if profile:
        for entry in profile_entries(questionnaires.values(), region_labels):
            result[entry["key"]] = entry
    return result


def bare_key(dimension: Mapping[str, Any]) -> str:
    """A dimension's key without its questionnaire, as older links name a question."""
    if dimension["kind"] == PROFILE:
        return dimension["key"]
    if dimension["part"]:
        return f"{dimension['question']}.{dimension['part']}"
    return dimension["question"]


def answerable(closed: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The dimensions an answer condition can name: questions and matrix rows (the profile
    has its own filter fields)."""
    return {k: dict(v) for k, v in closed.items() if v["kind"] != PROFILE}


def pairs(
    dimension: Mapping[str, Any], answers: pd.DataFrame, responses: pd.DataFrame
) -> pd.DataFrame:
    """Return (response_id, option) pairs: what each covered respondent answered on one
    dimension (several pairs for a multiple choice). ``answers``: the long answers of the
    covered responses to the dimension's question; ``responses``: the covered responses."""
    if dimension["kind"] == PROFILE:
        frame = responses[["response_id", dimension["question"]]].dropna()
        frame = frame.rename(columns={dimension["question"]: "option"})
    else:
        of_question = answers[answers["question_key"] == dimension["question"]]
        if dimension["kind"] == MATRIX_ROW:
            frame = of_question.loc[of_question["part_key"] == dimension["part"]]
            frame = frame[["response_id", "value"]].rename(columns={"value": "option"})
        else:
            single = of_question.loc[of_question["part_key"] == "", ["response_id", "value"]]
            ticked = of_question.loc[
                (of_question["part_key"] != "") & (of_question["value"] == "1")
            ]
            frame = pd.concat(
                [
                    single.rename(columns={"value": "option"}),
                    ticked[["response_id", "part_key"]].rename(columns={"part_key": "option"}),
                ],
                ignore_index=True,
            )
    frame = frame[frame["response_id"].isin(responses["response_id"])]
    return frame.astype({"option": object}).drop_duplicates().reset_index(drop=True)
