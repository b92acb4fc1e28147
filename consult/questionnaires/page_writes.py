"""The statements that write a saved page: the response row, and a submitted response's Answer
rows, in one statement on PostgreSQL.

A page save reads its response (operations.open_response_to_save), merges what was posted with
it and writes it back here. Inside a transaction the read locked the row. On a connection
without one (consult.db.Database.statements_connection: PostgreSQL, each statement committed
by itself, see consult.questionnaires.guarded) the read took no lock: the write then applies
only if the row still holds every value the save read (compare and set), and otherwise writes
nothing and raises SaveRaced, so that the save runs again from a fresh read. No Flask here.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, text, tuple_, update
from sqlalchemy.engine import Connection

from consult.db import Prepared, UTCDateTime
from consult.questionnaires.models import Answer, Response

_RESPONSES: Table = Response.__table__  # type: ignore[assignment]
#: Upserts: a changed part (question, part, value); removals: a part no longer given.
Upsert = tuple[str, str, str]
Removal = tuple[str, str]

#: What a page save reads of its response besides its id (operations.open_response_to_save):
#: everything the merge and the write depend on, so the guard of a write without a lock.
READ_COLUMNS = (
    "questionnaire_key",
    "questionnaire_version",
    "version_id",
    "status",
    "language",
    "last_section_key",
    "answers_document",
    "hidden_answers",
    "revision",
    "unit_editors",
)

#: The response columns a page save sets, each from the parameter of the same name with "new_"
#: (with "response_id", the parameters of the response row that write_answers builds).
PAGE_COLUMNS = (
    "country",
    "region",
    "respondent_type",
    "answers_document",
    "hidden_answers",
    "updated_at",
    "last_section_key",
    "language",
    "revision",
    "last_saved_browser",
    "last_saved_device",
    "last_saved_language",
    "unit_editors",
)


class SaveRaced(Exception):
    """Another write changed the response between a save's read and its write, which took no
    lock: nothing was written; the save is to run again from a fresh read."""


def _unchanged():
    """The guard: the row still holds every value read (NULL equal to NULL)."""
    return and_(
        *(
            _RESPONSES.c[name].is_not_distinct_from(
                bindparam(f"old_{name}", type_=_RESPONSES.c[name].type)
            )
            for name in READ_COLUMNS
        )
    )


def _update_response(guarded: bool) -> Prepared:
    where = _RESPONSES.c.id == bindparam("response_id")
    return Prepared(
        update(_RESPONSES)
        .where(and_(where, _unchanged()) if guarded else where)
        .values({name: bindparam(f"new_{name}") for name in PAGE_COLUMNS})
    )


_UPDATE_RESPONSE = _update_response(guarded=False)
_UPDATE_RESPONSE_GUARDED = _update_response(guarded=True)

#: Rows per statement of SQLite's upsert: 4 parameters a row stay far below SQLite's limit on
#: parameters (999 before version 3.32).
_UPSERT_ROWS_SQLITE = 200


def is_unlocked(connection: Connection) -> bool:
    """Tell whether ``connection`` commits each statement by itself (no transaction, no lock)."""
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def write_page(
    connection: Connection,
    read: Any,
    upserts: list[Upsert],
    removed: list[Removal],
    row: dict[str, object],
) -> None:
    """Write a page's changed parts and the response row, ``read`` being the response as the
    save read it (a row of operations.open_response_to_save, or the ORM object).

    Raises SaveRaced when ``connection`` holds no lock and the row changed since ``read``.
    """
    postgresql = connection.dialect.name == "postgresql"
    if not is_unlocked(connection):
        if (upserts or removed) and postgresql:
            _write_page_postgresql(connection, upserts, removed, row, guarded=False)
        else:
            _write_page(connection, upserts, removed, row)
        return
    if not postgresql:
        raise RuntimeError("a page is written without a lock on PostgreSQL only")
    guarded = {**row, **{f"old_{name}": getattr(read, name) for name in READ_COLUMNS}}
    if upserts or removed:
        written = _write_page_postgresql(connection, upserts, removed, guarded, guarded=True)
    else:
        written = _UPDATE_RESPONSE_GUARDED.execute(connection, guarded).rowcount
    if written != 1:
        raise SaveRaced()


@functools.cache
def _upsert_answers_sqlite(rows: int) -> str:
    """Return SQLite's upsert of ``rows`` parts in one statement (one text per row count).

    One statement of many rows, run by the driver as it is, costs about half an executemany of
    one-row statements for a page of 25 parts, and far less than SQLAlchemy's processing of
    each row's parameters.
    """
    values = ", ".join(["(?, ?, ?, ?)"] * rows)
    return (
        f"INSERT INTO answers (response_id, question_key, part_key, value) VALUES {values} "
        "ON CONFLICT (response_id, question_key, part_key) DO UPDATE SET value = excluded.value"
    )


def _write_page(
    connection: Connection, upserts: list[Upsert], removed: list[Removal], row: dict[str, object]
) -> None:
    """Write a page's changed parts and the response row: one upsert, then one UPDATE.

    On SQLite; on PostgreSQL too when no Answer row changes (a draft's save), which is then
    the UPDATE alone.
    """
    response_id = row["response_id"]
    if removed:
        connection.execute(
            delete(Answer.__table__).where(
                Answer.response_id == response_id,
                tuple_(Answer.question_key, Answer.part_key).in_(removed),
            )
        )
    for start in range(0, len(upserts), _UPSERT_ROWS_SQLITE):
        chunk = upserts[start : start + _UPSERT_ROWS_SQLITE]
        parameters = tuple(value for upsert in chunk for value in (response_id, *upsert))
        connection.exec_driver_sql(_upsert_answers_sqlite(len(chunk)), parameters)
    _UPDATE_RESPONSE.execute(connection, row)


def _write_page_postgresql_text(guarded: bool):
    """PostgreSQL writes a page in one statement, one round trip: the changed parts (unnested
    from arrays) upserted, the parts no longer given deleted, the response row updated. The
    three sets of rows are disjoint, so the data-modifying CTEs never touch the same row twice.

    Guarded, the row is first locked if it still holds every value read (``guard``, re-checked
    on its latest version when another write committed meanwhile); each part of the statement
    writes only if it was, so that a raced save writes nothing at all.
    """
    guard = (
        "guard AS (SELECT id FROM responses WHERE id = :response_id AND "
        + " AND ".join(f"{name} IS NOT DISTINCT FROM :old_{name}" for name in READ_COLUMNS)
        + " FOR UPDATE), "
        if guarded
        else ""
    )
    only_if = " AND EXISTS (SELECT 1 FROM guard)" if guarded else ""
    statement = text(
        f"""
WITH {guard}upserted AS (
    INSERT INTO answers (response_id, question_key, part_key, value)
    SELECT :response_id, question_key, part_key, value
    FROM unnest(CAST(:upsert_questions AS text[]), CAST(:upsert_parts AS text[]),
                CAST(:upsert_values AS text[])) AS changed(question_key, part_key, value)
    WHERE TRUE{only_if}
    ON CONFLICT (response_id, question_key, part_key) DO UPDATE SET value = excluded.value
    RETURNING 1
), removed AS (
    DELETE FROM answers
    WHERE response_id = :response_id{only_if}
      AND (question_key, part_key) IN (
        SELECT * FROM unnest(CAST(:removed_questions AS text[]), CAST(:removed_parts AS text[])))
    RETURNING 1
)
UPDATE responses
SET country = :new_country, region = :new_region, respondent_type = :new_respondent_type,
    answers_document = :new_answers_document, hidden_answers = :new_hidden_answers,
    updated_at = :new_updated_at,
    last_section_key = :new_last_section_key, language = :new_language,
    revision = :new_revision, last_saved_browser = :new_last_saved_browser,
    last_saved_device = :new_last_saved_device, last_saved_language = :new_last_saved_language,
    unit_editors = :new_unit_editors
WHERE id = :response_id{only_if}
"""
    ).bindparams(bindparam("new_updated_at", type_=UTCDateTime()))
    if guarded:
        statement = statement.bindparams(
            *(bindparam(f"old_{name}", type_=_RESPONSES.c[name].type) for name in READ_COLUMNS)
        )
    return statement


_WRITE_PAGE_POSTGRESQL = _write_page_postgresql_text(guarded=False)
_WRITE_PAGE_POSTGRESQL_GUARDED = _write_page_postgresql_text(guarded=True)


def _write_page_postgresql(
    connection: Connection,
    upserts: list[Upsert],
    removed: list[Removal],
    row: dict[str, object],
    *,
    guarded: bool,
) -> int:
    """Write a page in one round trip; return how many response rows it updated."""
    statement = _WRITE_PAGE_POSTGRESQL_GUARDED if guarded else _WRITE_PAGE_POSTGRESQL
    return connection.execute(
        statement,
        {
            **row,
            "upsert_questions": [key for key, _part, _value in upserts],
            "upsert_parts": [part for _key, part, _value in upserts],
            "upsert_values": [value for _key, _part, value in upserts],
            "removed_questions": [key for key, _part in removed],
            "removed_parts": [part for _key, part in removed],
        },
    ).rowcount
