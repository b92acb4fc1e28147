"""The summary the database counts against the one computed from every answer in memory.

Closed questions are counted in the database (consult.outcomes.tallies); the reference reads
every answer and counts in pandas. Random sequences of submissions, edits (through the
respondents' save path) and withdrawals (deletions), checked after each step, unfiltered and
with every kind of filter, and at a past moment (a snapshot's ``as_of``): figure for figure.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from consult.db import db, utcnow, writing
from consult.geography import region_map
from consult.outcomes import data, demo, tallies
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.questionnaires import operations
from consult.questionnaires.models import Response
from consult.questionnaires.registry import current_questionnaires
from tests.outcomes.conftest import fill_demo

FILTERS = [
    SummaryFilter(),
    SummaryFilter(region="europe"),
    SummaryFilter(respondent_type="municipality"),
    SummaryFilter(submitted_from=date(2022, 1, 10), submitted_to=date(2022, 2, 5)),
    SummaryFilter(answers=(AnswerCondition("keep_four_part_structure", "yes"),)),
    SummaryFilter(
        questionnaire="local-governments",
        answers=(
            AnswerCondition("charter_2011_adopted", "yes"),
            AnswerCondition("hr_elements", "local_charter"),
        ),
    ),
    SummaryFilter(questionnaire="partners", region="africa"),
]


@pytest.fixture(scope="module")
def counted_app(tmp_path_factory, template_instance):
    """One database with a few dozen demo responses, shared by the module's tests."""
    from consult import create_app
    from consult.cli import init_database
    from tests.conftest import PG_URL, _reset_postgres, base_config

    folder = tmp_path_factory.mktemp("outcomes-counted")
    if not PG_URL:
        shutil.copy(template_instance / "consult.sqlite3", folder / "consult.sqlite3")
    app = create_app(base_config(folder, INSTANCE_PATH=str(folder)))
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        init_database(app)
    fill_demo(app, 30, seed=3)
    yield app
    app.extensions["consult.db"].engine.dispose()


def _sources(app) -> data.SummarySources:
    return data.SummarySources(current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"]))


def _comparable(summary: dict) -> str:
    return json.dumps({**summary, "generated_at": None}, sort_keys=True)


def _submitted(number: int) -> Response | None:
    count = db.session.scalar(select(func.count()).where(Response.status == "submitted"))
    if not count:
        return None
    return db.session.scalars(
        select(Response).where(Response.status == "submitted").order_by(Response.id)
    ).all()[number % count]


def apply(app, kind: str, number: int) -> None:
    """Apply one change: a new submission, an edit of a submitted response, a withdrawal."""
    with app.app_context(), writing():
        if kind == "submit":
            plan = demo.DemoPlan(responses=1, seed=1000 + number)
            regions = region_map(app.config["QUESTIONNAIRES_PATH"])
            for _done in demo.generate_responses(
                db.session, current_questionnaires(), regions, plan
            ):
                pass
        elif kind == "edit":
            response = _submitted(number)
            if response is not None:
                questionnaire = current_questionnaires()[response.questionnaire_key]
                stored = operations.answers_of(db.session, response, questionnaire)
                changes = _edits(questionnaire, stored, number)
                operations.save_answers(db.session, questionnaire, response, changes)
        else:
            response = _submitted(number)
            if response is not None:
                db.session.execute(delete(Response).where(Response.id == response.id))
        db.commit()


def _edits(questionnaire, stored, number: int) -> dict[str, dict[str, str]]:
    """Change a yes/no, a single choice, a multiple choice, a matrix row, a number and a text."""
    changes: dict[str, dict[str, str]] = {}
    flipped = False
    for question in questionnaire.questions:
        old = stored.get(question.key, {})
        if question.when is not None:
            continue
        if question.type == "yes_no" and not flipped:
            flipped = True
            changes[question.key] = {"": "no" if old.get("") == "yes" else "yes"}
        elif question.type == "single_choice" and question.options and number % 2:
            options = [o.key for o in question.options]
            changes[question.key] = {"": options[number % len(options)]}
        elif question.type == "multiple_choice" and question.options and number % 3 == 0:
            options = [o.key for o in question.options]
            changes[question.key] = {options[number % len(options)]: "1"}
        elif question.type == "matrix" and question.rows and number % 3 == 1:
            scale = [p.key for p in question.scale]
            changes[question.key] = {**old, question.rows[0].key: scale[number % len(scale)]}
        elif question.type == "number" and number % 2 == 0:
            changes[question.key] = {"": str(1990 + number % 30)}
        elif question.type == "long_text":
            text = "Housing and climate justice matter for every neighbourhood of the city."
            changes[question.key] = {"": text if number % 2 else ""}
    return changes


def _check(app, filters: SummaryFilter, as_of=None) -> None:
    with app.app_context(), db.engine.connect() as connection:
        got, got_ids = data.compute_summary(connection, _sources(app), filters, as_of=as_of)
        want, want_ids = data.compute_summary(
            connection, _sources(app), filters, as_of=as_of, every_answer=True
        )
    assert got_ids == want_ids, filters
    assert _comparable(got) == _comparable(want), filters


@pytest.mark.parametrize("seed", range(2))
def test_counted_summary_equals_every_answer_after_each_change(counted_app, seed):
    chance = random.Random(seed)
    for _step in range(2):
        kind = chance.choice(["submit", "edit", "edit", "withdraw"])
        apply(counted_app, kind, chance.randrange(10_000))
        for filters in {FILTERS[0], chance.choice(FILTERS[1:])}:
            _check(counted_app, filters)


def test_every_filter_and_a_past_moment(counted_app):
    for filters in FILTERS:
        _check(counted_app, filters)
    _check(counted_app, FILTERS[0], as_of=utcnow() - timedelta(days=400))
    with counted_app.app_context():
        middle = db.session.scalar(
            select(Response.submitted_at)
            .where(Response.status == "submitted")
            .order_by(Response.submitted_at)
            .offset(10)
        )
    _check(counted_app, FILTERS[1], as_of=middle)


def test_a_filter_read_differently_falls_back_to_every_answer(counted_app, monkeypatch, caplog):
    """Should the database's reading of a filter ever disagree, the figures stay right."""
    real = tallies.covered_clause
    monkeypatch.setattr(
        tallies, "covered_clause", lambda filters, as_of=None: real(SummaryFilter(), as_of)
    )
    _check(counted_app, FILTERS[1])
    assert "expected" in caplog.text
