"""Cases generated from the questionnaire definitions: every conditional question of every
questionnaire in questionnaires/*.yaml, with the answers that ask it and the one that stops.

Shared by the tests without JavaScript (tests/questionnaires/test_never_stuck.py) and in the
browser (tests/browser/test_never_stuck.py); nothing here is hand-picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consult.questionnaires.definition import Question, Questionnaire, Section
from consult.questionnaires.parsing import definition_files, load_file

QUESTIONNAIRES_FOLDER = Path(__file__).resolve().parents[2] / "questionnaires"

#: Form fields (name -> values), the shape a posted page has.
Fields = dict[str, list[str]]


def questionnaires() -> list[Questionnaire]:
    """Every questionnaire the project ships."""
    return [load_file(path) for path in definition_files(QUESTIONNAIRES_FOLDER)]


@dataclass(frozen=True)
class ConditionalCase:
    """A question asked only under a condition, and the trigger answer that stops asking it."""

    questionnaire: Questionnaire
    question: Question
    #: The question whose answer decides (the question's own condition, else its page's).
    trigger: Question
    #: Fields of the trigger that ask the question, and fields that stop asking it.
    trigger_on: Fields
    trigger_off: Fields

    @property
    def id(self) -> str:
        """Name the case in test reports."""
        return f"{self.questionnaire.key}:{self.question.key}"

    @property
    def section(self) -> Section:
        """The page of the conditional question."""
        return self.questionnaire.section(self.question.section_key)

    @property
    def trigger_section(self) -> Section:
        """The page of the trigger."""
        return self.questionnaire.section(self.trigger.section_key)

    @property
    def same_page(self) -> bool:
        """Tell whether the trigger is on the question's own page."""
        return self.trigger.section_key == self.question.section_key


def conditional_cases() -> list[ConditionalCase]:
    """Return one case per conditional question of every questionnaire."""
    cases = []
    for questionnaire in questionnaires():
        for section in questionnaire.sections:
            for question in section.questions:
                condition = question.when or section.when
                if condition is None:
                    continue
                trigger = questionnaire.question(condition.question)
                cases.append(
                    ConditionalCase(
                        questionnaire,
                        question,
                        trigger,
                        _condition_fields(trigger, condition.value, met=True),
                        _condition_fields(trigger, condition.value, met=False),
                    )
                )
    return cases


def _choice_keys(question: Question) -> tuple[str, ...]:
    return question.option_keys


def _condition_fields(trigger: Question, value: str, *, met: bool) -> Fields:
    """Fields of the trigger that meet (or do not meet) a condition on ``value``."""
    name = f"q.{trigger.key}"
    if met:
        return {name: [value]}
    other = next(key for key in _choice_keys(trigger) if key != value)
    return {name: [other]}


def sample_fields(question: Question) -> Fields:
    """A valid answer to any question, as form fields."""
    name = f"q.{question.key}"
    if question.type in ("short_text", "long_text"):
        return {name: ["Réponse d'essai / test answer"]}
    if question.type == "number":
        value = 12 if question.min is None else int(question.min)
        if question.max is not None:
            value = min(value, int(question.max))
        return {name: [str(value)]}
    if question.type == "country":
        return {name: ["SN"]}
    if question.type in ("single_choice", "yes_no", "region"):
        return {name: [_choice_keys(question)[0]]}
    if question.type == "multiple_choice":
        return {name: [_choice_keys(question)[0]]}
    if question.type == "matrix":
        return {f"{name}.{row.key}": [question.scale[0].key] for row in question.rows}
    if question.type == "ranking":
        return {f"{name}.rank1": [question.options[0].key]}
    raise ValueError(question.type)


def page_fields(case: ConditionalCase, section: Section, *, trigger: Fields) -> Fields:
    """Every question of a page answered (the question of the case too), the trigger as given.

    What a browser without JavaScript posts: every field of the page, shown or not. Triggers of
    other conditions on the path to the case's question are answered so as to ask it.
    """
    fields: Fields = {}
    for question in section.questions:
        fields.update(sample_fields(question))
    for chained in _path_triggers(case):
        if chained.trigger.section_key == section.key:
            fields.update(chained.trigger_on)
    if case.trigger.section_key == section.key:
        fields.update(trigger)
    return fields


def _path_triggers(case: ConditionalCase) -> list[ConditionalCase]:
    """Every other condition that must hold for the case's question to be asked.

    The question's page's condition (when it has its own too) and, recursively, those of
    every trigger on the way.
    """
    questionnaire = case.questionnaire
    found: list[ConditionalCase] = []
    pending = [case.trigger]
    section = case.section
    if case.question.when is not None and section.when is not None:
        pending.append(case.question)  # its page's condition, below
    seen = set()
    while pending:
        question = pending.pop()
        if question.key in seen:
            continue
        seen.add(question.key)
        conditions = [question.when, questionnaire.section(question.section_key).when]
        if question is case.question:
            conditions = [section.when]
        for condition in conditions:
            if condition is None:
                continue
            trigger = questionnaire.question(condition.question)
            found.append(
                ConditionalCase(
                    questionnaire,
                    question,
                    trigger,
                    _condition_fields(trigger, condition.value, met=True),
                    {},
                )
            )
            pending.append(trigger)
    return found
