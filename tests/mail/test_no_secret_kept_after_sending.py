"""After a message is sent, no secret link it carried is readable anywhere the platform keeps.

The outbox clears a message's bodies once it is delivered, but kept its unsubscribe address (a
signed token that stops or restarts an invitee's reminders) for MAIL_KEEP_DAYS. Walk the
messages that carry a secret link, deliver them through a real SMTP server, then read every
text column of every table and every log line of the run: none holds a secret of any link the
server received. The links still work for their holders.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import String, Text, inspect, select

from consult.db import Base, db
from consult.mail.models import OutboxMessage
from consult.mail.sender import run
from tests.campaign.conftest import Institution
from tests.conftest import Respondent
from tests.mail.conftest import invite, sign_in
from tests.mail.test_invitations import INVITEES, post
from tests.mail.test_respondents import _lost_link, email_link, submit
from tests.questionnaires.test_respond import fill_required

LINK_RE = re.compile(r"https?://[^\s<>\"')]+")
#: A path segment this long is a token (a personal link, a ticket, a signed token), not a word.
SECRET_RE = re.compile(r"[A-Za-z0-9_\-.]{20,}")


def _secrets(messages) -> dict[str, str]:
    """Every token-shaped segment of every link in the messages -> the link it was in."""
    found = {}
    for message in messages:
        texts = [str(message.get("List-Unsubscribe", ""))]
        texts += [
            part.get_content()
            for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")
        ]
        for text in texts:
            for link in LINK_RE.findall(text):
                for segment in link.split("://", 1)[1].split("/")[1:]:
                    for secret in SECRET_RE.findall(segment.split("?")[0]):
                        found[secret] = link
    return found


def _stored_texts() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in the database."""
    found = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value:
                    found.append((table.name, column.name, str(value)))
    json_columns = [
        (mapper.local_table, c)
        for mapper in Base.registry.mappers
        for c in mapper.local_table.columns
        if c.type.__class__.__name__ == "JSON"
    ]
    for table, column in json_columns:
        for (value,) in db.session.execute(select(column)).all():
            if value:
                found.append((table.name, column.name, str(value)))
    return found


def test_no_secret_link_is_kept_after_sending_and_every_link_still_works(
    make_app, smtp_server, caplog
):
    caplog.set_level(logging.DEBUG, logger="consult")
    app = make_app(RATELIMIT_ENABLED=False, **smtp_server.config())
    staff = app.test_client()
    sign_in(app, staff, "admin")
    invite(app, INVITEES[:1])
    post(staff, "/staff/mail/invitations", action="invite")
    respondent = Respondent(app.test_client())
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "city@example.org")
    fill_required(respondent)
    submit(respondent, **{"mail.receipt_email": "city@example.org"})
    _lost_link(app.test_client(), "city@example.org")
    Institution(app.test_client()).join(contact_email="contact@example.org")
    with app.app_context():
        run(app, loop=False)
    received = smtp_server.recorder.messages()
    assert {m["To"].addresses[0].addr_spec for m in received} == {
        "mairie@geneve.example.ch",
        "city@example.org",
        "contact@example.org",
    }
    secrets = _secrets(received)
    # The invitation's and its unsubscribe link, the personal link (in the receipt too), the
    # lost link's ticket and the pledge's link.
    links = set(secrets.values())
    assert len(secrets) == 5
    for part in ("/unsubscribe/", "/lost-link/", "/r/", "/campaign/pledge/"):
        assert any(part in link for link in links), part

    with app.app_context():
        states = set(db.session.scalars(select(OutboxMessage.state)))
        stored = _stored_texts()
    assert states == {"sent"}
    kept = [
        (table, column, secrets[s])
        for table, column, value in stored
        for s in secrets
        if s in value
    ]
    assert kept == []
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # not the server's
    logged = [(r.name, secrets[s]) for r in ours for s in secrets if s in r.getMessage()]
    assert logged == []

    # The links still work for whoever holds the message.
    invitation = next(m for m in received if m["To"].addresses[0].addr_spec.endswith(".ch"))
    links = LINK_RE.findall(invitation.get_body(("plain",)).get_content())
    invitation_link = next(link for link in links if "/unsubscribe/" not in link)
    opened = app.test_client().get(_path(invitation_link), follow_redirects=True)
    assert opened.status_code == 200 and "Ville de Genève" in opened.get_data(as_text=True)
    unsubscribe = str(invitation["List-Unsubscribe"]).strip("<>")
    assert app.test_client().get(_path(unsubscribe)).status_code == 200


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_failed_message_keeps_no_secret_either(make_app, smtp_server):
    """A recipient the server refuses for good: the failed row keeps no body, no unsubscribe."""
    smtp_server.recorder.rcpt_replies["mairie@geneve.example.ch"] = ["550 no such user"]
    app = make_app(**smtp_server.config())
    staff = app.test_client()
    sign_in(app, staff, "admin")
    invite(app, INVITEES[:1])
    post(staff, "/staff/mail/invitations", action="invite")
    with app.app_context():
        run(app, loop=False)
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.state == "failed"
        assert (row.body_text, row.body_html, row.unsubscribe_url) == (None, None, None)
        assert inspect(row).attrs.last_error.value.startswith("550")


def test_rows_written_before_the_rule_are_cleared_by_the_next_purge(make_app):
    """A sent row still holding its unsubscribe address and bodies (written by an older
    release) is cleared by the sender's hourly purge; a waiting one keeps what it needs."""
    from consult.db import utcnow, writing
    from consult.mail import outbox
    from consult.mail.outbox import Draft, enqueue

    app = make_app()
    with app.app_context(), writing():
        for state in ("sent", "pending"):
            draft = Draft(
                "invitation", "a@x.org", "en", "s", "body /i/tok", unsubscribe_url="https://u/t"
            )
            enqueue(db.session, draft, "c@cisdp.test").state = state
        db.commit()
        assert outbox.purge(db.session, utcnow() - timedelta(days=30)) == 0
        rows = {
            m.state: (m.body_text, m.unsubscribe_url)
            for m in db.session.scalars(select(OutboxMessage))
        }
    assert rows == {"sent": (None, None), "pending": ("body /i/tok", "https://u/t")}
