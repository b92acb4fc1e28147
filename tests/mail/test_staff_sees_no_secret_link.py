"""What staff read of a sent message never carries a secret link (a personal, invitation,
pledge, password or unsubscribe link would let them act as its holder), every view is in the
audit log, and the written files are private.

The chokepoint is consult.core.requestlog.redact_urls (the access log's redaction rule applied
to every address in a text); the walk sends a message holding a link to every secret route of
the URL map, then opens it through every staff route that shows a written message.
"""

from __future__ import annotations

import re
import secrets
import stat

import pytest
from flask import url_for
from sqlalchemy import select

from consult.core.links import absolute_url_for
from consult.core.requestlog import REDACTED, redact_path, redact_urls
from consult.db import db, writing
from consult.mail.outbox import Draft, enqueue
from consult.mail.staff_accounts import password_token
from consult.staff.models import AuditEntry, User
from tests.conftest import csrf_token
from tests.mail.test_sender import send_once

URLSAFE = secrets.token_urlsafe(24)
SIGNED = "WzEsImE0ZjEyYjM5OGMiLCJyZXNldCJd.axGBSg.E428w7hjXXVCKPj6iwAmGpi3CKw"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"Open https://c.org/r/{URLSAFE} now.", "Open https://c.org/r/<redacted> now."),
        (f"https://c.org/r/{URLSAFE}/review", "https://c.org/r/<redacted>/review"),
        (f"http://127.0.0.1:5000/i/{URLSAFE}?lang=fr&amp;x=1", "http://127.0.0.1:5000/i/<redacted>?lang=fr&amp;x=1"),
        (f'<a href="https://c.org/campaign/pledge/{URLSAFE}">', '<a href="https://c.org/campaign/pledge/<redacted>">'),
        (f"https://c.org/staff/password/set/{SIGNED}", "https://c.org/staff/password/set/<redacted>"),
        (f"<https://c.org/mail/unsubscribe/{SIGNED}>", "<https://c.org/mail/unsubscribe/<redacted>>"),
        (f"(https://c.org/contributions/status/{URLSAFE})", "(https://c.org/contributions/status/<redacted>)"),
        (f"https://c.org/prefix/r/{URLSAFE}", "https://c.org/prefix/r/<redacted>"),
        ("https://c.org/charter/I and https://c.org/questionnaires/local-governments", None),
        ("https://c.org/contributions/12 https://c.org/static/css/consult.11a8ac877a.css", None),
        ("https://c.org", None),
        ("no address here /r/abc", None),
    ],
)  # fmt: skip
def test_every_secret_in_an_address_is_redacted_and_nothing_else(text, shown):
    assert redact_urls(text) == (text if shown is None else shown)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/staff/password/set/{SIGNED}/", "/staff/password/set/<redacted>/"),
        (f"/mail/unsubscribe/{SIGNED}/x", "/mail/unsubscribe/<redacted>/x"),
        ("/static/js/consult.0e86befb1b.js", "/static/js/consult.0e86befb1b.js"),
        ("/staff/outcomes/12/deck.pptx", "/staff/outcomes/12/deck.pptx"),
        ("/r/x/answers.pdf", "/r/<redacted>/answers.pdf"),
    ],
)
def test_a_signed_token_with_dots_is_redacted_from_logs_even_when_no_route_matches(path, logged):
    """The password and unsubscribe links are signed (pieces joined by dots): a 404 under them
    (a trailing slash a mail client added) once reached the access log in clear."""
    assert redact_path(path) == logged


def _secret_links(app) -> list[str]:
    """A link to every route of the URL map whose URL holds a secret, in two token shapes."""
    links = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            secret = [name for name in rule.arguments if re.search(r"(^|_)token$", name)]
            if not secret or "GET" not in rule.methods:
                continue
            for token in (URLSAFE, SIGNED):
                values = {name: "profile" for name in rule.arguments}
                values.update({name: token for name in secret})
                links.append(absolute_url_for(rule.endpoint, **values, lang="fr"))
    return links


def test_staff_read_every_written_message_without_its_secret_links(app, tmp_path, login):
    folder = tmp_path / "mail-out"
    app.config["MAIL_FOLDER"] = str(folder)
    links = _secret_links(app)
    assert len(links) >= 2 * 8  # resume, pages, review, receipt, pdf, invitation, pledge, ...
    client = app.test_client()
    # A real message too: a respondent asks for their personal link by e-mail.
    intro = client.get("/questionnaires/local-governments").get_data(as_text=True)
    start_token = re.search(r'name="start_token" value="([^"]+)"', intro).group(1)
    started = client.post(
        "/questionnaires/local-governments/start",
        data={"csrf_token": csrf_token(intro), "start_token": start_token},
    )
    resume_token = started.location.split("/r/")[1].split("/")[0]
    page = client.get(started.location, follow_redirects=True).get_data(as_text=True)
    asked = client.post(
        f"/r/{resume_token}/email-link",
        data={"csrf_token": csrf_token(page), "email": "mairie@example.org"},
    )
    assert asked.status_code == 303
    admin = login(app.test_client(), "admin")
    with app.test_request_context(), writing():
        user = db.session.scalar(select(User).where(User.role == "admin"))
        reset = password_token(user, "reset")
        every = "\n".join(links)
        enqueue(
            db.session,
            Draft(
                kind="test",
                recipient_email="city@example.org",
                recipient_name="City",
                language="en",
                subject="Links",
                body_text=every,
                body_html="".join(f'<p><a href="{link}">{link}</a></p>' for link in links),
                unsubscribe_url=absolute_url_for("mail.unsubscribe", token=SIGNED),
            ),
            "consult@cisdp.test",
        )
        db.commit()
    assert send_once(app) == 2
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert any(resume_token.encode() in f.read_bytes() for f in files)  # the mail itself has it
    # Private files in a private folder, like the instance folder.
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}

    secrets_sent = [resume_token, URLSAFE, SIGNED, reset]
    outbox = admin.get("/staff/mail").get_data(as_text=True)
    names = re.findall(r'href="/staff/mail/files/([^"/]+\.eml)"', outbox)
    assert sorted(names) == sorted(f.name for f in files)
    file_rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff/mail/files/") and "name" in rule.arguments
    ]
    assert len(file_rules) == 3  # the page, its HTML part, the .eml download
    for name in names:
        for rule in file_rules:
            with app.test_request_context():
                url = url_for(rule.endpoint, name=name)
            reply = admin.get(url)
            assert reply.status_code == 200, url
            body = reply.get_data()
            for secret in secrets_sent:
                assert secret.encode() not in body, (url, secret)
            assert REDACTED.encode() in body or b"&lt;redacted&gt;" in body, url
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "mail.message_viewed")
        ).all()
    assert sorted(viewed) == sorted(name for name in names for _rule in file_rules)


def test_the_html_part_shows_the_marker_as_text():
    from email.message import EmailMessage

    from consult.mail.views import redacted

    message = EmailMessage()
    message.set_content(f"https://c.org/r/{URLSAFE}")
    message.add_alternative(f'<p><a href="https://c.org/r/{URLSAFE}">x</a></p>', subtype="html")
    html = redacted(message).get_body(("html",)).get_content()
    assert URLSAFE not in html and "&lt;redacted&gt;" in html and "<redacted>" not in html
