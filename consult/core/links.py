"""Absolute links the app gives out (the personal link, a contribution's status link, an
invitation's link) are built from the configured base URL, never from the request's Host header:
a forged Host must not make the app hand a respondent a link to someone else's server.

CONSULT_BASE_URL is the address the public reaches the app at (``https://consult.example.org``).
Without it, ``consult serve`` uses its bind address (and says so on start), and the development
server and tests use DEFAULT_BASE_URL.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

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


def base_url_origin() -> str:
    """The scheme and host of the configured base URL (what a browser sends as Origin)."""
    parts = urlsplit(base_url())
    return f"{parts.scheme}://{parts.netloc}"


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


#: Longer "back"/"next" values are refused (a real page's address is far shorter).
MAX_LOCAL_PATH = 2048
#: Characters kept as they are when a non-ASCII letter is percent-encoded.
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '\\"<>^`{|}')


def _is_local(value: str) -> bool:
    if len(value) > MAX_LOCAL_PATH or not value.startswith("/") or value[1:2] in ("/", "\\"):
        return False
    if "\\" in value or any(
        unicodedata.category(c)[0] in ("C", "Z") for c in value
    ):  # controls, format (bidi, zero width), spaces and line breaks, unassigned
        return False
    if unicodedata.normalize("NFKC", value) != value:
        return False  # full-width dots or slashes, ligatures: read differently elsewhere
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return False
    path = parts.path
    for _round in range(3):  # encoded and double-encoded slashes, backslashes, dots
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    if "\\" in path or "//" in path or any(unicodedata.category(c)[0] == "C" for c in path):
        return False
    return not any(segment in (".", "..") for segment in path.split("/"))


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def safe_local_path(value: object, default: str, allowed_prefix: str | None = None) -> str:
    """Return ``value`` if it is a path on this site (under ``allowed_prefix`` if given), else
    ``default``. The one check for every "next" or "back" value a request carries before the
    app redirects to it or puts it in a form: no other host (``//evil``, ``\\\\evil``,
    ``https:``, ``javascript:``), no control, space or invisible character, no full-width
    look-alike, no dot segment or empty segment (``/.//evil``), even percent-encoded.
    Non-ASCII letters come back percent-encoded.
    """
    if not isinstance(value, str) or not value or not _is_local(value):
        return default
    if allowed_prefix is not None and not _under(urlsplit(value).path, allowed_prefix):
        return default
    return quote(value, safe=_PATH_SAFE)


def answers_get(path: str) -> bool:
    """Tell whether the local ``path`` (query ignored) names a page a browser may GET."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(unquote(urlsplit(path).path), method="GET")
    except RequestRedirect:
        return True  # e.g. the trailing slash: the redirect lands on the page
    except HTTPException:
        return False
    return True


def page_of_form(path: str | None, default: str) -> str:
    """Return the page to send a browser to for ``path``: itself when it answers GET, else the
    nearest page above it that does (a post-only form's address, e.g. /staff/moderation/34/
    response, is sent to /staff/moderation/34, which shows that form), else ``default``.

    The one check for every "next" a sign-in or a session's end redirects to: a post-only
    address used as a GET target would be a dead end (405).
    """
    if not path:
        return default
    path = safe_local_path(path, "")
    if not path:
        return default
    if answers_get(path):
        return path
    parent = urlsplit(path).path.rstrip("/")
    while "/" in parent.lstrip("/"):
        parent = parent.rsplit("/", 1)[0]
        if answers_get(parent):
            return parent
    return default
