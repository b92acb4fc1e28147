"""An inventory of a database: rows and a checksum of every table, the same on every backend.

A table's checksum hashes its rows in primary-key order, each row serialised canonically (JSON
of the values as the models read them: datetimes in UTC ISO form, booleans as booleans, JSON
documents with sorted keys), so a SQLite database and its PostgreSQL copy give equal checksums.
No Flask here: the functions take SQLAlchemy connections, and the caller decides the snapshot.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection

from consult.models import Base


@dataclass(frozen=True)
class TableFigures:
    """What one table holds: its row count and checksum."""

    rows: int
    checksum: str


def model_tables() -> list[Table]:
    """Return every table of the models, parents before children (the order to copy in)."""
    return list(Base.metadata.sorted_tables)


def existing_tables(connection: Connection) -> set[str]:
    """Return the names of the tables present in the database."""
    return set(inspect(connection).get_table_names())


def canonical(value: Any) -> Any:
    """Return a JSON-ready form of a column value that is the same on SQLite and PostgreSQL."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _ordering(table: Table) -> list[Any]:
    keys = list(table.primary_key.columns)
    return keys or list(table.columns)


def table_figures(connection: Connection, table: Table) -> TableFigures:
    """Count and checksum one table through ``connection`` (inside the caller's snapshot)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([c.name for c in table.columns]).encode() + b"\n")
    rows = 0
    result = connection.execution_options(yield_per=1000).execute(
        select(table).order_by(*_ordering(table))
    )
    for row in result:
        line = json.dumps([canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode() + b"\n")
        rows += 1
    return TableFigures(rows=rows, checksum=digest.hexdigest())


def inventory(connection: Connection) -> dict[str, TableFigures]:
    """Return the figures of every model table present in the database, in copy order."""
    present = existing_tables(connection)
    return {t.name: table_figures(connection, t) for t in model_tables() if t.name in present}


def row_counts(connection: Connection) -> dict[str, int]:
    """Return the row count of every model table present in the database."""
    present = existing_tables(connection)
    return {
        t.name: connection.scalar(select(func.count()).select_from(t)) or 0
        for t in model_tables()
        if t.name in present
    }


def schema_revision(connection: Connection) -> str | None:
    """Return the Alembic revision the database is at, or None without a schema."""
    if "alembic_version" not in existing_tables(connection):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def holds_data(connection: Connection) -> dict[str, int]:
    """Return the tables that hold rows and how many (empty mapping: an empty database)."""
    return {name: rows for name, rows in row_counts(connection).items() if rows}
