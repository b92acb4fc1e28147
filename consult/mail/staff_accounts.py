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
from sqlalchemy.orm import Session

from consult.core.links import absolute_url_for
from consult.mail import messages, quota
from consult.mail.outbox import Draft, enqueue
from consult.staff import operations
from consult.staff.models import INVITATION_LIFETIME, User

#: Purpose -> seconds a link stays valid (an invitation's, as its account page tells it).
LIFETIMES = {"invite": int(INVITATION_LIFETIME.total_seconds()), "reset": 3600}
#: At most this many reset requests for one address from one client address per hour.
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
    # Nobody ever sees this random password: the link is the only way in.
    user = operations.create_user(session, email, role, operations.generate_password())
    user.invited_at = user.password_set_at
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


#: Signs the link that an unknown address would have had (never sent, never stored).
_STAND_IN_HASH = "scrypt:32768:8:1$stand-in-account$" + "0" * 128


#: What request_reset did: queued a link; nothing (unknown or disabled address); refused
#: (this client asked enough for this address, or for mail: said on the page, known or not).
RESET_QUEUED = "queued"
RESET_NOTHING = "nothing"
RESET_REFUSED = "refused"


def request_reset(session: Session, email: str, language: str) -> str:
    """Queue a reset link if ``email`` has an enabled account; return RESET_QUEUED,
    RESET_NOTHING or RESET_REFUSED (the page tells only the last apart).

    An unknown or disabled address, or one past RESETS_PER_HOUR, does the same work (the
    counts, a signed token, the message rendered in its language) and only skips the insert
    into the outbox: the answer's time does not tell whether an account exists, even the
    first time (a cold template cache would otherwise give the known address away).
    """
    user = operations.find_user(session, email)
    known = user is not None and user.is_enabled
    account = (
        user
        if known
        else User(
            id=0,
            email=operations.normalise_email(email),
            password_hash=_STAND_IN_HASH,
            session_version=0,
        )
    )
    # Per client address, known account or not: a stranger asking for someone's address never
    # uses up that person's own resets, and the page may say when nothing was sent.
    recent = quota.asks_about(session, "staff-reset", account.email, timedelta(hours=1))
    admitted = quota.count_client_hit(session, "mail-public") is None
    language = messages.language_of(language)
    link = absolute_url_for("mail.set_password", token=password_token(account, "reset"))
    subject, text, html = messages.render(
        "staff_reset", language, unsubscribe_url=None, link=link, minutes=LIFETIMES["reset"] // 60
    )
    if recent > RESETS_PER_HOUR or not admitted:
        return RESET_REFUSED
    if not known:
        return RESET_NOTHING
    enqueue(
        session,
        Draft(
            kind="staff_reset",
            recipient_email=account.email,
            language=language,
            subject=subject,
            body_text=text,
            body_html=html,
        ),
        current_app.config["MAIL_FROM"],
        metered=False,
    )
    return RESET_QUEUED
