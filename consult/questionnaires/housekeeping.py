"""Clean-up of abandoned drafts: a response started and never answered costs a row and a link.

An *empty* draft is a draft with nothing in it: no answer in its answers document, no Answer
row, no contact details, not opened from a staff invitation (those are prefilled and belong to
an invited institution), and not changed for the given number of days. Drafts with any answer
are kept whatever their age: a respondent may come back to them through the personal link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.questionnaires.documents import ROW_MARK, SEPARATOR
from consult.questionnaires.models import (
    DRAFT,
    RETIRED_LINK_DAYS,
    Answer,
    ContactDetails,
    Response,
    RetiredLink,
)

#: Candidates read per round trip.
BATCH = 1000


def is_empty_document(document: str | None) -> bool:
    """Tell whether an answers document holds no answer at all (either form)."""
    if document is None or document in ("", "{}"):
        return True
    if document.startswith(ROW_MARK):
        return not any(document.split(SEPARATOR)[1:])
    return False


def purge_empty_drafts(
    session: Session, older_than_days: float, now: datetime | None = None
) -> int:
    """Delete empty drafts untouched for ``older_than_days``; return how many (flushes only)."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    candidates = (
        select(Response.id, Response.answers_document)
        .where(
            Response.status == DRAFT,
            Response.invitation_id.is_(None),
            Response.updated_at < cutoff,
            ~exists().where(Answer.response_id == Response.id),
            ~exists().where(ContactDetails.response_id == Response.id),
        )
        .order_by(Response.id)
    )
    removed = 0
    last_id = 0
    while True:
        rows = session.execute(candidates.where(Response.id > last_id).limit(BATCH)).all()
        if not rows:
            return removed
        last_id = rows[-1][0]
        empty = [rid for rid, document in rows if is_empty_document(document)]
        if empty:
            session.execute(
                delete(Response)
                .where(Response.id.in_(empty))
                .execution_options(synchronize_session=False)
            )
            removed += len(empty)


def purge_retired_links(
    session: Session, older_than_days: float = RETIRED_LINK_DAYS, now: datetime | None = None
) -> int:
    """Forget replaced personal links older than ``older_than_days``; return how many."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    result = session.execute(
        delete(RetiredLink)
        .where(RetiredLink.retired_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
