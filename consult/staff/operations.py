"""Plain functions on staff accounts; they flush, never commit."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from consult.db import utcnow
from consult.staff.access import ROLES
from consult.staff.models import User

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


def normalise_email(email: str) -> str:
    """Return the stored form of an e-mail address."""
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Say what is wrong with a new password, or None if it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    return None


def create_user(session: Session, email: str, role: str, password: str) -> User:
    """Create a staff account."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    problem = password_problem(password)
    if problem:
        raise AccountError(f"password: {problem}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"{email} already has an account")
    user = User(email=email, role=role, password_hash="")
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    """Return the account with this e-mail address."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the enabled account if the password matches (same work when the e-mail is unknown)."""
    user = find_user(session, email)
    if user is None:
        # Hash anyway so that an unknown e-mail takes as long as a wrong password.
        User(password_hash=_timing_hash()).check_password(password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    user.last_login_at = utcnow()
    return user


def generate_password() -> str:
    """Return a random password that meets the policy."""
    return secrets.token_urlsafe(15)


def ensure_first_admin(session: Session) -> tuple[str, str] | None:
    """Create the first admin on a database with no accounts; return (email, one-time password)."""
    if session.scalar(select(func.count(User.id))):
        return None
    password = generate_password()
    create_user(session, "admin@consult.local", "admin", password)
    return "admin@consult.local", password


_dummy_hash: list[str] = []


def _timing_hash() -> str:
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash("consult-timing-equaliser"))
    return _dummy_hash[0]
