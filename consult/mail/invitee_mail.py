"""The hooks other features' actions call into mail: an invitee opened the invitation link
(note_opened), and a response was submitted (its waiting reminders are withdrawn)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import event, inspect, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from consult.db import db, utcnow, writing

#: What staff read for a reminder withdrawn because its response was submitted first.
WITHDRAWN = "not sent: the response was submitted before the reminder went"


def note_opened(invitation_id: int) -> None:
    """Record the first opening of an invitation link, in its own small transaction.

    Opening is a GET: its page must show even if this write cannot be made (database busy).
    """
    from consult.mail.invitees import record_opened
    from consult.mail.models import InviteeMail

    session = db.session
    try:
        known = session.get(InviteeMail, invitation_id)
        if known is not None and known.opened_at is not None:
            return
        session.rollback()  # end the read: the write below begins as a write
        with writing():
            record_opened(session, invitation_id)
            session.commit()
    except SQLAlchemyError:
        session.rollback()
        current_app.logger.warning("could not note that invitation %s was opened", invitation_id)


def _submitted_invitations(session: Session) -> list[int]:
    """The invitations whose response this flush marks submitted."""
    from consult.questionnaires.models import Response

    found = []
    for item in list(session.dirty) + list(session.new):
        if (
            isinstance(item, Response)
            and item.invitation_id is not None
            and item.submitted_at is not None
            and inspect(item).attrs.submitted_at.history.has_changes()
        ):
            found.append(item.invitation_id)
    return found


def withdraw_reminders(session: Session, invitation_ids: list[int]) -> int:
    """Withdraw the reminders still waiting for these invitations (in the caller's
    transaction); return how many.

    A reminder is written when staff press "send" and leaves when the sender reaches it,
    minutes later for a large batch: an institution that submits in between must not be told
    that its answers were not received. A reminder a sender already holds is past recall.
    """
    from consult.mail.models import CANCELLED, PENDING, OutboxMessage
    from consult.mail.outbox import CLEARED

    if not invitation_ids:
        return 0
    now = utcnow()
    with session.no_autoflush:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.invitation_id.in_(invitation_ids),
                OutboxMessage.kind == "reminder",
                OutboxMessage.state == PENDING,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(state=CANCELLED, last_error=WITHDRAWN, **CLEARED)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount


def _before_flush(session: Session, _context, _instances) -> None:
    withdraw_reminders(session, _submitted_invitations(session))


def init_app() -> None:
    """Listen to every session's flushes (once per process): whichever path submits a
    response (the review page, a script, an import), its waiting reminders are withdrawn."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
