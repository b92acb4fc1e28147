"""The draft a browser saved from the join form, remembered in its session for a while.

"Save a draft", then Back: the browser asks for the join form again (it is never cached: its
token becomes the pledge's private link), and that new form, sent, would make a second pledge
of the same institution. The session remembers the draft's token instead: a join form sent
from this browser for the same institution (same name once folded, same country) continues the
draft, until it is sent or an hour has passed (a shared computer forgets it soon). Another
institution's form makes its own pledge (someone helping several institutions).
"""

from __future__ import annotations

from datetime import timedelta

from flask import session

from consult.campaign import operations
from consult.campaign.models import DRAFT, Pledge
from consult.campaign.names import normalise_name
from consult.core.sealed import seal, unseal
from consult.db import db, utcnow

KEY = "campaign_join_draft"
#: How long a browser's draft is continued by a new join form.
KEPT = timedelta(hours=1)


def remember(token: str, pledge: Pledge) -> None:
    """Remember a draft this browser saved (or forget it once sent)."""
    if pledge.status == DRAFT:
        # Sealed: the cookie is readable by whoever holds it, and the token is the pledge's
        # private link, valid for good (see consult/core/sealed.py).
        session[KEY] = seal(token)
    elif unseal(session.get(KEY), KEPT) == token:
        session.pop(KEY, None)


def draft_in_progress() -> tuple[str, Pledge] | None:
    """Return the token and pledge of the draft this browser saved a moment ago, if any."""
    if KEY not in session:
        return None
    token = unseal(session.get(KEY), KEPT)
    if token is None or not operations.is_token(token):
        session.pop(KEY, None)
        return None
    found = operations.find_pledge(db.session, token)
    if found is None or found.status != DRAFT or found.created_at < utcnow() - KEPT:
        session.pop(KEY, None)
        return None
    return token, found


def draft_of_same_institution(institution_name: str, country: str) -> tuple[str, Pledge] | None:
    """Return this browser's draft if a new join form names the same institution, else None."""
    draft = draft_in_progress()
    if draft is None:
        return None
    found = draft[1]
    same = found.normalised_name == normalise_name(institution_name or "")
    return draft if same and found.country == (country or "") else None
