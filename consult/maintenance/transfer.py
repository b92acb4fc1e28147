"""Copy a whole database to another backend (SQLite <-> PostgreSQL) and prove the copy.

The source is read in one snapshot (a single read transaction on SQLite, REPEATABLE READ on
PostgreSQL), table by table in dependency order, in batches; the target is written in one
transaction, so a failed copy leaves it as it was. PostgreSQL sequences are moved past the
copied ids. The proof: row counts and checksums of every table, source (same snapshot) against
target, compared after the target committed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Table, delete, select, text
from sqlalchemy.engine import Connection, Engine

from consult import schema
from consult.db import writing
from consult.maintenance.tables import (
    TableFigures,
    holds_data,
    model_tables,
    row_counts,
    schema_revision,
    table_figures,
)


class TransferError(Exception):
    """The copy cannot be made as asked (nothing was changed)."""


@dataclass(frozen=True)
class TableProof:
    """One table's figures on both sides."""

    table: str
    source: TableFigures
    target: TableFigures

    @property
    def matches(self) -> bool:
        """Tell whether the target holds exactly the source's rows."""
        return self.source == self.target


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """Open a read transaction that sees one consistent state of the database throughout."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def copy_database(
    source: Engine,
    target: Engine,
    *,
    instance_path: str,
    batch_size: int = 1000,
    replace: bool = False,
    progress: Callable[[str, int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> list[TableProof]:
    """Copy every model table from ``source`` to ``target``; return the per-table proof.

    The target gets the schema if it has none. It must hold no rows unless ``replace``, which
    empties it first (in the same transaction as the copy).
    """
    if source.url == target.url:
        raise TransferError("the source and the target are the same database")
    with snapshot(source) as reading:
        revision = schema_revision(reading)
        head = schema.head_revision(source.url.render_as_string(hide_password=False))
        if revision != head:
            raise TransferError(
                f"the source database is at revision {revision}, not {head}: run `consult init`"
            )
    schema.upgrade(target, instance_path)
    tables = model_tables()
    with snapshot(source) as reading:
        counts = row_counts(reading)
        if on_total is not None:
            on_total(sum(counts.values()))
        with writing(), target.begin() as writing_connection:
            occupied = holds_data(writing_connection)
            if occupied and not replace:
                raise TransferError(
                    "the target database is not empty ("
                    + ", ".join(f"{name}: {rows}" for name, rows in occupied.items())
                    + "); pass --replace to overwrite it"
                )
            for table in reversed(tables):
                writing_connection.execute(delete(table))
            for table in tables:
                _copy_table(reading, writing_connection, table, batch_size, progress)
            if target.dialect.name == "postgresql":
                reset_sequences(writing_connection, tables)
        source_figures = {t.name: table_figures(reading, t) for t in tables}
    with snapshot(target) as checking:
        return [
            TableProof(t.name, source_figures[t.name], table_figures(checking, t)) for t in tables
        ]


def _copy_table(
    reading: Connection,
    writing_connection: Connection,
    table: Table,
    batch_size: int,
    progress: Callable[[str, int], None] | None,
) -> None:
    ordering = list(table.primary_key.columns) or list(table.columns)
    result = reading.execution_options(yield_per=batch_size).execute(
        select(table).order_by(*ordering)
    )
    for batch in result.mappings().partitions(batch_size):
        writing_connection.execute(table.insert(), [dict(row) for row in batch])
        if progress is not None:
            progress(table.name, len(batch))


def reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move each PostgreSQL id sequence past the largest id copied in."""
    for table in tables:
        for column in table.primary_key.columns:
            if not column.autoincrement or not _is_integer(column):
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence is None:
                continue
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE(MAX("{column.name}"), 0) + 1, false) '
                    f'FROM "{table.name}"'
                ),
                {"sequence": sequence},
            )


def _is_integer(column) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False
