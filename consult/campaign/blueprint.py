"""The blueprint of joining the campaign without an account (the join form, the pledge's
personal page) and what its views share: the pledge a link names, its language, the rate limit.

The staff pages and the public campaign page have blueprints of their own (staff_views,
public_views). The view modules (join_views, pledge_views) import this one, never the reverse;
consult.campaign.views imports them both, which registers every route.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    g,
    url_for,
)

from consult.campaign import operations, prefill
from consult.campaign.models import (
    Pledge,
)
from consult.core.gone import unknown_link
from consult.db import db
from consult.i18n import prefer_page_language
from consult.ratelimits.keys import personal_link
from consult.ratelimits.owned import limit_by_owner

bp = Blueprint("campaign", __name__)


def post_limit() -> str:
    """The rate limit of every POST of these pages."""
    return current_app.config.get("CAMPAIGN_POST_RATE_LIMIT") or "30 per minute"


def address_post_limit() -> str:
    """The ceiling of a pledge's own POSTs from one address."""
    return current_app.config.get("CAMPAIGN_ADDRESS_POST_RATE_LIMIT") or "300 per minute"


#: A pledge's own edits and reports count its personal link; the address is only a ceiling
#: (several cities editing their pledges on one venue's Wi-Fi, see consult/ratelimits/keys.py).
limit_pledge_posts = limit_by_owner(post_limit, address_post_limit, personal_link)


@bp.url_value_preprocessor
def _open_in_the_pledge_language(endpoint: str | None, values: dict | None) -> None:
    """A personal link opens in its pledge's language unless the visitor chose another."""
    token = (values or {}).get("token")
    if token and endpoint and endpoint.startswith("campaign.pledge"):
        prefer_page_language(
            lambda: g.get("pledge_language") or operations.pledge_language(db.session, token)
        )


@bp.app_context_processor
def campaign_helpers():
    """Let the questionnaire's receipt page offer the join form (see _on_receipt.html)."""
    return {"campaign_join_offer": prefill.join_offer}


def campaign_home_url() -> str | None:
    """Return the public campaign page's address, if the app serves one."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/campaign" and "GET" in (rule.methods or ()):
            return url_for(rule.endpoint)
    return None


def load_pledge(token: str) -> Pledge:
    """The pledge a personal link names (404 if none); its language is the page's."""
    pledge = operations.find_pledge(db.session, token)
    if pledge is None:
        unknown_link()
    g.pledge_language = pledge.language
    return pledge
