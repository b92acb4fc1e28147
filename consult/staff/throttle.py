"""Sign-in throttling per account and per client address, kept in the database.

The counts live in the login_attempts table, so they hold across gunicorn workers and hosts
(nothing in one process's memory decides). Unknown e-mail addresses are throttled like known
ones, so the answer never reveals whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.staff.models import LoginAttempt

#: Attempts older than this are deleted as new ones come in.
KEEP_ATTEMPTS_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """How many failed sign-ins are allowed within a window, per account and per address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def limits_from_config(config) -> Limits:
    """Read the limits from the app configuration."""
    return Limits(
        per_account=int(config["LOGIN_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["LOGIN_THROTTLE_WINDOW"])),
    )


def is_throttled(session: Session, email: str, ip: str, limits: Limits) -> bool:
    """Tell whether a sign-in for ``email`` from ``ip`` must wait (too many recent failures)."""
    since = utcnow() - limits.window
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.is_success.is_(True)
        )
    )
    account_since = max(since, last_success) if last_success else since
    account_failures = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.email == email,
            LoginAttempt.is_success.is_(False),
            LoginAttempt.attempted_at > account_since,
        )
    )
    if account_failures >= limits.per_account:
        return True
    address_failures = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip,
            LoginAttempt.is_success.is_(False),
            LoginAttempt.attempted_at > since,
        )
    )
    return address_failures >= limits.per_address


def note_attempt(session: Session, email: str, ip: str, *, succeeded: bool) -> None:
    """Record a sign-in attempt (and forget those older than a day)."""
    now = utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEEP_ATTEMPTS_FOR))
    session.add(LoginAttempt(attempted_at=now, email=email[:254], ip=ip[:64], is_success=succeeded))
    session.flush()
