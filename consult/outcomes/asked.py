"""Which respondents were asked each question: answers split by question, conditions evaluated
for every response at once (the rule of definition.is_shown, vectorised)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from consult.questionnaires.definition import Question, Questionnaire, Section


def split_answers(
    answers: pd.DataFrame, submitted: pd.DataFrame
) -> dict[str, dict[str, pd.DataFrame]]:
    """Split the answers of the ``submitted`` responses by questionnaire, then by question.

    One stable sort of the row numbers by (questionnaire, question) and a single take; every
    part is then a slice of it (no copy per question). Answers of other responses are dropped.
    """
    if answers.empty or submitted.empty:
        return {}
    position = pd.Index(submitted["response_id"]).get_indexer(answers["response_id"])
    kept = np.flatnonzero(position >= 0)
    questionnaire_codes, questionnaire_keys = pd.factorize(submitted["questionnaire"])
    of_row = np.asarray(questionnaire_codes)[position[kept]]
    question_codes, question_keys = pd.factorize(answers["question_key"].to_numpy()[kept])
    order = np.lexsort((question_codes, of_row))
    ordered = answers.iloc[kept[order]]
    combined = of_row[order].astype(np.int64) * len(question_keys) + question_codes[order]
    boundaries = np.flatnonzero(np.diff(combined)) + 1
    starts = np.concatenate(([0], boundaries, [len(combined)]))
    result: dict[str, dict[str, pd.DataFrame]] = {}
    for begin, end in zip(starts[:-1], starts[1:], strict=True):
        code = int(combined[begin])
        questionnaire = str(questionnaire_keys[code // len(question_keys)])
        question = str(question_keys[code % len(question_keys)])
        result.setdefault(questionnaire, {})[question] = ordered.iloc[begin:end]
    return result


def asked_masks(
    questionnaire: Questionnaire,
    response_ids: np.ndarray,
    by_question: Mapping[str, pd.DataFrame],
) -> dict[str, np.ndarray]:
    """Return, per question, a boolean array over ``response_ids``: was it asked?

    The same rule as definition.is_shown (section and question conditions; a condition on an
    unasked question is unmet), evaluated for all responses at once. ``by_question``: the
    answers split by question (answers of other responses may be in it; they are ignored).
    """
    everyone = np.ones(len(response_ids), dtype=bool)
    shown: dict[str, np.ndarray] = {}
    sections: dict[str, np.ndarray] = {}

    def met(item: Question | Section) -> np.ndarray:
        condition = item.when
        if condition is None:
            return everyone
        source_asked = shown.get(condition.question, np.zeros(len(response_ids), dtype=bool))
        frame = by_question.get(condition.question)
        if frame is None:
            return np.zeros(len(response_ids), dtype=bool)
        if condition.operator == "equals":
            hits = frame.loc[
                (frame["part_key"] == "") & (frame["value"] == condition.value), "response_id"
            ]
        else:
            hits = frame.loc[
                (frame["part_key"] == condition.value) & (frame["value"] == "1"), "response_id"
            ]
        return source_asked & np.isin(response_ids, hits.to_numpy())

    for section in questionnaire.sections:
        sections[section.key] = met(section)
        for question in section.questions:
            shown[question.key] = sections[section.key] & met(question)
    return shown


def asked_conditions(versions: Sequence[Questionnaire]) -> dict[str, list[list[str]]]:
    """Per conditional question, the earlier answers it is asked after: its section's condition
    and its own, as [question, operator, value], from the newest version that asks it. A public
    page withholds a follow-up whose parent answer's count is hidden (consult.outcomes
    .suppression): the follow-up is asked to exactly those who gave it."""
    result: dict[str, list[list[str]]] = {}
    for version in sorted(versions, key=lambda v: -v.version):
        for section in version.sections:
            for question in section.questions:
                if question.key in result:
                    continue
                found = [c for c in (section.when, question.when) if c is not None]
                result[question.key] = [[c.question, c.operator, c.value] for c in found]
    return {key: conditions for key, conditions in result.items() if conditions}
