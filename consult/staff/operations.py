"""Plain functions on staff accounts; they flush, never commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from consult.core.emails import is_email
from consult.db import utcnow
from consult.staff import sessions
from consult.staff.access import ROLES
from consult.staff.models import StaffSession, User
from consult.staff.passwords import CLI_MESSAGES, MIN_PASSWORD_LENGTH
from consult.staff.passwords import password_problem as policy_problem

__all__ = ["MIN_PASSWORD_LENGTH"]


class AccountError(ValueError):
    """An account cannot be created or changed as asked; ``code`` names the reason."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def normalise_email(email: str) -> str:
    """Return the stored form of an e-mail address."""
    return email.strip().lower()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Say (in English, for the command line) what is wrong with a new password, or None."""
    code = policy_problem(password, email)
    return CLI_MESSAGES[code] if code else None


class OneTimePasswordExpired(AccountError):
    """The right password, but a one-time one past its lifetime: it opens nothing any more."""

    def __init__(self, user: User, expired_at) -> None:
        super().__init__("this one-time password has expired", "expired")
        self.user = user
        self.expired_at = expired_at


def create_user(
    session: Session, email: str, role: str, password: str, *, one_time: bool = True
) -> User:
    """Create a staff account.

    Whoever creates an account chose its password, so it is one-time (replaced at the first
    sign-in) unless ``one_time=False`` says the owner chose it themselves.
    """
    email = normalise_email(email)
    if not is_email(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    code = policy_problem(password, email)
    if code:
        raise AccountError(f"password: {CLI_MESSAGES[code]}", code)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"{email} already has an account", "exists")
    user = User(email=email, role=role, password_hash="")
    session.add(user)
    session.flush()
    set_password(session, user, password, one_time=one_time)
    return user


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this e-mail address."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(
    session: Session, email: str, password: str, one_time_lifetime: timedelta
) -> User | None:
    """Return the enabled account if the password matches (same work when the e-mail is unknown).

    Raises OneTimePasswordExpired for the right one-time password past ``one_time_lifetime``.
    """
    user = find_user(session, email)
    if user is None:
        # Hash anyway so that an unknown e-mail takes as long as a wrong password.
        User(password_hash=_timing_hash()).check_password(password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    expires_at = user.one_time_password_expires_at(one_time_lifetime)
    if expires_at is not None and expires_at <= sessions.now():
        raise OneTimePasswordExpired(user, expires_at)
    user.last_login_at = utcnow()
    return user


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    one_time: bool,
    keep: StaffSession | None = None,
) -> None:
    """The one way a password changes: store it and end every session of the account but
    ``keep`` (the owner's own, when they change it), on the server, for every host.

    ``one_time`` when anyone but the owner set or saw the password: it then opens only the
    page that replaces it, and only for a while (see one_time_password_expires_at).
    """
    user.set_password(password, one_time=one_time)
    session.flush()
    if keep is not None:
        sessions.carry_over(session, keep, user)
    else:
        sessions.end_all(session, user, "replaced")


def change_password(
    session: Session, user: User, new_password: str, *, keep: StaffSession | None = None
) -> None:
    """The owner sets a new password that meets the policy (every other session ends)."""
    code = policy_problem(new_password, user.email)
    if code:
        raise AccountError(f"password: {CLI_MESSAGES[code]}", code)
    if user.check_password(new_password):
        raise AccountError(f"password: {CLI_MESSAGES['same']}", "same")
    set_password(session, user, new_password, one_time=False, keep=keep)


def enabled_admins(session: Session) -> int:
    """Return how many enabled admin accounts there are."""
    return session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.is_enabled.is_(True))
    )


def change_role(session: Session, user: User, role: str) -> None:
    """Give an account another role; the last enabled admin keeps theirs."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "role")
    demoting = user.role == "admin" and role != "admin" and user.is_enabled
    if demoting and enabled_admins(session) <= 1:
        raise AccountError("the last enabled admin cannot lose the role", "last_admin")
    user.role = role
    # A changed role takes effect at once: the account's sessions start again.
    user.session_version += 1
    session.flush()


def set_enabled(session: Session, user: User, enabled: bool) -> None:
    """Enable or disable an account (disabling ends its sessions); never the last admin."""
    if not enabled and user.role == "admin" and user.is_enabled and enabled_admins(session) <= 1:
        raise AccountError("the last enabled admin cannot be disabled", "last_admin")
    if user.is_enabled != enabled:
        user.is_enabled = enabled
        user.session_version += 1
    session.flush()


def reset_password(session: Session, user: User, *, keep: StaffSession | None = None) -> str:
    """Give an account a new random one-time password (returned once, to pass on in person)."""
    password = generate_password()
    set_password(session, user, password, one_time=True, keep=keep)
    return password


def generate_password() -> str:
    """Return a random password that meets the policy."""
    return secrets.token_urlsafe(15)


def has_accounts(session: Session) -> bool:
    """Tell whether any staff account exists."""
    return bool(session.scalar(select(func.count(User.id))))


def ensure_first_admin(session: Session, email: str) -> tuple[str, str] | None:
    """Create the first admin on a database with no accounts; return (email, one-time password).

    The address is the installation's own (chosen at `consult init`): never a fixed default
    that anyone could guess and lock out.
    """
    if has_accounts(session):
        return None
    password = generate_password()
    user = create_user(session, email, "admin", password)
    return user.email, password


_dummy_hash: list[str] = []


def _timing_hash() -> str:
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash("consult-timing-equaliser"))
    return _dummy_hash[0]
