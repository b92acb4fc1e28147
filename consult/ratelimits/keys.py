"""Whom a rate limit counts: the person's own thing where there is one, the address otherwise.

An address is shared: a city hall, a venue's Wi-Fi, a mobile operator's NAT put many people
behind one. A limit keyed by the address alone lets the others lock a person out of her own
response. So a limit on something a person owns counts that thing (her personal link, her
browser), and the address only bears a ceiling high enough for a full venue, against floods.
The table of every limit, its keys and why: tests/ratelimits/test_limit_keys.py.
"""

from __future__ import annotations

import hashlib

from flask import request, session
from flask_limiter.util import get_remote_address


def _digest(kind: str, secret: str) -> str:
    # Counters are stored (db://): never a personal link in clear beside the address.
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:32]}"


def client_address() -> str:
    """Count the client's address (the proxies' X-Forwarded-For, see PROXY_FIX_HOPS)."""
    return get_remote_address()


def personal_link() -> str:
    """Count the response whose personal link the address holds (/r/<token>/...)."""
    token = (request.view_args or {}).get("token")
    return _digest("link", token) if token else client_address()


def browser() -> str:
    """Count the browser: its session's CSRF secret, which every form it sends must match.

    A client that starts a new session for each post escapes this key, not the address's
    ceiling beside it; one without a session (no form shown yet) counts its address.
    """
    secret = session.get("csrf_token")
    return _digest("browser", secret) if isinstance(secret, str) and secret else client_address()
