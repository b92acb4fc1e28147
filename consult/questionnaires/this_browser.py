"""The response this browser last opened, per questionnaire, offered again on its introduction.

A respondent who closed the tab without keeping the personal link, and came back to the
questionnaire's page, pressed Start again and got a new, empty response: what was typed was
out of reach, and the institution counted twice. The browser now remembers the last response
it opened through a personal link (Start leads there too), sealed in its session cookie
(consult/core/sealed.py: the link is a key), for KEPT; the introduction then offers to continue
it, or to forget it on this browser (a shared computer). Start still makes a new response.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask import session

from consult.core.sealed import seal, unseal
from consult.db import db
from consult.questionnaires import operations
from consult.questionnaires.models import Response

KEY = "responses_here"
#: How long the browser offers again a response it opened (since it was last opened).
KEPT = timedelta(days=30)
#: A remembered link is sealed again when older than this, so that KEPT counts from the last use.
_RESEAL_AFTER = timedelta(days=1)


class Remembered(NamedTuple):
    """A response this browser opened: its link, when it was started and last saved."""

    token: str
    started_at: datetime
    updated_at: datetime
    is_submitted: bool


def remember(questionnaire_key: str, token: str) -> None:
    """Remember that this browser opened the response of ``token``."""
    kept = session.get(KEY)
    kept = dict(kept) if isinstance(kept, dict) else {}
    if unseal(kept.get(questionnaire_key), _RESEAL_AFTER) == token:
        return  # already remembered today: the cookie is not rewritten on every visit
    kept[questionnaire_key] = seal(token)
    session[KEY] = kept


def remembered(questionnaire_key: str) -> Remembered | None:
    """Return the response this browser opened last for the questionnaire, if it still opens."""
    kept = session.get(KEY)
    if not isinstance(kept, dict) or questionnaire_key not in kept:
        return None
    token = unseal(kept.get(questionnaire_key), KEPT)
    response: Response | None = (
        operations.find_response(db.session, token) if token is not None else None
    )
    if response is None or response.questionnaire_key != questionnaire_key:
        forget(questionnaire_key)  # expired, replaced by a newer link, or deleted
        return None
    return Remembered(token, response.started_at, response.updated_at, response.is_submitted)


def forget(questionnaire_key: str) -> None:
    """Forget, on this browser, the response it opened for the questionnaire."""
    kept = session.get(KEY)
    if isinstance(kept, dict) and questionnaire_key in kept:
        kept = dict(kept)
        kept.pop(questionnaire_key)
        session[KEY] = kept
