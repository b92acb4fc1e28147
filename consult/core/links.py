"""Absolute links the app gives out (the personal link, a contribution's status link, an
invitation's link) are built from the configured base URL, never from the request's Host header:
a forged Host must not make the app hand a respondent a link to someone else's server.

CONSULT_BASE_URL is the address the public reaches the app at (``https://consult.example.org``).
Without it, ``consult serve`` uses its bind address (and says so on start), and the development
server and tests use DEFAULT_BASE_URL.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

#: The development server's address (`consult run`, `make run`).
DEFAULT_BASE_URL = "http://localhost:5000"
_BASE_URL_RE = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[^\s?#]*)?\Z")


class BaseUrlError(ValueError):
    """CONSULT_BASE_URL is not an http(s) address."""


def check_base_url(value: str | None) -> str | None:
    """Return a base URL without its trailing slash, or raise BaseUrlError when malformed."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _BASE_URL_RE.match(value):
        raise BaseUrlError(
            f"CONSULT_BASE_URL must be an http(s) address such as https://consult.example.org, "
            f"not {value!r}"
        )
    return value.rstrip("/")


def base_url() -> str:
    """Return the configured base URL (DEFAULT_BASE_URL when none is set)."""
    return current_app.config.get("BASE_URL") or DEFAULT_BASE_URL


def absolute_url_for(endpoint: str, **values: Any) -> str:
    """Return the absolute address of ``endpoint`` under the configured base URL."""
    path = url_for(endpoint, **values)
    if has_request_context() and request.script_root and path.startswith(request.script_root):
        # The base URL names where the app's root is: its own prefix replaces the script root.
        path = path[len(request.script_root) :]
    return base_url() + path


def init_app(app: Flask) -> None:
    """Check the configured base URL at start (fail fast with a clear message)."""
    app.config["BASE_URL"] = check_base_url(app.config.get("BASE_URL"))
