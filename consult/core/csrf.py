"""The CSRF check of every POST: Flask-WTF's, with each signed token verified once per worker.

Flask-WTF builds a serializer and verifies the token's HMAC on every request, though a
respondent's page sends the same signed token save after save (it is the page's hidden field
for an hour). Here the signature of a given token string is verified once, and what it carries
(the session's raw token and the time it was signed) is kept in a bounded cache; every request
still checks everything Flask-WTF checks, in the same order and with the same reasons: a token
is sent, the session holds one, the signature is this secret key's, the token is younger than
WTF_CSRF_TIME_LIMIT (against the clock now, not when it was first seen), it matches the
session's, and on HTTPS the referrer is this host.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, logger, same_origin
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from wtforms import ValidationError

#: Flask-WTF's salt: tokens made by its generate_csrf are read here.
SALT = "wtf-csrf-token"
#: Distinct signed tokens remembered per worker (one per browser and hour in use).
CACHED_TOKENS = 4096


@functools.lru_cache(maxsize=8)
def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


@functools.lru_cache(maxsize=8)
def _clock(secret_key: str | bytes) -> TimestampSigner:
    """The signer whose clock itsdangerous reads a token's age by."""
    return _serializer(secret_key).make_signer()


@functools.lru_cache(maxsize=CACHED_TOKENS)
def _verified(secret_key: str | bytes, data: str) -> tuple[Any, int] | None:
    """Return (the raw token, when it was signed) if ``data`` bears this key's signature."""
    try:
        token, signed_at = _serializer(secret_key).loads(data, return_timestamp=True)
    except BadData:
        return None  # a forged or damaged token: invalid, however often it is sent
    return token, int(signed_at.timestamp())


def _age_checked(secret_key: str | bytes, data: str, time_limit: int | None) -> Any:
    """Return the raw token of ``data``, or raise ValidationError as Flask-WTF does."""
    verified = _verified(secret_key, data)
    if verified is None:
        raise ValidationError("The CSRF token is invalid.")
    token, signed_at = verified
    if time_limit is not None:
        age = _clock(secret_key).get_timestamp() - signed_at
        if age > time_limit or age < 0:  # itsdangerous' own bounds (loads with max_age)
            raise ValidationError("The CSRF token has expired.")
    return token


def validate_csrf(data: str | None) -> None:
    """Flask-WTF's validate_csrf with the app's settings, the signature verified once."""
    config = current_app.config
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret_key:
        raise RuntimeError("A secret key is required to use CSRF.")
    field_name = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if field_name not in session:
        raise ValidationError("The CSRF session token is missing.")
    token = _age_checked(secret_key, data, time_limit)
    if not isinstance(token, str) or not hmac.compare_digest(session[field_name], token):
        raise ValidationError("The CSRF tokens do not match.")


class CachingCSRFProtect(CSRFProtect):
    """CSRFProtect whose check (``protect``) verifies each token's signature once per worker."""

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate CSRF on the current request (Flask-WTF's protect, step for step)."""
        if apply_exemptions:
            if not request.endpoint:
                return
            if self._is_exempt():
                return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            logger.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # mark this request as CSRF valid
