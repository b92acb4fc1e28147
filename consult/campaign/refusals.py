"""A pledge's page that can no longer take what was sent (CISDP did not accept the pledge, or
it is no longer verified for a progress report): a page that says why, gives the typed text
back to copy, and shows the ways forward, instead of a bare "Conflict" in English."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from consult.campaign.models import Pledge
from consult.core.errors import typed_texts

#: Why a pledge's page refused what was sent.
REASONS = {
    "rejected": _l(
        "CISDP did not accept this pledge, so it can no longer be changed. What you just sent "
        "was not saved."
    ),
    "not_verified": _l(
        "Progress can be reported only for a pledge CISDP has verified, and this one is not "
        "verified (any more). What you just sent was not saved."
    ),
}


def refuse_change(pledge: Pledge, token: str, reason: str):
    """Answer 409 with the page saying why, the typed text back, and where to go from here."""
    page = render_template(
        "campaign/refused.html",
        pledge=pledge,
        token=token,
        reason=REASONS[reason],
        typed=typed_texts(),
    )
    return page, 409, {"Cache-Control": "no-store"}
