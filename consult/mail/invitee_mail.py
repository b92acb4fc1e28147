"""The hook the invitation link calls: note that the invitee opened it (never fails the page)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from consult.db import db, writing


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
