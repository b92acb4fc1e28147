"""An older snapshot's filter is said in words even when a newer questionnaire version no longer
asks its question, or no longer offers its answer: the wording comes from the stored
definitions of the versions that asked it (filter_words.answer_phrase), never the raw key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from consult.db import db, writing
from consult.outcomes import data, filter_reading, operations
from consult.outcomes.filter_words import coverage_note, filter_description
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.outcomes.conftest import fill_demo

LG = "local-governments"
ADOPTED = "Has your institution formally adopted the Global Charter-Agenda"


def _without(questionnaires, question: str, option: str | None = None):
    """The current questionnaires, local governments' next version dropping ``question`` (or
    only its ``option``)."""
    definition = questionnaires[LG]

    def kept(q):
        if q.key != question or option is None:
            return q
        return dataclasses.replace(q, options=tuple(o for o in q.options if o.key != option))

    sections = tuple(
        dataclasses.replace(
            s,
            questions=tuple(
                kept(q) for q in s.questions if option is not None or q.key != question
            ),
        )
        for s in definition.sections
    )
    return {**questionnaires, LG: dataclasses.replace(definition, sections=sections, version=99)}


CASES = [
    # (the newer version drops, the snapshot's condition, words expected, raw keys never shown)
    (
        ("charter_2011_adopted", None),
        f"{LG}:charter_2011_adopted:yes",
        [ADOPTED, "Yes"],
        ["charter_2011_adopted"],
    ),
    (
        ("charter_2011_adopted", "in_process"),
        f"{LG}:charter_2011_adopted:in_process",
        [ADOPTED, "The adoption is under way"],
        ["in_process"],
    ),
    (
        ("article_relevance", None),
        f"{LG}:article_relevance.art03:very_relevant",
        ["III. Right to civic peace", "Very relevant"],
        ["article_relevance", "very_relevant"],
    ),
    (
        ("charter_2011_adopted", None),
        "charter_2011_adopted:yes",  # an older snapshot's bare key
        [ADOPTED, "Yes"],
        ["charter_2011_adopted"],
    ),
    (
        ("charter_2011_adopted", None),
        f"{LG}:never_asked:yes",
        ["no version of the questionnaires defines"],
        ["never_asked"],
    ),
]


@pytest.mark.parametrize(("dropped", "condition", "words", "raw"), CASES)
def test_a_condition_is_said_from_the_versions_that_asked_it(
    app, monkeypatch, dropped, condition, words, raw
):
    fill_demo(app, 5)  # stores the versions the responses answered
    with app.test_request_context("/?lang=en"):
        newer = _without(current_questionnaires(), *dropped)
        monkeypatch.setattr(filter_reading, "current_questionnaires", lambda: newer)
        filters = SummaryFilter(answers=(AnswerCondition.parse(condition),))
        phrase = " ".join(filter_description(filters))
        note = coverage_note(filters)
    for text in (phrase, note):
        assert all(w in text for w in words), text
        assert not any(r in text for r in raw), text


def test_the_snapshot_pages_say_a_dropped_question_in_words(app, login, monkeypatch):
    fill_demo(app, 60, seed=5)
    client = login(app.test_client(), "analyst")
    with app.app_context(), writing():
        analyst = db.session.scalars(select(User)).first()
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(
            db.session,
            sources,
            label="Adopted",
            timezone="UTC",
            actor=analyst,
            filters=SummaryFilter(answers=(AnswerCondition("charter_2011_adopted", "yes", LG),)),
            confirmed_empty=True,
        )
        db.commit()
        snapshot_id = snapshot.id
        newer = _without(current_questionnaires(), "charter_2011_adopted")
    monkeypatch.setattr(filter_reading, "current_questionnaires", lambda: newer)
    for path in (f"/staff/outcomes/snapshots/{snapshot_id}", f"/staff/outcomes/{snapshot_id}/deck"):
        page = client.get(path).get_data(as_text=True)
        text = lxml.html.fromstring(page).text_content()
        assert ADOPTED in text, path
        assert "charter_2011_adopted" not in text, path
