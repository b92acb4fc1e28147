"""A page save on PostgreSQL without a transaction: read, merge, one guarded write.

Saving a page reads the response, merges what was posted with it (consult.questionnaires.
sharing) and writes it back. In a transaction the read locks the row (SELECT ... FOR UPDATE),
so that two saves of one response (an autosave racing the Save button, two colleagues on one
link) follow each other: BEGIN, the read, the write and COMMIT, four round trips to the server.

A view wrapped in guarded_save runs instead on a connection that commits each statement by
itself (consult.db.Database.statements_connection): its read takes no lock, and its one write
applies only if the row still holds every value read (consult.questionnaires.page_writes).
When another save came in between, nothing is written and the view runs again from a fresh
read, which merges the other save's answers exactly as the lock would have had it wait for
them. Two round trips fewer a save. The last attempt takes the lock, so that a save always
ends. On SQLite, whose write transactions are IMMEDIATE (one writer at a time), nothing
changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from consult.db import db
from consult.questionnaires.page_writes import SaveRaced

#: Runs of a view before the last, which takes the lock.
ATTEMPTS = 3


def guarded_save(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a saving view's POST without a transaction, again on a race (see the module)."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        try:
            for attempt in range(1, ATTEMPTS + 1):
                g._guarded_save = attempt < ATTEMPTS
                try:
                    return view(*args, **kwargs)
                except SaveRaced:
                    # Nothing was written: begin again from a fresh read.
                    db.end_unit_of_work()
            raise AssertionError("the last attempt takes the lock")  # pragma: no cover
        finally:
            g.pop("_guarded_save", None)

    return run


def reads_without_lock() -> bool:
    """Tell whether the save now beginning reads its response without a lock, on a connection
    that commits each statement by itself (and then writes it through a guard)."""
    if not g.get("_guarded_save") or g.get("_read_only"):
        return False
    return db.statements_connection() is not None
