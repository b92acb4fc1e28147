"""The blueprint of the public contribution pages and what its views share: the rate limits,
this browser's random id (supports and reports count once per browser), the template helpers.

The view modules (author_views, listing_views, detail_views) import this one, never the
reverse; consult.contributions.views imports them all, which registers every route.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Blueprint, current_app, g, request

from consult import geography
from consult.contributions import labels, operations
from consult.contributions.choices import language_name, region_labels
from consult.i18n import current_language
from consult.ratelimits.keys import browser
from consult.ratelimits.owned import limit_by_owner
from consult.security import set_browser_cookie

bp = Blueprint("contributions", __name__)

#: The cookie holding this browser's random id, and its lifetime in seconds.
BROWSER_COOKIE = "consult_bid"
BROWSER_COOKIE_AGE = 60 * 60 * 24 * 365


def accepted_sends_limit() -> str:
    """The rate limit of contributions accepted from one address."""
    return current_app.config["CONTRIBUTIONS_RATE_LIMIT"]


def accepted_sends_address_limit() -> str:
    """The ceiling of contributions accepted from one address (all its browsers together)."""
    return current_app.config["CONTRIBUTIONS_ADDRESS_RATE_LIMIT"]


def post_limit() -> str:
    """The rate limit of every POST of these pages."""
    return current_app.config["CONTRIBUTIONS_POST_RATE_LIMIT"]


def post_address_limit() -> str:
    """The ceiling of these pages' POSTs from one address."""
    return current_app.config["CONTRIBUTIONS_ADDRESS_POST_RATE_LIMIT"]


def limit_posts(methods: list[str] | None = None) -> Callable[[Callable], Callable]:
    """Limit a contribution page's POSTs per browser, and per address only as a ceiling (others
    on a workshop's Wi-Fi must not use up a person's sends: consult/ratelimits/keys.py)."""
    return limit_by_owner(post_limit, post_address_limit, browser, methods=methods)


def limit_accepted_sends() -> Callable[[Callable], Callable]:
    """Limit the contributions accepted (a 303) per browser, per address as a ceiling."""
    return limit_by_owner(
        accepted_sends_limit,
        accepted_sends_address_limit,
        browser,
        methods=["POST"],
        deduct_when=lambda response: response.status_code == 303,
    )


def address_hash() -> str:
    """Keyed hash of the request's address (never stored in clear)."""
    return operations.keyed_hash(current_app.config["SECRET_KEY"], request.remote_addr or "")


def browser_hash() -> str:
    """Hash of this browser's random id; a browser without one receives one now."""
    browser_id = request.cookies.get(BROWSER_COOKIE, "")
    if not (16 <= len(browser_id) <= 64):
        browser_id = g.get("new_browser_id") or secrets.token_urlsafe(24)
        g.new_browser_id = browser_id
    return operations.keyed_hash(current_app.config["SECRET_KEY"], "browser:" + browser_id)


@bp.after_app_request
def remember_browser(response):
    """Give the browser its random id (supports and reports count once per browser)."""
    browser_id = g.get("new_browser_id")
    if browser_id:
        set_browser_cookie(response, BROWSER_COOKIE, browser_id, BROWSER_COOKIE_AGE)
    return response


@bp.app_context_processor
def contribution_helpers():
    """Words and names the contribution templates share."""
    return {
        "kind_labels": labels.KIND_LABELS,
        "kind_help": labels.KIND_HELP,
        "organisation_type_labels": labels.ORGANISATION_TYPE_LABELS,
        "status_labels": labels.STATUS_LABELS,
        "moderation_reason_labels": labels.MODERATION_REASON_LABELS,
        "report_reason_labels": labels.REPORT_REASON_LABELS,
        "action_labels": labels.ACTION_LABELS,
        "note_max": operations.MODERATION_NOTE_MAX,
        "language_name": language_name,
        "country_name": geography.country_name,
        "region_label": lambda key: (
            region_labels().get(key, {}).get(current_language(), key) if key else ""
        ),
    }
