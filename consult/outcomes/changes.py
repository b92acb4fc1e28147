"""The log of response changes that the live summary follows (written by database triggers).

Every insert, update or delete of a response or of an answer adds a row (response id) to
``response_changes``, through triggers created by migration 0890, inside the same transaction
as the change. Triggers rather than application code: every path that writes responses or
answers (respondents' saves, submission, withdrawal, imports, demo data, a raw DELETE, a
cascade) is logged and none can forget to. The live summary (consult.outcomes.live) reads the
entries after the last one it applied, so a refresh re-reads only the responses that changed.

The log is derived data, not content: it is kept out of the models' metadata, so backups and
transfers between databases neither copy nor compare it (the target's own triggers log what
is copied in). Entries older than a day are pruned; a live state that old is rebuilt instead.
No Flask here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, delete, func, or_, select, text
from sqlalchemy.engine import Connection

#: A metadata of its own: not a model table (see the module's docstring).
metadata = MetaData()
response_changes = Table(
    "response_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("response_id", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), server_default=func.current_timestamp()),
)

#: Seconds an unseen id below the newest one read is looked for again: on PostgreSQL a
#: transaction may commit a lower id after a higher one was read (ids are taken at insert;
#: SQLite has one writer at a time, so its ids commit in order).
GAP_SECONDS = 600.0
#: Entries kept this long; a live state not refreshed for PRUNED_AFTER / 2 is rebuilt.
PRUNED_AFTER_SECONDS = 86_400.0


@dataclass
class ChangeCursor:
    """How far one live state has read the log, and the ids it may still see appear."""

    last_id: int = 0
    #: id -> moment (time.monotonic) it was first found missing.
    gaps: dict[int, float] = field(default_factory=dict)

    def start(self, connection: Connection, window: int = 1_000) -> None:
        """Begin after the newest entry; ids missing just below it may still commit."""
        self.last_id = newest_id(connection)
        if connection.dialect.name != "postgresql":
            return  # SQLite has one writer at a time: ids commit in order
        floor = max(1, self.last_id - window + 1)
        present = set(
            connection.scalars(select(response_changes.c.id).where(response_changes.c.id >= floor))
        )
        now = time.monotonic()
        self.gaps = {i: now for i in range(floor, self.last_id) if i not in present}

    def read(self, connection: Connection) -> set[int]:
        """Return the responses changed since the last read, and move past them."""
        now = time.monotonic()
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_SECONDS}
        newer = response_changes.c.id > self.last_id
        where = or_(newer, response_changes.c.id.in_(sorted(self.gaps))) if self.gaps else newer
        rows = connection.execute(
            select(response_changes.c.id, response_changes.c.response_id).where(where)
        ).all()
        seen = {int(row.id) for row in rows}
        for change_id in seen:
            self.gaps.pop(change_id, None)
        if seen:
            top = max(seen)
            if connection.dialect.name == "postgresql":
                for missing in range(self.last_id + 1, top):
                    if missing not in seen:
                        self.gaps.setdefault(missing, now)
            self.last_id = max(self.last_id, top)
        return {int(row.response_id) for row in rows}


def newest_id(connection: Connection) -> int:
    """Return the id of the newest entry (0 for an empty log)."""
    return int(connection.scalar(select(func.max(response_changes.c.id))) or 0)


def prune(connection: Connection) -> None:
    """Delete the entries older than PRUNED_AFTER_SECONDS (in the caller's transaction)."""
    if connection.dialect.name == "postgresql":
        cutoff = text(f"now() - interval '{int(PRUNED_AFTER_SECONDS)} seconds'")
    else:
        cutoff = text(f"datetime('now', '-{int(PRUNED_AFTER_SECONDS)} seconds')")
    connection.execute(delete(response_changes).where(response_changes.c.changed_at < cutoff))
