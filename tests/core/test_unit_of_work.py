"""One unit of work per request, whether it began as statements on db.connection() (a page
save, no ORM session made) or as the ORM session: one transaction, one commit, and whatever a
request did not commit is rolled back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from consult.db import db, writing
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_save_cost import CHANGED_PROFILE

PROBE = "unit_probe"


@pytest.fixture
def probe(app):
    """A scratch table; returns a function that reads its values from a fresh connection."""
    with app.app_context(), db.engine.begin() as connection:
        # PostgreSQL's test database is emptied between tests, not dropped: no table is left.
        connection.execute(text(f"DROP TABLE IF EXISTS {PROBE}"))
        connection.execute(text(f"CREATE TABLE {PROBE} (value INTEGER NOT NULL)"))

    def stored() -> list[int]:
        with app.app_context(), db.engine.connect() as connection:
            return sorted(connection.scalars(text(f"SELECT value FROM {PROBE}")))

    yield stored
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {PROBE}"))


def insert(connection_or_session, value: int) -> None:
    connection_or_session.execute(text(f"INSERT INTO {PROBE} (value) VALUES (:v)"), {"v": value})


def test_a_page_save_makes_no_orm_session(app, respondent, monkeypatch):
    respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    made = []
    original = Session.__init__
    monkeypatch.setattr(
        Session, "__init__", lambda self, *a, **k: made.append(1) or original(self, *a, **k)
    )
    assert respondent.save("profile", CHANGED_PROFILE).status_code == 303
    assert made == []


def run(app, steps) -> None:
    """Run ``steps`` in one app context, as a write request would (IMMEDIATE on SQLite)."""
    with app.app_context(), writing():
        steps()


@pytest.mark.parametrize(
    ("case", "kept"),
    [
        ("statements, commit", [1]),
        ("statements, then the session, commit", [1, 2]),
        ("the session, then statements, commit", [1, 2]),
        ("statements, the session made but unused, commit", [1]),
        ("statements, no commit", []),
        ("statements and the session, no commit", []),
        ("statements, commit, statements, no commit", [1]),
        ("statements, rollback, statements, commit", [2]),
        ("statements, recover, the session reads", []),
    ],
)
def test_one_transaction_one_commit_whichever_asked_first(app, probe, case, kept):
    def steps() -> None:
        if case.startswith("the session"):
            insert(db.session, 1)
            assert db.connection() is db.session.connection()
            insert(db.connection(), 2)
        else:
            insert(db.connection(), 1)
        if case == "statements, then the session, commit":
            assert db.session.connection() is db.connection()
            insert(db.session, 2)
        if case == "statements, the session made but unused, commit":
            assert db.session is not None
        if case == "statements and the session, no commit":
            insert(db.session, 2)
        if case == "statements, commit, statements, no commit":
            db.commit()
            insert(db.connection(), 2)
            return
        if case == "statements, rollback, statements, commit":
            db.rollback()
            assert not db.in_transaction()
            insert(db.connection(), 2)
        if case == "statements, recover, the session reads":
            db.recover()
            assert db.session.scalar(text(f"SELECT count(*) FROM {PROBE}")) == 0
            return
        if "no commit" not in case:
            db.commit()
            assert not db.in_transaction()

    run(app, steps)
    assert probe() == kept


def test_an_uncommitted_save_frees_the_write_lock_before_the_limiter_counts(app, probe):
    """The hook before Flask-Limiter's counting rolls back a connection's open write too."""
    with app.test_request_context("/", method="POST"), writing():
        insert(db.connection(), 1)
        assert db.in_transaction()
        response = app.response_class("")
        for hook in app.after_request_funcs[None]:
            if hook.__name__ == "before_counting":
                response = hook(response)
        assert not db.in_transaction() or not db.is_sqlite
    assert probe() == []


def test_a_recovery_inside_writing_leaves_no_write_intent_behind(app, probe):
    """A unit recovered inside writing() reads plainly for the rest of its app context, and
    nothing of it outlives the block: the thread's next transaction is a plain read (the mark
    was once a context-variable token reset after writing() ended, which brought the write
    intent back for every later read of the thread)."""
    from consult import db as database

    with app.app_context(), writing():
        insert(db.connection(), 1)
        db.recover()
        assert not database._wants_write()
    assert database._write_intent.get() is False
    with app.app_context():
        assert not database._wants_write()
