"""This browser, as a respondent's pages know it: a random id in its session cookie, kept as a
keyed hash. It decides where contact details are shown again and tells colleagues' saves apart.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from flask import current_app, request, session

from consult.db import db
from consult.i18n import current_language
from consult.questionnaires import merging, operations
from consult.questionnaires.models import Response
from consult.questionnaires.origin import SaveOrigin, device_of

#: Session key of this browser's random id: contact details are shown only where entered.
BROWSER_KEY = "respondent_browser"


def browser_hash() -> str:
    """Keyed hash of this browser's id (kept in its session cookie; made on first need)."""
    browser_id = session.get(BROWSER_KEY)
    if not browser_id:
        browser_id = session[BROWSER_KEY] = secrets.token_urlsafe(16)
        session.permanent = True
    return _keyed_browser_hash(current_app.config["SECRET_KEY"], browser_id)


@functools.lru_cache(maxsize=4096)
def _keyed_browser_hash(secret_key: str, browser_id: str) -> str:
    # The same browser saves page after page: its hash is made once per worker, not per save.
    key = secret_key.encode()
    return hmac.new(key, f"respondent-browser:{browser_id}".encode(), hashlib.sha256).hexdigest()


def save_origin() -> SaveOrigin:
    """Who is saving: this browser, its families, the page's language (see origin.py)."""
    return SaveOrigin(
        browser=browser_hash(),
        device=device_of(request.headers.get("User-Agent")),
        language=current_language(),
        editor=merging.parse_editor(request.form.get(merging.EDITOR_FIELD)),
    )


def contact_for_this_browser(response: Response) -> dict:
    """The response's contact details, only for the browser that entered them.

    A personal link opened in another browser (a colleague's, a shared computer) shows that
    contact details were given, never what they are; they stay unless replaced.
    """
    contact = operations.contact_details(db.session, response)
    if contact is None:
        return {"contact": None, "contact_elsewhere": False}
    if contact.browser_hash and hmac.compare_digest(contact.browser_hash, browser_hash()):
        return {"contact": contact, "contact_elsewhere": False}
    return {"contact": None, "contact_elsewhere": True}
