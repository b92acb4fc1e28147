"""The moderators' daily digest: opt in, one a day, never of an empty queue."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import update

from consult.db import db, utcnow, writing
from consult.mail.models import DigestSubscription
from tests.conftest import csrf_token
from tests.mail.conftest import sign_in
from tests.mail.test_contributors import make_contribution
from tests.mail.test_respondents import outbox


def _toggle(client, value: str) -> None:
    page = client.get("/staff/mail/digest").get_data(as_text=True)
    client.post("/staff/mail/digest", data={"csrf_token": csrf_token(page), "subscribed": value})


def test_a_moderator_who_opted_in_gets_one_digest_a_day(make_app) -> None:
    app = make_app(BASE_URL="https://consult.example.org")
    runner = app.test_cli_runner()
    moderator, other = app.test_client(), app.test_client()
    email = sign_in(app, moderator, "moderator")
    sign_in(app, other, "moderator")
    _toggle(moderator, "yes")
    assert "You receive the daily digest." in moderator.get("/staff/mail/digest").get_data(
        as_text=True
    )
    assert "0 digest(s) queued" in runner.invoke(args=["mail", "digest"]).output  # empty queue

    for n in range(3):
        make_contribution(app, email=None, name=None, text=f"Contribution number {n}.")
    assert "1 digest(s) queued" in runner.invoke(args=["mail", "digest"]).output
    assert "0 digest(s) queued" in runner.invoke(args=["mail", "digest"]).output  # same day
    [message] = outbox(app)
    assert message.kind == "moderation_digest" and message.recipient_email == email
    assert message.subject == "Moderation: 3 waiting, 0 hidden"
    assert "Contribution number 0." in message.body_text
    assert "https://consult.example.org/staff/moderation/" in message.body_text

    with app.app_context(), writing():
        db.session.execute(
            update(DigestSubscription).values(last_sent_at=utcnow().replace(year=2025))
        )
        db.commit()
    _toggle(moderator, "no")
    assert "0 digest(s) queued" in runner.invoke(args=["mail", "digest"]).output


def test_the_old_mail_base_url_setting_still_works_with_a_warning(make_app, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="consult.mail"):
        app = make_app(MAIL_BASE_URL="https://old.example.org/")
    assert app.config["BASE_URL"] == "https://old.example.org"
    assert "MAIL_BASE_URL" not in app.config
    assert "CONSULT_MAIL_BASE_URL is deprecated: rename it CONSULT_BASE_URL" in caplog.text


def test_the_old_setting_never_overrides_base_url(make_app, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="consult.mail"):
        app = make_app(BASE_URL="https://new.example.org", MAIL_BASE_URL="https://old.example.org")
    assert app.config["BASE_URL"] == "https://new.example.org"
    assert "deprecated and ignored" in caplog.text


def test_a_malformed_old_setting_stops_the_app_like_a_malformed_base_url(make_app) -> None:
    from consult.core.links import BaseUrlError

    with pytest.raises(BaseUrlError):
        make_app(MAIL_BASE_URL="javascript:alert(1)")


def test_no_link_in_any_message_is_built_from_the_request_host() -> None:
    # Every absolute link goes through consult.core.links.absolute_url_for (the configured
    # base URL); url_for(..., _external=True) would take the Host header a client sent.
    root = Path(__file__).resolve().parents[2] / "consult"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "_external=True" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
