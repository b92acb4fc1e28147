"""The "e-mail me my personal link" box on a response's question pages and review page.

Its field and button belong to the page's own form (templates/mail/_email_link_box.html), so
that the page has one form: the button saves the page first and then sends the link, and the
language switcher, the step list and the site links (buttons of that form too) keep the
address typed. An address typed and not sent waits in this browser's session for this
response (a short value: the session cookie holds it, sealed, since whoever holds a cookie can
read it: see consult/core/sealed.py), with its error when it was refused.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import session
from sqlalchemy.orm import Session

from consult.core.sealed import seal, unseal
from consult.mail.compose import normalise_address
from consult.mail.respondents import queue_personal_link
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Response

#: The box's field and what its button sends (name="goto").
FIELD = "link_email"
SEND = "email-link"
SESSION_KEY = "link_box"
#: An address is at most 254 characters; one more keeps a too-long one refused, not cut.
KEPT_LENGTH = 255
#: How long an address typed and not sent is offered again.
KEPT_FOR = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(f"link-box:{token}".encode()).hexdigest()[:16]


def keep_typed(token: str, form) -> None:
    """Keep an address typed in the box and not sent, for this response, in this browser."""
    typed = (form.get(FIELD) or "")[:KEPT_LENGTH]
    if typed.strip():
        _keep(token, typed, error=False)


def typed_here(token: str, form) -> bool:
    """Tell whether the box holds an address other than the one it was shown with (kept)."""
    typed = (form.get(FIELD) or "")[:KEPT_LENGTH].strip()
    return bool(typed) and typed != state(token)[0].strip()


def state(token: str, form=None) -> tuple[str, bool]:
    """Return (address typed, refused?) for the box: from the form being shown, or kept."""
    if form is not None and FIELD in form:
        return form.get(FIELD, ""), False
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("response") != _digest(token):
        return "", False
    return unseal(kept.get("email"), KEPT_FOR) or "", bool(kept.get("error"))


def _keep(token: str, typed: str, *, error: bool) -> None:
    # An e-mail address is personal data: sealed, not readable from the cookie.
    session[SESSION_KEY] = {"response": _digest(token), "email": seal(typed), "error": error}


#: The query argument that tells the page what became of the link asked for.
SENT_ARG = "link_sent"
NOT_SENT_ARG = "link_not_sent"


def outcome_arg(queued: bool) -> str:
    """The query argument for the page shown after asking: sent, or said plainly not sent."""
    return SENT_ARG if queued else NOT_SENT_ARG


def send(
    db_session: Session, response: Response, questionnaire: Questionnaire, token: str, form
) -> str | None:
    """Queue the link to the address of the box and return outcome_arg() (the link was sent, or
    refused by the mail budget of this response or client), or keep the address with its
    error (None)."""
    typed = (form.get(FIELD) or "")[:KEPT_LENGTH]
    address = normalise_address(typed)
    if address is None:
        _keep(token, typed, error=True)
        return None
    queued = queue_personal_link(db_session, response, questionnaire, token, address)
    forget()
    return outcome_arg(queued)


def forget() -> None:
    """Forget the address kept for the box (the link was sent)."""
    session.pop(SESSION_KEY, None)
