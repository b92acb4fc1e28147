"""Security headers on every response: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from flask import Flask, Response, current_app

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


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.after_request
    def security_headers(response):
        wanted = SECURITY_HEADERS
        if app.config["SESSION_COOKIE_SECURE"]:
            wanted = (*wanted, HSTS_HEADER)
        # One look at what the view set, then the missing headers added at once (werkzeug's
        # setdefault scans the headers twice for each one).
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend(
            [(name, value) for name, value in wanted if name.lower() not in present]
        )
        return response
