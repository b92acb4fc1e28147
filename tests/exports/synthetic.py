"""Synthetic answers for any questionnaire definition: valid, conditions honoured, tricky text.

Shared by the export tests and benchmarks/export_speed.py.
"""

from __future__ import annotations

import random

from consult.geography import REGION_KEYS, country_codes
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire, is_shown

#: Text that must survive every format unchanged (or neutralised in spreadsheets).
TRICKY_TEXTS = (
    "Plain answer",
    '=HYPERLINK("http://evil.example","click")',
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(A1:A2)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "Ligne 1\nLigne 2\r\nLigne 3",
    "Derechos humanos en la ciudad: «participación» y ñandú",
    "人权城市 — 光州",
    "حقوق الإنسان في المدينة",
    "Права человека в городе",
    "Emoji 🌍🏙️👩🏽‍⚖️ and a zero-width joiner",
    "Quotes \"double\" and 'single', commas, semicolons; done",
    "_x0041_ looks like an XML escape",
    "  leading and trailing spaces  ",
)


def random_value(question: Question, rng: random.Random) -> dict[str, str]:
    """Return a valid answer to one question."""
    kind = question.type
    if kind == "single_choice":
        return {"": rng.choice(question.options).key}
    if kind == "yes_no":
        return {"": rng.choice(("yes", "no", "dont_know"))}
    if kind == "country":
        return {"": rng.choice(country_codes())}
    if kind == "region":
        return {"": rng.choice(REGION_KEYS)}
    if kind in ("short_text", "long_text"):
        return {"": rng.choice(TRICKY_TEXTS)[: question.max_length]}
    if kind == "number":
        low = int(question.min if question.min is not None else 0)
        high = int(question.max if question.max is not None else 1000)
        return {"": str(rng.randint(low, high))}
    if kind == "multiple_choice":
        limit = question.max_choices or len(question.options)
        chosen = rng.sample(question.options, rng.randint(1, min(limit, len(question.options))))
        parts = {option.key: "1" for option in chosen}
        if question.other and rng.random() < 0.3:
            parts[OTHER_PART] = rng.choice(TRICKY_TEXTS)
        return parts
    if kind == "matrix":
        return {row.key: rng.choice(question.scale).key for row in question.rows}
    if kind == "ranking":
        assert question.rank is not None
        chosen = rng.sample(question.options, question.rank)
        return {option.key: str(rank) for rank, option in enumerate(chosen, start=1)}
    raise ValueError(kind)


def random_answers(
    questionnaire: Questionnaire, rng: random.Random, answer_rate: float = 0.85
) -> Answers:
    """Return answers to the questions shown, each answered with probability ``answer_rate``."""
    answers: Answers = {}
    for question in questionnaire.questions:
        if not is_shown(question, answers, questionnaire):
            continue
        if question.required or rng.random() < answer_rate:
            answers[question.key] = random_value(question, rng)
    return answers
