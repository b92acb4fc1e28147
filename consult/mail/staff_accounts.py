"""Staff accounts by e-mail: an admin invites a new staff member; "forgot password".

Both send a link to set a password. The link's token is signed with the secret key and names
the account and a fingerprint of its current password hash, so it is single-use (setting the
password changes the hash, and every earlier link stops working) and it expires (7 days for an
invitation, 1 hour for a reset). Nothing is stored for it. "Forgot password" answers the same
whether or not the address has an account (no enumeration), is limited per client address and
to 3 links an hour per account; every request and every use goes into the audit log.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.core.links import absolute_url_for
from consult.db import utcnow
from consult.mail import messages
from consult.mail.models import OutboxMessage
from consult.staff import operations
from consult.staff.models import User

#: Purpose -> seconds a link stays valid.
LIFETIMES = {"invite": 7 * 24 * 3600, "reset": 3600}
#: At most this many reset links per account per hour, whoever asks.
RESETS_PER_HOUR = 3

messages.SUBJECTS.update(
    {
        "staff_invite": _l("Your account on the consultation platform of UCLG CISDP"),
        "staff_reset": _l("Choose a new password"),
    }
)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="consult.mail.password")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:16]


def password_token(user: User, purpose: str) -> str:
    """Return a token that lets ``user`` set a password once."""
    return _serializer().dumps([user.id, _fingerprint(user), purpose])


def user_for_token(session: Session, token: str) -> tuple[User, str] | None:
    """Return the account and purpose of a valid, unused, unexpired token (else None)."""
    try:
        user_id, fingerprint, purpose = _serializer().loads(token, max_age=max(LIFETIMES.values()))
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if purpose not in LIFETIMES:
        return None
    try:
        _serializer().loads(token, max_age=LIFETIMES[purpose])
    except SignatureExpired:
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_enabled or _fingerprint(user) != fingerprint:
        return None
    return user, purpose


def invite_staff(session: Session, email: str, role: str, language: str) -> User:
    """Create an account without a usable password and send it a link to choose one."""
    user = operations.create_user(session, email, role, operations.generate_password())
    # Nobody knows that random password: the link is the only way in.
    user.set_password(operations.generate_password())
    session.flush()
    messages.queue(
        session,
        "staff_invite",
        user.email,
        language,
        link=absolute_url_for("mail.set_password", token=password_token(user, "invite")),
        role=role,
        days=LIFETIMES["invite"] // 86400,
    )
    return user


def request_reset(session: Session, email: str, language: str) -> bool:
    """Queue a reset link if ``email`` has an enabled account; tell whether one was queued."""
    user = operations.find_user(session, email)
    if user is None or not user.is_enabled:
        return False
    recent = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "staff_reset",
            OutboxMessage.recipient_email == user.email,
            OutboxMessage.created_at >= utcnow() - timedelta(hours=1),
        )
    )
    if recent >= RESETS_PER_HOUR:
        return False
    messages.queue(
        session,
        "staff_reset",
        user.email,
        language,
        link=absolute_url_for("mail.set_password", token=password_token(user, "reset")),
        minutes=LIFETIMES["reset"] // 60,
    )
    return True
