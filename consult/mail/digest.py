"""The moderators' daily digest of the pending queue (for those who opted in).

`consult mail digest` queues it (run it from cron once a day), and the sender loop runs it too
once an hour, so nothing more is needed where `consult serve` runs: each subscriber is claimed
with an UPDATE that only matches when their last digest is over 20 hours old, so several
senders or a cron job at the same time never send a moderator two digests in a day. Nobody
gets a digest of an empty queue.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from consult.contributions.models import Contribution
from consult.core.links import absolute_url_for
from consult.db import utcnow, writing
from consult.mail import messages
from consult.mail.models import DigestSubscription
from consult.mail.quota import UNMETERED
from consult.staff.models import User

#: A moderator gets at most one digest in this long.
MIN_GAP = timedelta(hours=20)
#: Pending contributions listed in a digest (the count covers all).
LISTED = 20

messages.SUBJECTS["moderation_digest"] = _l("Moderation: %(pending)s waiting, %(reported)s hidden")


def is_subscribed(session: Session, user_id: int) -> bool:
    """Tell whether a staff member receives the digest."""
    return session.get(DigestSubscription, user_id) is not None


def set_subscribed(session: Session, user_id: int, subscribed: bool) -> None:
    """Opt in or out (flushed, not committed)."""
    row = session.get(DigestSubscription, user_id)
    if subscribed and row is None:
        session.add(DigestSubscription(user_id=user_id))
    elif not subscribed and row is not None:
        session.delete(row)
    session.flush()


def queue_digests(session: Session, language: str = "en") -> int:
    """Queue today's digest to every subscribed moderator not yet served; return how many."""
    pending = session.scalar(
        select(func.count(Contribution.id)).where(
            Contribution.status == "pending", Contribution.is_demo.is_(False)
        )
    )
    reported = session.scalar(
        select(func.count(Contribution.id)).where(Contribution.is_hidden_by_reports.is_(True))
    )
    if not pending and not reported:
        return 0
    oldest = session.scalars(
        select(Contribution)
        .where(Contribution.status == "pending", Contribution.is_demo.is_(False))
        .order_by(Contribution.created_at)
        .limit(LISTED)
    ).all()
    items = [
        {"excerpt": " ".join((c.text or "").split())[:160], "created_at": c.created_at}
        for c in oldest
    ]
    subscribers = session.execute(
        select(DigestSubscription.user_id, User.email)
        .join(User, User.id == DigestSubscription.user_id)
        .where(User.is_enabled.is_(True), User.role.in_(("moderator", "admin")))
    ).all()
    count = 0
    for user_id, email in subscribers:
        now = utcnow()
        with writing():
            claimed = session.execute(
                update(DigestSubscription)
                .where(
                    DigestSubscription.user_id == user_id,
                    or_(
                        DigestSubscription.last_sent_at.is_(None),
                        DigestSubscription.last_sent_at < now - MIN_GAP,
                    ),
                )
                .values(last_sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed:
                messages.queue(
                    session,
                    "moderation_digest",
                    email,
                    language,
                    pending=pending,
                    reported=reported,
                    items=items,
                    more=max(pending - len(items), 0),
                    link=absolute_url_for("moderation.queue"),
                )
                count += 1
            session.commit()
    return count


def run_for_app(app: Flask) -> int:
    """Queue the digests outside a request (cron, the sender loop)."""
    from consult.db import db

    # Links come from BASE_URL (absolute_url_for); the request context only lends url_for
    # and the translations a place to run.
    with app.test_request_context():
        g.setdefault(UNMETERED, True)  # the sender's own work, not a public request
        try:
            return queue_digests(db.session, app.config["LANGUAGES"][0])
        finally:
            db.session.close()
