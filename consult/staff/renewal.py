"""Renewing the browser's session: the one place it happens (sign-in, sign-out, a staff
session found ended), so that what belongs to the browser rather than to the account survives.

The session is emptied so that nothing of an earlier visitor's (a CSRF secret, flashed
messages, a signed-out account) carries over into a new sign-in. The language the visitor
picked (en/fr/es) is the browser's, not the account's: it is kept, and remembered again on the
same response, whether it was picked just now or earlier.
"""

from __future__ import annotations

from flask import session

from consult.i18n import chosen_language, keep_language


def renew_session() -> None:
    """Empty the session for a new start, keeping the language the visitor chose."""
    language = chosen_language()
    session.clear()
    if language is not None:
        keep_language(language)
