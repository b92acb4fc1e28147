"""Prepared statements (consult.db.Prepared) run as SQLAlchemy would run them, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from consult.db import DriverResult, Prepared, UTCDateTime, db, writing

metadata = MetaData()
notes = Table(
    "prepared_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(40), unique=True),
    Column("at", UTCDateTime),
    Column("body", String(200)),
)
# Parameters named in another order than the columns: each must reach its own column.
INSERT = Prepared(
    insert(notes).values(
        body=bindparam("the_body"), id=bindparam("the_id"), at=bindparam("when"), label="x"
    )
)
INSERT_LABELLED = Prepared(
    insert(notes).values(
        id=bindparam("the_id"), label=bindparam("the_label"), at=None, body=bindparam("the_body")
    )
)
RENAME = Prepared(
    update(notes).where(notes.c.id == bindparam("the_id")).values(body=bindparam("the_body"))
)
BY_ID = Prepared(
    select(notes.c.label, notes.c.body, notes.c.at).where(notes.c.id == bindparam("i"))
)


@pytest.fixture
def connection(app):
    with app.app_context(), writing():
        metadata.create_all(db.engine)
        try:
            yield db.session.connection()
            db.rollback()
        finally:
            metadata.drop_all(db.engine)


def test_parameters_reach_their_columns_converted_by_their_types(connection):
    # A time in another zone is stored as UTC, as the column type does through SQLAlchemy.
    when = datetime(2026, 11, 28, 9, 30, tzinfo=timezone(timedelta(hours=-3)))
    INSERT.execute(connection, {"the_id": 7, "the_body": "Artículo 1 ✓", "when": when})
    RENAME.execute(connection, {"the_body": "ダカール", "the_id": 7})
    row = BY_ID.execute(connection, {"i": 7}).one()
    assert (row.label, row.body) == ("x", "ダカール")
    # Read back through SQLAlchemy's own path: the same instant, in UTC.
    stored = connection.execute(select(notes.c.at).where(notes.c.id == 7)).scalar_one()
    assert stored == when and stored.tzinfo == UTC
    assert BY_ID.execute(connection, {"i": 8}).one_or_none() is None


def test_a_naive_datetime_is_refused_as_the_column_type_refuses_it(connection):
    with pytest.raises(ValueError, match="naive"):
        INSERT.execute(connection, {"the_id": 1, "the_body": "", "when": datetime(2026, 1, 1)})


def test_driver_errors_come_as_sqlalchemy_errors(connection):
    INSERT_LABELLED.execute(connection, {"the_id": 1, "the_label": "same", "the_body": "a"})
    with pytest.raises(IntegrityError):
        INSERT_LABELLED.execute(connection, {"the_id": 2, "the_label": "same", "the_body": "b"})


@pytest.mark.parametrize("watched", [False, True], ids=["unwatched", "watched"])
def test_sqlite_runs_them_on_the_driver_unless_statements_are_watched(app, connection, watched):
    """On SQLite the driver runs a prepared statement itself, except while a listener counts
    statements (which then sees them all); the rows and the errors are the same either way."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own path")
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement.split(None, 1)[0])

    if watched:
        event.listen(db.engine, "before_cursor_execute", note)
    try:
        INSERT.execute(connection, {"the_id": 3, "the_body": "b", "when": None})
        RENAME.execute(connection, {"the_body": "Artículo 3", "the_id": 3})
        result = BY_ID.execute(connection, {"i": 3})
        assert isinstance(result, DriverResult) is not watched
        row = result.one()
        assert (row.label, row.body, row[1]) == ("x", "Artículo 3", "Artículo 3")
        assert BY_ID.execute(connection, {"i": 4}).one_or_none() is None
        with pytest.raises(IntegrityError) as raised:
            INSERT_LABELLED.execute(
                connection, {"the_id": 3, "the_label": "y", "the_body": "Ma réponse"}
            )
        # The statement's parameters (answers, names) never reach an error's message.
        assert "hidden" in str(raised.value) and "Ma réponse" not in str(raised.value)
    finally:
        if watched:
            event.remove(db.engine, "before_cursor_execute", note)
    assert seen == (["INSERT", "UPDATE", "SELECT", "SELECT", "INSERT"] if watched else [])
