"""The CSRF check verifies a token's signature once, and still refuses all Flask-WTF refuses."""

from __future__ import annotations

import time

import pytest
from flask import Flask, session
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from wtforms import ValidationError

from consult.core import csrf

RAW = "a" * 40


def _signed(secret: str, raw: str = RAW) -> str:
    return URLSafeTimedSerializer(secret, salt=csrf.SALT).dumps(raw)


def _verdict(check, data: str | None) -> str:
    try:
        check(data)
    except ValidationError as error:
        return error.args[0]
    return "ok"


CASES = [
    # (what is sent, what the session holds, the reason refused, or ok)
    ("good", RAW, "ok"),
    ("none", RAW, "The CSRF token is missing."),
    ("good", None, "The CSRF session token is missing."),
    ("forged", RAW, "The CSRF token is invalid."),
    ("other key", RAW, "The CSRF token is invalid."),
    ("good", "b" * 40, "The CSRF tokens do not match."),
]


@pytest.mark.parametrize(("sent", "held", "expected"), CASES)
def test_the_same_verdict_as_flask_wtf_first_and_from_the_cache(
    app: Flask, sent: str, held: str | None, expected: str
) -> None:
    good = _signed(app.secret_key)
    data = {
        "good": good,
        "none": None,
        "forged": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other key": _signed("another-secret-key"),
    }[sent]
    with app.test_request_context("/", method="POST"):
        if held is not None:
            session["csrf_token"] = held
        for _ in range(2):  # the second time, the signature's verdict comes from the cache
            assert _verdict(csrf.validate_csrf, data) == expected
            assert _verdict(flask_wtf_csrf.validate_csrf, data) == expected


def test_a_token_seen_while_young_expires_all_the_same(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    token = _signed(app.secret_key)
    with app.test_request_context("/", method="POST"):
        session["csrf_token"] = RAW
        assert _verdict(csrf.validate_csrf, token) == "ok"
        later = int(time.time()) + 61
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
        assert _verdict(csrf.validate_csrf, token) == "The CSRF token has expired."


def test_every_post_goes_through_the_caching_check(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consult.extensions import csrf as extension

    assert isinstance(extension, csrf.CachingCSRFProtect)
    checked: list[str | None] = []
    real = csrf.validate_csrf
    monkeypatch.setattr(csrf, "validate_csrf", lambda data: checked.append(data) or real(data))
    app.test_client().post("/questionnaires/local-governments/start", data={"csrf_token": "x"})
    assert checked == ["x"]
