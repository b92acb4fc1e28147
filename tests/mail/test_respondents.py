"""Respondents' e-mail: the personal link on request, the receipt, "lost your link?"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult.db import db
from consult.mail.models import REFUSED, AddressKey, OutboxMessage
from consult.mail.sender import run
from consult.questionnaires.models import Response
from consult.questionnaires.registry import get_questionnaire
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import fill_required


def outbox(app, *, refused: bool = False) -> list[OutboxMessage]:
    """The messages queued (with ``refused``, also the rows of refused ones staff see)."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if not refused:
            query = query.where(OutboxMessage.state != REFUSED)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def email_link(respondent: Respondent, page_path: str, address: str, back: str | None = None):
    page = respondent.client.get(page_path).get_data(as_text=True)
    return respondent.client.post(
        f"/r/{respondent.token}/email-link",
        data={"csrf_token": csrf_token(page), "email": address, "back": back or page_path},
    )


def submit(respondent: Respondent, **fields: str):
    page = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    return respondent.client.post(
        f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(page), **fields}
    )


def test_every_page_of_a_response_offers_to_email_the_link(app, respondent) -> None:
    respondent.start()
    with app.app_context():
        sections = [s.key for s in get_questionnaire("local-governments").sections]
    fill_required(respondent)
    paths = [f"/r/{respondent.token}/s/{key}" for key in sections]
    paths.append(f"/r/{respondent.token}/review")
    for path in paths:
        # Part of the page's own form: its button saves the page, then sends the link.
        page = respondent.client.get(path).get_data(as_text=True)
        assert 'name="link_email"' in page and 'name="goto" value="email-link"' in page, path
    submit(respondent)
    receipt = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert f'action="/r/{respondent.token}/email-link"' in receipt


def test_the_link_is_queued_in_the_respondents_language_and_only_a_hash_is_kept(
    app, client
) -> None:
    client.get("/questionnaires/local-governments?lang=fr")
    respondent = Respondent(client)
    respondent.start()
    page_path = f"/r/{respondent.token}/s/profile"
    reply = email_link(respondent, page_path, "Maire@Mairie.Example.FR")
    assert reply.status_code == 303
    assert reply.location == f"{page_path}?link_sent=1"
    shown = client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Votre lien personnel est en route" in shown
    [message] = outbox(app)
    assert message.kind == "personal_link" and message.language == "fr"
    assert message.recipient_email == "Maire@mairie.example.fr"
    assert message.subject.startswith("Votre lien personnel")
    assert f"/r/{respondent.token}" in message.body_text
    assert f"/r/{respondent.token}" in message.body_html
    with app.app_context():
        keys = list(db.session.scalars(select(AddressKey.address_hash)))
    assert len(keys) == 1 and "mairie" not in keys[0] and len(keys[0]) == 64


@pytest.mark.parametrize(
    "address", ["", "not-an-address", "a@b", "x@example.org\r\nBcc: y@example.org"]
)
def test_an_invalid_address_queues_nothing(app, respondent, address) -> None:
    respondent.start()
    reply = email_link(respondent, f"/r/{respondent.token}/s/profile", address)
    assert reply.status_code == 422
    assert "name@example.org" in reply.get_data(as_text=True)
    assert outbox(app) == []


@pytest.mark.parametrize(
    "back", ["https://evil.test/r/x/", "//evil.test/", "/staff/users", "/r/other-token/s/profile"]
)
def test_the_return_address_stays_on_the_response(app, respondent, back) -> None:
    respondent.start()
    reply = email_link(respondent, f"/r/{respondent.token}/s/profile", "a@example.org", back)
    assert reply.status_code == 303
    assert reply.location.startswith(f"/r/{respondent.token}")


def test_no_receipt_unless_asked(app, respondent) -> None:
    respondent.start()
    fill_required(respondent)
    assert submit(respondent).status_code == 303
    assert outbox(app) == []


def test_the_receipt_holds_number_date_link_and_answers(app, client) -> None:
    client.get("/questionnaires/local-governments?lang=es")
    respondent = Respondent(client)
    respondent.start()
    fill_required(respondent)
    reply = submit(respondent, **{"mail.receipt_email": "alcaldia@cdmx.example.mx"})
    assert reply.status_code == 303
    [message] = outbox(app)
    with app.app_context():
        response = db.session.scalar(select(Response))
        db.session.expunge_all()
    assert message.kind == "receipt" and message.language == "es"
    assert message.subject.startswith(f"Acuse de recibo {response.receipt_number}")
    for body in (message.body_text, message.body_html):
        assert response.receipt_number in body
        assert f"/r/{respondent.token}" in body
        assert "Ciudad de México" in body  # an answer, copied
        assert "Metrópolis" in body or "metrópolis" in body.lower()  # an option, in Spanish
        assert str(response.submitted_at.year) in body


