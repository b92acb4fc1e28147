"""Every stored text has a limit, in one table, enforced twice below the forms.

Forms check their own limits first, with a message next to the field (maxlength in the page and
a Length or TextLimit validator on the server). Below them:

- ``check_lengths`` runs before every ORM flush: a string longer than its column's String(n),
  or than TEXT_LIMITS for a Text column, raises ValueTooLong, which a request answers with 413
  ("What you sent is too large"), never with a database error;
- the database itself holds a CHECK (length(column) <= n) for each TEXT_LIMITS entry
  (migration 0740), so that nothing, not even SQL typed by hand, stores 5 MB in a note.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, MetaData, String, event
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

#: (table, Text column) -> the most characters it may hold. The forms' limits are lower (the
#: contribution text 5,000 by default, configurable): these are the ceilings nothing may pass.
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("contributions", "text"): 20_000,
    ("contributions", "moderation_note"): 1_000,
    ("contribution_replies", "text"): 20_000,
    ("official_responses", "text"): 20_000,
    ("contribution_reports", "comment"): 1_000,
    ("moderation_actions", "note"): 1_000,
    ("answers", "value"): 100_000,
    ("outcome_quotes", "text"): 20_000,
}


class ValueTooLong(RequestEntityTooLarge, ValueError):
    """A text is longer than its column allows (a request answers 413)."""

    def __init__(self, table: str, column: str, length: int, limit: int) -> None:
        super().__init__(f"{table}.{column} holds at most {limit} characters, not {length}")
        self.table, self.column, self.limit = table, column, limit


def constraint_name(column: str) -> str:
    """Return the CHECK constraint's own name (the naming convention adds ck_<table>_)."""
    return f"{column}_length"


def add_check_constraints(metadata: MetaData) -> None:
    """Give each TEXT_LIMITS column its CHECK (length <= n) in the models' metadata."""
    for (table_name, column), limit in TEXT_LIMITS.items():
        table = metadata.tables[table_name]
        name = constraint_name(column)
        if any(
            getattr(c, "name", None) in (name, f"ck_{table_name}_{name}") for c in table.constraints
        ):
            continue
        table.append_constraint(CheckConstraint(f"length({column}) <= {limit}", name=name))


def _limit_of(table: str, column: Any) -> int | None:
    limit = TEXT_LIMITS.get((table, column.name))
    if limit is None and isinstance(column.type, String):
        limit = column.type.length
    return limit


@event.listens_for(Session, "before_flush")
def check_lengths(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse to flush a string longer than its column allows."""
    for instance in (*session.new, *session.dirty):
        table = getattr(instance, "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            value = instance.__dict__.get(column.key)
            if isinstance(value, str):
                limit = _limit_of(table.name, column)
                if limit is not None and len(value) > limit:
                    raise ValueTooLong(table.name, column.name, len(value), limit)
