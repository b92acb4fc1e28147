"""A page's form fields from stored answers: the shape a posted page has, for showing a page,
showing it again after a refused save (what was typed over what is stored), and filling a region
from the country.
"""

from __future__ import annotations

from flask import current_app

from consult import geography
from consult.questionnaires import merging
from consult.questionnaires.answers import Answers, PageResult, question_fields
from consult.questionnaires.definition import OTHER_PART, Questionnaire, Section


def answers_to_fields(questionnaire: Questionnaire, answers: Answers) -> dict[str, list[str]]:
    """Turn stored answers into form field values, the shape a posted page has."""
    fields: dict[str, list[str]] = {}
    for question in questionnaire.questions:
        parts = answers.get(question.key)
        if not parts:
            continue
        name = f"q.{question.key}"
        if question.type == "multiple_choice":
            fields[name] = [p for p, v in parts.items() if p != OTHER_PART and v == "1"]
            if OTHER_PART in parts:
                fields[f"{name}.{OTHER_PART}"] = [parts[OTHER_PART]]
        elif question.type == "matrix":
            for row, value in parts.items():
                fields[f"{name}.{row}"] = [value]
        elif question.type == "ranking":
            for option, rank in parts.items():
                fields[f"{name}.rank{rank}"] = [option]
        else:
            fields[name] = [parts.get("", "")]
    return fields


def with_kept_answers(
    questionnaire: Questionnaire, fields: dict[str, list[str]], page_merge: merging.Merge
) -> dict[str, list[str]]:
    """Show the answers another browser saved, that this page had not changed, as stored."""
    for unit, (key, theirs) in page_merge.kept.items():
        question = questionnaire.question(key)
        names = question_fields(question)
        if question.type == "matrix":
            names = tuple(name for name in names if name == f"q.{unit}")
        for name in names:
            fields.pop(name, None)
        stored_fields = answers_to_fields(questionnaire, {key: theirs})
        fields.update({name: stored_fields[name] for name in names if name in stored_fields})
    return fields


def default_region(
    questionnaire: Questionnaire, section: Section, result: PageResult, stored: Answers
) -> None:
    """Fill an unanswered region on this page from the country; the respondent may correct it."""
    region_key = questionnaire.profile_fields.get("region")
    country_key = questionnaire.profile_fields.get("country")
    if region_key not in {q.key for q in section.questions} or result.answers.get(region_key):
        return
    if region_key in result.errors:
        return
    country = {**stored, **result.answers}.get(country_key, {}).get("")
    region = geography.region_of(current_app.config["QUESTIONNAIRES_PATH"], country or "")
    if region:
        result.answers[region_key] = {"": region}
        result.raw[f"q.{region_key}"] = [region]


def fields_for_reshow(
    questionnaire: Questionnaire, answers: Answers, result: PageResult
) -> dict[str, list[str]]:
    """The fields of a page shown again: what was sent over what is stored."""
    fields = answers_to_fields(questionnaire, answers)
    page_fields = {
        name
        for q in questionnaire.questions
        if q.key in result.answers or q.key in result.errors
        for name in question_fields(q)
    }
    for name in page_fields:
        fields.pop(name, None)
    fields.update(result.raw)
    return fields