def test_a_wrong_receipt_address_submits_nothing(app, respondent) -> None:
    respondent.start()
    fill_required(respondent)
    reply = submit(respondent, **{"mail.receipt_email": "nowhere"})
    assert reply.status_code == 422
    assert 'id="receipt-email-error"' in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.status)) == "draft"
    assert outbox(app) == []


def _lost_link(client, address: str):
    page = client.get("/questionnaires/local-governments/lost-link").get_data(as_text=True)
    return client.post(
        "/questionnaires/local-governments/lost-link",
        data={"csrf_token": csrf_token(page), "email": address},
    )


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def _open_link(message) -> str:
    """The path of the link a "lost link" message carries (the first one)."""
    return re.search(
        r"/questionnaires/[a-z-]+/lost-link/[A-Za-z0-9_.\-]+", message.body_text
    ).group(0)


def _open(client, path: str):
    page = client.get(path)
    if page.status_code == 303:  # opened before: straight to the link it gave then
        return page
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_lost_link_answers_the_same_and_sends_a_way_back(app, respondent) -> None:
    respondent.start()
    old_token = respondent.token
    email_link(respondent, f"/r/{old_token}/s/profile", "city@example.org")
    intro = respondent.client.get("/questionnaires/local-governments").get_data(as_text=True)
    assert 'href="/questionnaires/local-governments/lost-link"' in intro

    unknown = _lost_link(respondent.client, "someone-else@example.org")
    known = _lost_link(respondent.client, "CITY@example.org")
    assert unknown.status_code == known.status_code == 200
    assert _without_tokens(unknown.get_data(as_text=True)) == _without_tokens(
        known.get_data(as_text=True)
    )
    messages = [m for m in outbox(app) if m.kind == "lost_link"]
    assert len(messages) == 1 and messages[0].recipient_email == "CITY@example.org"
    # Asking changed nothing: whoever asked, the current link still opens the answers.
    assert respondent.client.get(f"/r/{old_token}").status_code == 302

    # Opened from the message, on another computer: a page with one button (a mail scanner's
    # GET changes nothing), then a new personal link; the old one stops working.
    other = app.test_client()
    path = _open_link(messages[0])
    assert other.get(path).status_code == 200
    assert respondent.client.get(f"/r/{old_token}").status_code == 302
    opened = _open(other, path)
    assert opened.status_code == 303
    new_token = opened.location.rsplit("/r/", 1)[1]
    assert new_token != old_token
    assert other.get(f"/r/{new_token}").status_code == 302
    # The old link opens nothing; it says it was replaced (test_replaced_link.py).
    assert respondent.client.get(f"/r/{old_token}").status_code == 410
    # Opened again (a double click, a reload, the message read twice): the same new link.
    again = _open(other, path)
    assert again.status_code == 303 and again.location.endswith(f"/r/{new_token}")


def test_a_lost_link_message_replaces_the_link_only_while_it_is_the_current_one(
    app, respondent
) -> None:
    from consult.mail import respondents

    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "city@example.org")
    _lost_link(respondent.client, "city@example.org")
    _lost_link(respondent.client, "city@example.org")
    first, second = [_open_link(m) for m in outbox(app) if m.kind == "lost_link"]
    client = app.test_client()
    assert _open(client, first).status_code == 303
    # The second message was sent for the link the first one replaced: it opens nothing.
    stale = client.get(second)
    assert stale.status_code == 410
    assert "/questionnaires/local-governments/lost-link" in stale.get_data(as_text=True)
    # Forged or altered tickets, and tickets too old, open nothing either.
    key, ticket = first.rsplit("/", 1)
    for forged in (ticket[:-2] + "xx", "WzEsICJhYmMiXQ.x.y", "1", ticket + "."):
        assert client.get(f"{key}/{forged}").status_code == 410
    with app.app_context():
        response = db.session.scalars(select(Response)).first()
        old = respondents.LOST_LINK_MAX_AGE
        try:
            respondents.LOST_LINK_MAX_AGE = type(old)(seconds=-1)
            state, token = respondents.redeem_lost_link(
                db.session, respondents.lost_link_ticket(response), replace=True
            )
        finally:
            respondents.LOST_LINK_MAX_AGE = old
    assert (state, token) == ("stale", None)


def test_lost_link_sends_at_most_three_a_day_to_one_address_per_client(app, respondent) -> None:
    """A stranger asking for the address three times leaves the owner her own three; what was
    not sent is said so."""
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "city@example.org")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "198.51.100.66"
    replies = [_lost_link(stranger, "city@example.org") for _ in range(5)]
    assert [reply.status_code for reply in replies] == [200, 200, 200, 429, 429]
    assert "Nothing was sent" in replies[-1].get_data(as_text=True)
    assert "on its way" not in replies[-1].get_data(as_text=True)
    own = _lost_link(respondent.client, "city@example.org")
    assert own.status_code == 200 and "on its way" in own.get_data(as_text=True)
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(OutboxMessage.kind == "lost_link"))
    assert count == 4


