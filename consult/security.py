"""Security and cache headers on every response: a strict Content-Security-Policy and friends.

Two layers make "every response" hold. Flask's after_request adds the headers (and decides the
cache policy) for everything Flask answers: pages, error pages, static files. Around the whole
WSGI application, ``HeadersMiddleware`` adds them again to whatever still lacks them and, if
the application itself raised (an error page that failed to render, a bug in a hook), answers
a minimal static page, itself with the headers. Nothing leaves without them.

The cache policy is decided here, in one place: ``is_private_rule`` says which URL rules show
personal data or carry a secret link (every staff page, every URL holding a ``*token``, and
PRIVATE_ENDPOINTS), and those responses get ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.routing import Rule

#: No 'unsafe-inline' anywhere: every script and style is a file under static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def set_browser_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Set a long-lived cookie the way every one of ours is set: HttpOnly, SameSite=Lax, and
    Secure when the session cookie is (SESSION_COOKIE_SECURE)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


#: What every response carries unless its view set the header itself: (name, value).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # Resume links carry a token in the path: never send it to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
#: Added too when the site is served over HTTPS only (SESSION_COOKIE_SECURE).
HSTS_HEADER = ("Strict-Transport-Security", "max-age=31536000")


#: Pages outside /staff and without a token in their URL that still answer with a secret link
#: (the new response's or contribution's link in the redirect that follows a POST).
PRIVATE_ENDPOINTS = frozenset(
    {
        "questionnaires.start",
        "contributions.new",
        "invitations.start_invitation",
        # The join form holds the token of the pledge it will make: one per visitor.
        "campaign.join",
        "campaign.join_post",
    }
)
NO_STORE = "no-store"
#: A URL variable holding a secret (the same rule the access log redacts by).
_SECRET_VARIABLE = re.compile(r"(^|_)token$")

#: Sent when even the error page could not be made: no template, no database, no translation.
FALLBACK_PAGE = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Error</title></head><body><h1>Sorry</h1>"
    b"<p>Something went wrong on our side. Your earlier saved answers are safe.</p>"
    b'<p lang="fr">Une erreur s\'est produite de notre c\xc3\xb4t\xc3\xa9. '
    b"Vos r\xc3\xa9ponses d\xc3\xa9j\xc3\xa0 enregistr\xc3\xa9es sont en s\xc3\xbbret\xc3\xa9.</p>"
    b'<p lang="es">Algo sali\xc3\xb3 mal de nuestro lado. '
    b"Las respuestas ya guardadas est\xc3\xa1n a salvo.</p>"
    b'<p><a href="/">Consult</a></p></body></html>\n'
)

log = logging.getLogger(__name__)


def is_private_rule(rule: Rule | None) -> bool:
    """Tell whether responses of this URL rule must never be stored by a cache."""
    if rule is None:
        return False
    return (
        rule.rule.startswith("/staff")
        or rule.endpoint in PRIVATE_ENDPOINTS
        or any(_SECRET_VARIABLE.search(name) for name in rule.arguments)
    )


def headers_for(secure: bool) -> tuple[tuple[str, str], ...]:
    """Return the security headers every response carries."""
    return (*SECURITY_HEADERS, HSTS_HEADER) if secure else SECURITY_HEADERS


class HeadersMiddleware:
    """Around the WSGI app: the security headers on every response, and a static page when
    the app raised instead of answering (the error pages themselves failed)."""

    def __init__(self, wsgi_app: Callable, secure: bool) -> None:
        self.wsgi_app = wsgi_app
        self.wanted = headers_for(secure)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started: list[bool] = []

        def with_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            present = {name.lower() for name, _value in headers}
            headers.extend((n, v) for n, v in self.wanted if n.lower() not in present)
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, with_headers)
        except Exception as error:
            # Only the exception's type: its message may quote SQL parameters or form content.
            log.error("unhandled %s; answered the fallback page", type(error).__name__)
            if started:
                raise
            return self._fallback(environ, with_headers)

    @staticmethod
    def _fallback(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        start_response(
            "500 INTERNAL SERVER ERROR",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(FALLBACK_PAGE))),
                ("Cache-Control", NO_STORE),
            ],
        )
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [FALLBACK_PAGE]


def init_app(app: Flask) -> None:
    """Add the security headers, and no-store where private, to every response."""
    app.wsgi_app = HeadersMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, bool(app.config["SESSION_COOKIE_SECURE"])
    )

    #: id(rule) -> (the rule, whether it is private): an app's rules never change, and a
    #: Rule cannot be a dict key (werkzeug makes it unhashable).
    private_rules: dict[int, tuple[Rule, bool]] = {}

    def is_private(rule: Rule | None) -> bool:
        if rule is None:
            return False
        known = private_rules.get(id(rule))
        if known is None or known[0] is not rule:
            known = private_rules[id(rule)] = (rule, is_private_rule(rule))
        return known[1]

    @app.after_request
    def security_headers(response):
        if is_private(request.url_rule):
            response.headers["Cache-Control"] = NO_STORE
        wanted = headers_for(bool(app.config["SESSION_COOKIE_SECURE"]))
        # One look at what the view set, then the missing headers added at once (werkzeug's
        # setdefault scans the headers twice for each one).
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend(
            [(name, value) for name, value in wanted if name.lower() not in present]
        )
        return response
