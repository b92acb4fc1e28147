"""Only answers about the Charter can be starred as quotes: never a name, nor anything the
profile section asks about the respondent (a department, a type written under "other")."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.outcomes.quotes import quotable_questions
from consult.questionnaires.parsing import load_file

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


@pytest.mark.parametrize(
    ("questionnaire", "key", "quotable"),
    [
        ("local-governments", "institution_name", False),
        ("local-governments", "respondent_department", False),
        ("partners", "organisation_name", False),
        ("partners", "organisation_type_other", False),
        ("partners", "relevance_comments", True),
        ("partners", "charter_use_example", True),
    ],
)
def test_only_answers_about_the_charter_are_quotable(questionnaire, key, quotable):
    definition = load_file(QUESTIONNAIRES / f"{questionnaire}.yaml")
    assert any(q.key == key for q in definition.questions)
    assert (key in {q.key for q in quotable_questions(definition)}) is quotable
