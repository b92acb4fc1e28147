"""Sign-in throttling per (account, client address) and per address, with growing delays.

Failures are counted in the login_attempts table, so throttling holds across gunicorn workers
and hosts. An attacker's failures slow down only the addresses they come from: the owner of an
account, signing in from another address, is never held up by them (no account is locked from
everywhere). Each failure beyond the free ones doubles the wait, up to a ceiling; failures older
than the window are forgotten, and a success from an address clears that address's failures for
the account. An admin (or `consult user unlock EMAIL`) clears an account's failures at once.
Unknown e-mail addresses are throttled like known ones, so the answer never reveals whether an
account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.staff.models import LoginAttempt

#: Attempts older than this are deleted as new ones come in.
KEEP_ATTEMPTS_FOR = timedelta(days=1)


def now() -> datetime:
    """The current time (one place for tests to move the clock)."""
    return utcnow()


@dataclass(frozen=True)
class Limits:
    """Free failures per (account, address) and per address, then waits that double."""

    per_account: int = 5
    per_address: int = 20
    #: Failures older than this no longer count.
    window: timedelta = timedelta(minutes=15)
    #: The wait after the first failure beyond the free ones; each further failure doubles it.
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=15)


def limits_from_config(config) -> Limits:
    """Read the limits from the app configuration."""
    return Limits(
        per_account=int(config["LOGIN_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["LOGIN_THROTTLE_WINDOW"])),
        first_delay=timedelta(seconds=float(config["LOGIN_FIRST_DELAY"])),
        max_delay=timedelta(seconds=float(config["LOGIN_MAX_DELAY"])),
    )


def delay_after(failures: int, free: int, limits: Limits) -> timedelta:
    """Return how long to wait after ``failures`` failures when ``free`` are allowed."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 30)
    return min(limits.max_delay, limits.first_delay * (2**doublings))


@dataclass(frozen=True)
class Verdict:
    """Whether a sign-in may be tried now, and if not, for how long and why."""

    wait: timedelta
    #: "account_address" (this account from this address) or "address" (all accounts).
    scope: str | None = None
    failures: int = 0

    @property
    def is_throttled(self) -> bool:
        """Tell whether the attempt must wait."""
        return self.wait > timedelta(0)


def _failures(session: Session, since: datetime, *conditions) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.is_success.is_(False), LoginAttempt.attempted_at > since, *conditions
        )
    ).one()  # max() keeps the column's type: a timezone-aware UTC datetime
    return int(count or 0), last


def check(session: Session, email: str, ip: str, limits: Limits) -> Verdict:
    """Tell whether a sign-in for ``email`` from ``ip`` must wait, and how long."""
    moment = now()
    since = moment - limits.window
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.ip == ip,
            LoginAttempt.is_success.is_(True),
            LoginAttempt.attempted_at > since,
        )
    )
    pair_since = max(since, last_success) if last_success else since
    verdicts = []
    count, last = _failures(session, pair_since, LoginAttempt.email == email, LoginAttempt.ip == ip)
    if last is not None:
        wait = last + delay_after(count, limits.per_account, limits) - moment
        verdicts.append(Verdict(wait, "account_address", count))
    count, last = _failures(session, since, LoginAttempt.ip == ip)
    if last is not None:
        wait = last + delay_after(count, limits.per_address, limits) - moment
        verdicts.append(Verdict(wait, "address", count))
    throttled = [v for v in verdicts if v.is_throttled]
    if not throttled:
        return Verdict(timedelta(0))
    return max(throttled, key=lambda v: v.wait)


def note_attempt(session: Session, email: str, ip: str, *, succeeded: bool) -> None:
    """Record a sign-in attempt (and forget those older than a day)."""
    moment = now()
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < moment - KEEP_ATTEMPTS_FOR)
    )
    session.add(
        LoginAttempt(attempted_at=moment, email=email[:254], ip=ip[:64], is_success=succeeded)
    )
    session.flush()


def clear(session: Session, email: str) -> int:
    """Forget an account's failed sign-ins from every address; return how many there were."""
    result = session.execute(
        delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.is_success.is_(False))
    )
    return result.rowcount or 0


def failures_by_address(session: Session, email: str, limits: Limits) -> list[tuple[str, int]]:
    """Return the addresses with recent failed sign-ins on an account, most failures first."""
    since = now() - limits.window
    rows = session.execute(
        select(LoginAttempt.ip, func.count(LoginAttempt.id))
        .where(
            LoginAttempt.email == email,
            LoginAttempt.is_success.is_(False),
            LoginAttempt.attempted_at > since,
        )
        .group_by(LoginAttempt.ip)
        .order_by(func.count(LoginAttempt.id).desc())
    )
    return [(ip, int(count)) for ip, count in rows]
