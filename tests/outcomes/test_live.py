"""The live summary against a full recompute, after every change.

Random sequences of submissions, edits (through the respondents' save path), withdrawals (a
raw DELETE: the change log's triggers must see it) and new drafts; after each step the live
summary, brought up to date from the change log, must be the full summary byte for byte (the
same JSON, once the moment it was made at is set aside). Runs on SQLite and, with
CONSULT_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from consult.db import db, writing
from consult.outcomes import changes, data, live
from consult.outcomes.summary import SummaryFilter
from consult.questionnaires.models import Response
from consult.questionnaires.registry import current_questionnaires
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_counted import apply


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, template_instance):
    """One database with a few demo responses, shared by the module's tests."""
    from consult import create_app
    from consult.cli import init_database
    from tests.conftest import PG_URL, _reset_postgres, base_config

    folder = tmp_path_factory.mktemp("outcomes-live")
    if not PG_URL:
        shutil.copy(template_instance / "consult.sqlite3", folder / "consult.sqlite3")
    app = create_app(base_config(folder, INSTANCE_PATH=str(folder)))
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        init_database(app)
    fill_demo(app, 12, seed=5)
    live.reset()
    yield app
    live.reset()
    app.extensions["consult.db"].engine.dispose()


def _sources(app) -> data.SummarySources:
    return data.SummarySources(current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"]))


def _same_json(summary: dict) -> str:
    return data.dumps({**summary, "generated_at": None, "data_version": None})


def _check(app) -> None:
    with app.app_context():
        summary, _version = live.live_summary(db.engine, _sources(app))
        with db.engine.connect() as connection:
            full, _ids = data.compute_summary(connection, _sources(app))
    assert _same_json(summary) == _same_json(full)


def _draft(app, number: int) -> None:
    """Turn a submitted response back into a draft (as a reissue would): it stops counting."""
    with app.app_context(), writing():
        ids = db.session.scalars(
            select(Response.id).where(Response.status == "submitted").order_by(Response.id)
        ).all()
        if ids:
            response = db.session.get(Response, ids[number % len(ids)])
            response.status = "draft"
            response.submitted_at = None
        db.commit()


CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["submit", "edit", "edit", "withdraw", "draft"]),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(steps=CHANGES)
def test_live_summary_equals_a_full_recompute_after_each_change(live_app, steps):
    _check(live_app)
    for kind, number in steps:
        if kind == "draft":
            _draft(live_app, number)
        else:
            apply(live_app, kind, number)
        _check(live_app)


def test_every_write_path_is_logged_by_the_triggers(live_app):
    """A raw SQL update and delete, which no application code sees, still reach the log."""
    with live_app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            before = changes.newest_id(connection)
            victim = connection.scalar(
                select(func.max(Response.id)).where(Response.status == "submitted")
            )
        with writing(), engine.begin() as connection:
            connection.execute(
                text("UPDATE answers SET value = value WHERE response_id = :id"), {"id": victim}
            )
            connection.execute(text("DELETE FROM responses WHERE id = :id"), {"id": victim})
        with engine.connect() as connection:
            logged = set(
                connection.scalars(
                    select(changes.response_changes.c.response_id).where(
                        changes.response_changes.c.id > before
                    )
                )
            )
    assert logged == {victim}
    _check(live_app)


def test_the_page_cache_uses_the_live_summary_and_falls_back_when_it_fails(
    live_app, monkeypatch, caplog
):
    apply(live_app, "submit", 77)
    with live_app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            full, _ids = data.compute_summary(connection, _sources(live_app))
        served = data.cached_summary(engine, _sources(live_app))
        assert not served.from_cache
        assert _same_json(served.summary) == _same_json(full)

        def broken(*_args, **_kwargs):
            raise RuntimeError("live state lost")

        monkeypatch.setattr(live, "live_summary", broken)
        apply(live_app, "submit", 78)
        with engine.connect() as connection:
            full, _ids = data.compute_summary(connection, _sources(live_app))
        served = data.cached_summary(engine, _sources(live_app))
        assert _same_json(served.summary) == _same_json(full)
        assert "computing it in full" in caplog.text
        # A filtered summary never takes the live path.
        monkeypatch.setattr(live, "live_summary", lambda *a, **k: pytest.fail("live used"))
        data.cached_summary(engine, _sources(live_app), SummaryFilter(region="europe"))
