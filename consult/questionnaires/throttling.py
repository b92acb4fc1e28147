"""The rate limits of a response's saves: per response first, per address only as a ceiling.

Others behind the same address (a venue's Wi-Fi, a city hall) must never use up a
respondent's saves of her own response: the personal link is counted, and the address bears
a ceiling far above what a full venue types (see consult/ratelimits/keys.py).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from consult.ratelimits.keys import personal_link
from consult.ratelimits.owned import limit_by_owner


def _per_response() -> str:
    return current_app.config["QUESTIONNAIRE_RESPONSE_SAVE_RATE_LIMIT"]


def _per_address() -> str:
    return current_app.config["QUESTIONNAIRE_SAVE_RATE_LIMIT"]


def limit_saves(methods: list[str] | None = None) -> Callable[[Callable], Callable]:
    """Limit a view that saves a response: page saves, autosaves and the submission share both."""
    return limit_by_owner(
        _per_response, _per_address, personal_link, scope="questionnaire-save", methods=methods
    )
