"""The moderators' daily digest of the pending queue (for those who opted in).

`consult mail digest` queues it (run it from cron once a day), and the sender loop runs it too
once an hour, so nothing more is needed where `consult serve` runs.

"Daily" is one digest per digest day: a day starts at MAIL_DIGEST_HOUR o'clock in
MAIL_DIGEST_TIMEZONE (7:00 UTC by default), the same for every host whatever its own clock's
zone, daylight saving time included. Each subscriber is claimed with an UPDATE that only
matches when their last digest is older than the start of the current digest day, so several
senders on several hosts, or a cron job at the same time, never send a moderator two digests
in a day; and the hour a digest arrives does not creep (a rule such as "20 hours since the
last one", checked hourly, would send one every 21 hours). Nobody gets a digest of an empty
queue.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
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

#: Defaults of MAIL_DIGEST_HOUR and MAIL_DIGEST_TIMEZONE: when a digest day starts.
DIGEST_HOUR = 7
DIGEST_TIMEZONE = "UTC"
#: Pending contributions listed in a digest (the count covers all).
LISTED = 20

messages.SUBJECTS["moderation_digest"] = _l("Moderation: %(pending)s waiting, %(reported)s hidden")


def day_start(now: datetime, hour: int, zone: str) -> datetime:
    """Return when the digest day holding ``now`` began (UTC): the last ``hour`` o'clock in
    ``zone`` at or before ``now``."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date() if local.hour >= hour else local.date() - timedelta(days=1)
    start = datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)
    # An hour that a daylight-saving change skips is read forward; never start in the future.
    return start if start <= now else start - timedelta(days=1)


def check_settings(config) -> None:
    """Fail at start, not at the first digest, on a wrong MAIL_DIGEST_HOUR or _TIMEZONE."""
    hour = config.get("MAIL_DIGEST_HOUR", DIGEST_HOUR)
    if not str(hour).isdigit() or not 0 <= int(hour) <= 23:
        raise ValueError(f"MAIL_DIGEST_HOUR must be a whole hour from 0 to 23, not {hour!r}")
    zone = str(config.get("MAIL_DIGEST_TIMEZONE") or DIGEST_TIMEZONE)
    try:
        ZoneInfo(zone)
    except (ValueError, OSError, KeyError) as exc:
        raise ValueError(
            f"MAIL_DIGEST_TIMEZONE must be a time zone such as Europe/Madrid, not {zone!r}"
        ) from exc


def current_day_start(now: datetime) -> datetime:
    """When the current digest day began, by the app's MAIL_DIGEST_* settings."""
    config = current_app.config
    return day_start(
        now,
        int(config.get("MAIL_DIGEST_HOUR", DIGEST_HOUR)),
        str(config.get("MAIL_DIGEST_TIMEZONE") or DIGEST_TIMEZONE),
    )


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
                        DigestSubscription.last_sent_at < current_day_start(now),
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
