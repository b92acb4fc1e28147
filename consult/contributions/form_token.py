"""The contribution form's fill-time token: bound to the browser's session, accepted once.

The form carries a signed token saying when it was shown, for which session (a hash of a
random nonce kept in the session cookie) and under which random id. Sending it needs the same
session, at least CONTRIBUTION_MIN_FILL_SECONDS after it was shown and at most FORM_MAX_AGE;
the contribution it brings spends its id (consult/core/single_use.py), so the token cannot
be replayed, from this browser or any other, on any worker or host. A page shown again after
a mistake gets a new id but keeps the moment the form was first shown, so nobody waits twice.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from consult.core import single_use
from consult.core.sealed import seal, unseal

#: Session key of the nonce that binds the form's tokens to this browser's session.
SESSION_KEY = "contribution_form"
#: Session key of the last contributions this browser sent: token id -> status page path, sealed
#: (the path holds the contribution's private link; the cookie is readable, see core/sealed.py).
SENT_KEY = "contributions_sent"
#: A form left open longer than this must be reloaded.
FORM_MAX_AGE = timedelta(days=1)
PURPOSE = "contribution-form"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult.contribution-form")


def _binding() -> str:
    nonce = session.get(SESSION_KEY)
    if not nonce:
        nonce = session[SESSION_KEY] = secrets.token_urlsafe(16)
    return hashlib.sha256(nonce.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FormToken:
    """A token read back from a sent form."""

    token_id: str
    shown_at: float
    #: None when usable; else "invalid", "other_session", "expired", "too_fast" or "spent".
    problem: str | None


def issue(shown_at: float | None = None) -> str:
    """Return a new token for a form shown now (or, shown again, first shown at ``shown_at``)."""
    payload = [secrets.token_urlsafe(12), _binding(), shown_at or time.time()]
    return _serializer().dumps(payload)


def read(db_session: Session, token: str | None) -> FormToken:
    """Read and check a sent token (without spending it)."""
    try:
        token_id, binding, shown_at = _serializer().loads(token or "")
        shown_at = float(shown_at)
    except (BadSignature, TypeError, ValueError):
        return FormToken("", 0.0, "invalid")
    now = time.time()
    if binding != _binding():
        problem = "other_session"
    elif now - shown_at > FORM_MAX_AGE.total_seconds():
        problem = "expired"
    elif now - shown_at < float(current_app.config["CONTRIBUTION_MIN_FILL_SECONDS"]):
        problem = "too_fast"
    elif single_use.is_spent(db_session, PURPOSE, token_id):
        problem = "spent"
    else:
        problem = None
    return FormToken(token_id, shown_at, problem)


def spend(db_session: Session, token: FormToken, status_path: str) -> bool:
    """Spend the token with the contribution it brought (same transaction); False if spent."""
    if not single_use.spend(db_session, PURPOSE, token.token_id, FORM_MAX_AGE):
        return False
    sent = dict(session.get(SENT_KEY) or {})
    sent[token.token_id] = seal(status_path)
    session[SENT_KEY] = dict(list(sent.items())[-5:])
    return True


def already_sent(token: FormToken) -> str | None:
    """Return the status page of the contribution this browser sent with ``token``, if any."""
    return unseal((session.get(SENT_KEY) or {}).get(token.token_id), FORM_MAX_AGE)
