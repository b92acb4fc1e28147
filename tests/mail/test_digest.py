"""The moderators' daily digest: opt in, one a day, never of an empty queue."""

from __future__ import annotations

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
    app = make_app(MAIL_BASE_URL="https://consult.example.org")
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