def test_contact_details_given_with_consent_find_the_link_too(app, respondent) -> None:
    respondent.start()
    fill_required(respondent)
    submit(
        respondent,
        **{"contact.email": "officer@city.example.org", "contact.consent": "yes"},
    )
    _lost_link(respondent.client, "officer@city.example.org")
    assert [m.kind for m in outbox(app)] == ["lost_link"]


def test_lost_link_and_email_link_are_rate_limited(make_app) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MAIL_REQUEST_LIMIT="2 per hour")
    client = app.test_client()
    codes = [_lost_link(client, f"x{i}@example.org").status_code for i in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize(
    ("language", "subject_start", "phrase"),
    [
        ("en", "Your personal link", "Continue my answers"),
        ("fr", "Votre lien personnel", "Continuer mes réponses"),
        ("es", "Su enlace personal", "Continuar mis respuestas"),
    ],
)
def test_messages_arrive_whole_in_each_language(
    make_app, smtp_server, language, subject_start, phrase
) -> None:
    app = make_app(**smtp_server.config())
    client = app.test_client()
    client.get(f"/questionnaires/local-governments?lang={language}")
    respondent = Respondent(client)
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "city@example.org")
    fill_required(respondent)
    submit(respondent, **{"mail.receipt_email": "city@example.org"})
    _lost_link(client, "city@example.org")
    with app.app_context():
        run(app, loop=False)
    received = smtp_server.recorder.messages()
    assert len(received) == 3
    for message in received:
        assert message["Content-Language"] == language
        assert message["To"].addresses[0].addr_spec == "city@example.org"
        assert message["From"].addresses[0].addr_spec == "consult@cisdp.test"
        assert message["Message-ID"] and message["Date"]
        assert message["List-Unsubscribe"] is None  # only invitations and reminders have it
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f'lang="{language}"' in html
        link = "/lost-link/" if message is received[-1] else "/r/"  # the lost link's way back
        assert link in text and link in html
    assert received[0]["Subject"].startswith(subject_start)
    assert phrase in received[0].get_body(("html",)).get_content()


def test_lost_link_of_an_invited_response_issues_a_new_personal_link_like_an_admin(
    make_app,
) -> None:
    from consult.staff import invitations
    from consult.staff.models import AuditEntry, Invitation
    from tests.mail.conftest import invite, sign_in

    app = make_app(BASE_URL="https://consult.example.org")
    sign_in(app, app.test_client(), "admin")
    [invitation_id] = invite(app, [("Ville de Lyon", "FR", "mairie@lyon.example.org", "fr")])
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation_path = f"/i/{invitations.invitation_token(invitation, app.config['SECRET_KEY'])}"

    # The person answering starts from the invitation and asks for their link by e-mail.
    first = app.test_client()
    page = first.get(invitation_path + "?lang=fr").get_data(as_text=True)
    started = first.post(invitation_path, data={"csrf_token": csrf_token(page)})
    old_token = started.location.rsplit("/r/", 1)[1]
    person = Respondent(first)
    person.token = old_token
    email_link(person, f"/r/{old_token}/s/profile", "agent@lyon.example.org")

    # Later, from another computer: "Lost your link?".
    second = app.test_client()
    assert _lost_link(second, "agent@lyon.example.org").status_code == 200
    [message] = [m for m in outbox(app) if m.kind == "lost_link"]
    assert message.language == "fr" and message.subject.startswith("Rouvrir vos réponses")
    assert "https://consult.example.org/questionnaires/local-governments/lost-link/" in (
        message.body_text
    )
    assert invitation_path not in message.body_text  # not the invitation link again
    assert "cesse alors de fonctionner" in message.body_text  # opening it ends the old one
    opened = _open(second, _open_link(message))
    new_token = opened.location.rsplit("/r/", 1)[1]
    assert new_token != old_token
    assert "lien d'invitation" in message.body_text  # and why the invitation link won't do
    assert "lien d'invitation" in message.body_html

    # The new link opens the answers anywhere; the old one nowhere, not even through the
    # invitation link in the first browser (its claim held the old link).
    assert second.get(f"/r/{new_token}").status_code == 302
    assert first.get(f"/r/{old_token}").status_code == 410  # "replaced", no answers
    again = first.get(invitation_path).get_data(as_text=True)
    assert f"/r/{old_token}" not in again and "déjà été commencée" in again

    # Written to the audit log exactly as an admin's reissue, with who asked.
    with app.app_context():
        [entry] = db.session.execute(
            select(AuditEntry.target, AuditEntry.actor_email, AuditEntry.details).where(
                AuditEntry.action == "response.link_reissued"
            )
        ).all()
        response_id = db.session.scalar(
            select(Response.id).where(Response.invitation_id == invitation_id)
        )
    assert entry.target == "Ville de Lyon"
    assert entry.actor_email == invitations.LOST_LINK_ACTOR
    assert entry.details == {
        "response_id": response_id,
        "invitation_id": invitation_id,
        "by": "lost_link",
    }
