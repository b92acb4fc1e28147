"""Invitations and reminders by e-mail: languages, texts staff edit, pacing, unsubscribe, state."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.mail.models import InviteeMail, MailTemplate
from consult.mail.sender import run
from consult.staff import invitations
from consult.staff.models import AuditEntry, Invitation, User
from tests.conftest import csrf_token, versions_in
from tests.mail.conftest import invite, sign_in
from tests.mail.test_respondents import outbox

INVITEES = [
    ("Ville de Genève", "CH", "mairie@geneve.example.ch", "fr"),
    ("Ciudad de México", "MX", "alcaldia@cdmx.example.mx", "es"),
    ("City of Utrecht", "NL", "mayor@utrecht.example.nl", "en"),
    ("Gwangju", "KR", "humanrights@gwangju.example.kr", None),
    ("No Address Town", "FR", None, "fr"),
]


@pytest.fixture
def invited(app, staff):
    """Five invitations (one without an address); return their ids by name."""
    email = staff("admin", "importer@cisdp.test")
    with app.app_context(), writing():
        user = db.session.scalar(select(User).where(User.email == email))
        rows = [
            invitations.ParsedInvitation(i + 2, name, country, address, None, language)
            for i, (name, country, address, language) in enumerate(INVITEES)
        ]
        created = invitations.create_invitations(
            db.session, rows, user, invitations.INVITATION_QUESTIONNAIRE
        )
        db.commit()
        return {invitation.institution_name: invitation.id for invitation in created}


def post(client, path: str, **data):
    page = client.get(path).get_data(as_text=True)
    # The form as drawn now: its CSRF token and, on a shared text's page, its version.
    return client.post(path, data={"csrf_token": csrf_token(page), **versions_in(page), **data})


def age_everything(app, days: float) -> None:
    """Pretend the invitations and reminders were sent ``days`` ago."""
    past = utcnow() - timedelta(days=days)
    with app.app_context(), writing():
        db.session.execute(update(InviteeMail).values(invited_at=past))
        db.session.execute(
            update(InviteeMail).where(InviteeMail.reminded_at.is_not(None)).values(reminded_at=past)
        )
        db.commit()


def test_invitations_go_once_to_each_address_in_its_language(app, client, login, invited):
    login(client, "analyst")
    reply = post(client, "/staff/mail/invitations", action="invite")
    assert reply.status_code == 303
    messages = outbox(app)
    assert sorted((m.recipient_name, m.language) for m in messages) == [
        ("City of Utrecht", "en"),
        ("Ciudad de México", "es"),
        ("Gwangju", "en"),
        ("Ville de Genève", "fr"),
    ]
    by_name = {m.recipient_name: m for m in messages}
    assert by_name["Ville de Genève"].subject.startswith("Invitation\u00a0:")
    assert by_name["Ciudad de México"].subject.startswith("Invitación:")
    assert "Ciudad de México" in by_name["Ciudad de México"].body_text
    assert all(m.unsubscribe_url and "/mail/unsubscribe/" in m.unsubscribe_url for m in messages)
    assert all("/i/" in m.body_text and "/i/" in m.body_html for m in messages)
    # Sending again reaches nobody new.
    post(client, "/staff/mail/invitations", action="invite")
    assert len(outbox(app)) == 4
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert actions.count("mail.invitations_queued") == 2


def test_invitations_arrive_whole_with_one_click_unsubscribe(make_app, smtp_server):
    app = make_app(**smtp_server.config())
    client = app.test_client()
    sign_in(app, client, "admin")
    invite(app, INVITEES)
    post(client, "/staff/mail/invitations", action="invite")
    with app.app_context():
        run(app, loop=False)
    received = {m["To"].addresses[0].display_name: m for m in smtp_server.recorder.messages()}
    assert set(received) == {"Ville de Genève", "Ciudad de México", "City of Utrecht", "Gwangju"}
    geneve = received["Ville de Genève"]
    assert geneve["Content-Language"] == "fr"
    assert geneve["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = geneve["List-Unsubscribe"].strip().strip("<>")
    html = geneve.get_body(("html",)).get_content()
    assert "Ouvrir le questionnaire" in html and unsubscribe in html
    assert "Ville de Genève" in geneve.get_body(("plain",)).get_content()

    # The mail client's one-click POST: no form token, no cookie.
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    reply = app.test_client().post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert reply.status_code == 200
    with app.app_context():
        unsubscribed = {
            s.invitation_id: s.unsubscribed_at for s in db.session.scalars(select(InviteeMail))
        }
        geneve_id = db.session.scalar(
            select(Invitation.id).where(Invitation.institution_name == "Ville de Genève")
        )
        details = db.session.scalar(
            select(AuditEntry.details).where(AuditEntry.action == "mail.unsubscribed")
        )
    assert unsubscribed[geneve_id] is not None
    assert [k for k, v in unsubscribed.items() if v] == [geneve_id]
    assert details == {"one_click": True}


def test_reminders_are_paced_targeted_and_stop_on_unsubscribe(app, client, login, invited):
    login(client, "admin")
    post(client, "/staff/mail/invitations", action="invite")
    # Just invited: nobody is due a reminder yet.
    post(client, "/staff/mail/invitations", action="remind", target="not_started")
    assert [m.kind for m in outbox(app)].count("reminder") == 0

    age_everything(app, 8)
    # Utrecht starts its response; Genève unsubscribes.
    with app.app_context():
        utrecht = db.session.get(Invitation, invited["City of Utrecht"])
        token = invitations.invitation_token(utrecht, app.config["SECRET_KEY"])
        from consult.mail.invitees import unsubscribe_url

        with app.test_request_context():
            geneve_unsubscribe = unsubscribe_url(invited["Ville de Genève"])
    page = client.get(f"/i/{token}").get_data(as_text=True)
    client.post(f"/i/{token}", data={"csrf_token": csrf_token(page)})
    client.post(urlsplit(geneve_unsubscribe).path, data={})

    post(client, "/staff/mail/invitations", action="remind", target="not_started")
    reminded = sorted(m.recipient_name for m in outbox(app) if m.kind == "reminder")
    assert reminded == ["Ciudad de México", "Gwangju"]

    # Utrecht started but has not submitted: due now; the two just reminded are not.
    post(client, "/staff/mail/invitations", action="remind", target="not_submitted")
    reminded = [m.recipient_name for m in outbox(app) if m.kind == "reminder"]
    assert reminded[2:] == ["City of Utrecht"]
    # Right after: nobody again, whatever the target.
    post(client, "/staff/mail/invitations", action="remind", target="not_submitted")
    assert len([m for m in outbox(app) if m.kind == "reminder"]) == 3

    age_everything(app, 8)
    post(
        client, "/staff/mail/invitations", action="remind", target="not_submitted", region="europe"
    )
    reminded = [m.recipient_name for m in outbox(app) if m.kind == "reminder"]
    # Europe only: Utrecht again; Genève never (unsubscribed).
    assert reminded[3:] == ["City of Utrecht"]
    spanish = next(m for m in outbox(app) if m.kind == "reminder" and m.language == "es")
    assert spanish.subject.startswith("Recordatorio:")


def test_staff_edit_the_text_per_language_with_preview_and_test(app, client, login, invited):
    login(client, "analyst")
    path = "/staff/mail/templates/invitation/fr"
    page = client.get(path).get_data(as_text=True)
    assert "{institution}" in page and "{link}" in page

    bad = post(client, path, action="save", subject="Sujet", body="Pas de lien")
    assert bad.status_code == 422 and "{link}" in bad.get_data(as_text=True)

    body = "Bonjour {institution},\n\nRépondez ici : {link}\n\nAvant le {deadline}.\n\n<b>CISDP</b>"
    preview = post(client, path, action="preview", subject="Pour {institution}", body=body)
    shown = preview.get_data(as_text=True)
    assert "Bonjour Ville de Genève" in shown or "Bonjour City of Utrecht" in shown
    assert "&lt;b&gt;CISDP&lt;/b&gt;" in shown
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None  # a preview saves nothing

    post(client, path, action="test", subject="Pour {institution}", body=body)
    [test_message] = outbox(app)
    assert test_message.kind == "test" and test_message.recipient_email.startswith("analyst-")
    assert "Répondez ici" in test_message.body_text

    assert (
        post(client, path, action="save", subject="Pour {institution}", body=body).status_code
        == 303
    )
    post(client, "/staff/mail/invitations", action="invite")
    geneve = next(m for m in outbox(app) if m.recipient_name == "Ville de Genève")
    assert geneve.subject == "Pour Ville de Genève"
    assert "Répondez ici" in geneve.body_text and "&lt;b&gt;CISDP&lt;/b&gt;" in geneve.body_html
    mexico = next(m for m in outbox(app) if m.recipient_name == "Ciudad de México")
    assert mexico.subject.startswith("Invitación:")  # the other languages keep their texts

    post(client, path, action="reset")
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None


def test_coverage_shows_each_invitees_mail_state(make_app, smtp_server):
    app = make_app(**smtp_server.config())
    smtp_server.recorder.rcpt_replies["mayor@utrecht.example.nl"] = ["550 5.1.1 Unknown user"]
    client = app.test_client()
    sign_in(app, client, "analyst")
    ids = invite(app, INVITEES)
    with app.app_context():
        mexico = db.session.get(Invitation, ids[1])
        mexico_token = invitations.invitation_token(mexico, app.config["SECRET_KEY"])
    post(client, "/staff/mail/invitations", action="invite")
    with app.app_context():
        run(app, loop=False)
    app.test_client().get(f"/i/{mexico_token}")
    page = client.get("/staff/coverage").get_data(as_text=True)
    assert "550 5.1.1 Unknown user" in page
    assert "Opened the link on" in page
    assert "No address" in page
    dashboard = client.get("/staff/dashboard").get_data(as_text=True)
    assert "1 failed" in dashboard and "1 opened the link" in dashboard
    listing = client.get("/staff/mail/invitations").get_data(as_text=True)
    assert "550 5.1.1 Unknown user" in listing and listing.count("Sent") >= 3


def test_a_forged_unsubscribe_token_is_refused(client):
    assert client.get("/mail/unsubscribe/not-a-token").status_code == 404
    assert client.post("/mail/unsubscribe/not-a-token").status_code == 404


def test_only_admins_see_the_outbox_and_the_written_files(make_app, tmp_path):
    folder = tmp_path / "written"
    app = make_app(MAIL_FOLDER=str(folder))
    client = app.test_client()
    sign_in(app, client, "admin")
    post(
        client,
        "/staff/mail/templates/invitation/es",
        action="test",
        subject="Hola {institution}",
        body="Enlace: {link}",
    )
    with app.app_context():
        run(app, loop=False)
    [written] = list(folder.glob("*.eml"))
    page = client.get("/staff/mail").get_data(as_text=True)
    assert written.name in page
    shown = client.get(f"/staff/mail/files/{written.name}").get_data(as_text=True)
    assert "Enlace:" in shown
    html = client.get(f"/staff/mail/files/{written.name}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]
    assert client.get("/staff/mail/files/..%2Fconsult.sqlite3").status_code == 404
    other = app.test_client()
    sign_in(app, other, "analyst")
    assert other.get("/staff/mail").status_code == 403


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "5 December 2026, 02:11:23 UTC"), ("fr", "5 décembre 2026, 02:11:23 UTC"),
     ("es", "5 de diciembre de 2026, 02:11:23 UTC")],
)  # fmt: skip
def test_the_written_messages_list_dates_them_in_the_page_language(
    make_app, tmp_path, language, written
):
    """Found by a reviewer: "· Sat, 05 Dec 2026 02:11:23 +0000" (the file's Date header as
    is) on the French and Spanish outbox."""
    folder = tmp_path / "written"
    folder.mkdir()
    (folder / "20261205-021123-test.eml").write_bytes(
        b"To: a@example.org\r\nSubject: Test\r\n"
        b"Date: Sat, 05 Dec 2026 02:11:23 +0000\r\n\r\nBody\r\n"
    )
    app = make_app(MAIL_FOLDER=str(folder))
    client = app.test_client()
    sign_in(app, client, "admin")
    page = client.get(f"/staff/mail?lang={language}").get_data(as_text=True)
    assert f"· {written}</li>" in page
    assert "Sat, 05 Dec" not in page and "+0000" not in page
