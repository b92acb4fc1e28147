"""Staff sessions kept on the server: started at sign-in, ended by sign-out or inactivity.

The session cookie carries only a random session id. Its SHA-256 is a row of staff_sessions,
which every worker and host reads: signing out (or being idle for longer than the timeout, or
an account change) ends the row, and a cookie captured before then opens nothing afterwards,
wherever it is replayed. Flask-free: the views decide what counts as activity.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.staff.models import StaffSession, User

#: Ended sessions are kept this long (for the account page), then deleted.
KEEP_ENDED_FOR = timedelta(days=30)
#: A session's last activity is written at most this often (a page and its follow-ups).
TOUCH_EVERY = timedelta(seconds=10)
#: Longest session id a cookie may carry (longer ones are not looked up).
MAX_ID_LENGTH = 100


def now() -> datetime:
    """The current time (one place for tests to move the clock)."""
    return utcnow()


def hash_id(session_id: str) -> str:
    """Return the stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, user: User, ip: str | None) -> str:
    """Start a session for ``user`` and return its id (for the cookie, never stored as is)."""
    moment = now()
    session.execute(
        delete(StaffSession).where(
            StaffSession.ended_at.is_not(None), StaffSession.ended_at < moment - KEEP_ENDED_FOR
        )
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=hash_id(session_id),
            user_id=user.id,
            user_version=user.session_version,
            created_at=moment,
            last_seen_at=moment,
            ip=(ip or None) and ip[:64],
        )
    )
    session.flush()
    return session_id


@dataclass
class Lookup:
    """What a session id opens: the row and its account, or why it opens nothing."""

    row: StaffSession | None
    user: User | None
    #: None when the session is valid; else "unknown", "ended", "account", "idle" or
    #: "expired" (its account's one-time password expired before being replaced).
    problem: str | None

    @property
    def is_valid(self) -> bool:
        """Tell whether the session may act for its account."""
        return self.problem is None


def look_up(
    session: Session,
    session_id: str,
    idle_timeout: timedelta,
    one_time_lifetime: timedelta,
) -> Lookup:
    """Find the session a cookie's id opens and check it is still valid (reads only)."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return Lookup(None, None, "unknown")
    found = session.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.token_hash == hash_id(session_id))
    ).one_or_none()
    if found is None:
        return Lookup(None, None, "unknown")
    row, user = found
    if row.ended_at is not None:
        return Lookup(row, user, "ended")
    if not user.is_enabled or row.user_version != user.session_version:
        return Lookup(row, user, "account")
    if now() - row.last_seen_at > idle_timeout:
        return Lookup(row, user, "idle")
    expires_at = user.one_time_password_expires_at(one_time_lifetime)
    if expires_at is not None and expires_at <= now():
        return Lookup(row, user, "expired")
    return Lookup(row, user, None)


def needs_touch(row: StaffSession) -> bool:
    """Tell whether the session's last activity is old enough to be written again."""
    return now() - row.last_seen_at >= TOUCH_EVERY


def touch(session: Session, row: StaffSession) -> None:
    """Record activity on a valid session (only while it is still open)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == row.id, StaffSession.ended_at.is_(None))
        .values(last_seen_at=now())
    )


def end(session: Session, row: StaffSession, reason: str) -> None:
    """End one session (if still open)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == row.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
    )


def end_all(session: Session, user: User, reason: str, *, keep: StaffSession | None = None) -> int:
    """End every open session of an account (but ``keep``); return how many ended."""
    query = (
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    return session.execute(query).rowcount or 0


def carry_over(session: Session, row: StaffSession, user: User) -> None:
    """Let one session continue after its own account change (the others end)."""
    end_all(session, user, "replaced", keep=row)
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == row.id)
        .values(user_version=user.session_version)
    )


def open_sessions(session: Session, user: User) -> list[StaffSession]:
    """Return an account's open sessions, newest first (idle ones included until ended)."""
    return list(
        session.scalars(
            select(StaffSession)
            .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
            .order_by(StaffSession.last_seen_at.desc())
        )
    )
