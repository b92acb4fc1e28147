"""Staff can distribute invitations without reading or changing answers through them; contact
details are shown only to the browser that entered them; staff access to responses is audited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import ContactDetails, Response
from consult.staff.models import AuditEntry
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import PROFILE, fill_required

LIST = "name,country,email\nVille de Grigny,FR,mairie@grigny.example\n"


def _invitation_path(app, staff_client):
    page = staff_client.get("/staff/invitations").get_data(as_text=True)
    staff_client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(LIST.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    body = staff_client.get("/staff/invitations/links.csv").get_data().decode("utf-8-sig")
    link = next(csv.DictReader(io.StringIO(body)))["link"]
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _start(client, path):
    page = client.get(path).get_data(as_text=True)
    reply = client.post(path, data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 303 and "/r/" in reply.location
    return reply.location.rsplit("/r/", 1)[1]


@pytest.fixture
def invited(app, login):
    """(staff client holding the links, the invitation path, the respondent, resume token)."""
    staff_client = login(app.test_client(), "analyst")
    path = _invitation_path(app, staff_client)
    browser = app.test_client()
    token = _start(browser, path)
    respondent = Respondent(browser)
    respondent.token = token
    fill_required(respondent)
    respondent.save("profile", {**PROFILE, "q.respondent_department": "Human rights office"})
    return staff_client, path, respondent, token


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_the_invitation_link_does_not_open_the_response_for_staff(app, invited, state):
    staff_client, path, respondent, token = invited
    if state == "submitted":
        reply = respondent.submit(
            name="Ana Example", email="ana@grigny.example", job_title="Head", consent="yes"
        )
        assert reply.status_code == 303
    page = staff_client.get(path).get_data(as_text=True)
    for secret in (token, "/r/", "Human rights office", "Ana Example", "ana@grigny.example"):
        assert secret not in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    token_page = staff_client.get("/staff/account/password").get_data(as_text=True)
    pressed = staff_client.post(path, data={"csrf_token": csrf_token(token_page)})
    assert pressed.status_code == 303 and token not in pressed.location
    assert "/r/" not in pressed.location
    with app.app_context():
        assert db.session.query(Response).count() == 1, "no second response either"


def test_the_personal_link_is_random_not_derived_from_the_invitation(app, login):
    """Two installations' worth of starts: the token is new each time, never computable."""
    staff_client = login(app.test_client(), "admin")
    path = _invitation_path(app, staff_client)
    first = _start(app.test_client(), path)
    with app.app_context():
        db.session.query(Response).delete()
        db.commit()
    second = _start(app.test_client(), path)
    assert first != second


def test_contact_details_are_shown_only_to_the_browser_that_entered_them(app, invited):
    _staff, _path, respondent, token = invited
    reply = respondent.submit(
        name="Ana Example", email="ana@grigny.example", job_title="Head", consent="yes"
    )
    assert reply.status_code == 303
    mine = respondent.client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "ana@grigny.example" in mine
    elsewhere_client = app.test_client()
    elsewhere = elsewhere_client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "ana@grigny.example" not in elsewhere and "Ana Example" not in elsewhere
    assert "Contact details were given in another browser" in elsewhere
    # saving from there with empty fields keeps them; filling them replaces them, when chosen
    other = Respondent(elsewhere_client)
    other.token = token
    assert other.submit().status_code == 303
    with app.app_context():
        assert db.session.scalar(select(ContactDetails.email)) == "ana@grigny.example"
    typed = {"name": "Bea", "email": "bea@grigny.example", "consent": "yes"}
    assert other.submit(**typed).status_code == 422
    assert other.submit(**typed, replace="yes").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(ContactDetails.email)) == "bea@grigny.example"
    assert "bea@grigny.example" not in respondent.client.get(f"/r/{token}/review").get_data(
        as_text=True
    )


def test_an_admin_issues_a_new_personal_link_audited(app, invited, login):
    _staff, _path, respondent, old_token = invited
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/invitations").get_data(as_text=True)
    action = re.search(r'action="(/staff/invitations/\d+/new-link)"', page).group(1)
    reply = admin.post(action, data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    new_link = re.search(r"<code>https?://[^/]+(/r/[^<]+)</code>", reply.get_data(as_text=True))
    assert app.test_client().get(new_link.group(1)).status_code == 302
    assert app.test_client().get(f"/r/{old_token}").status_code == 410  # "replaced"
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "response.link_reissued")
        )


def test_analysts_cannot_issue_personal_links(app, invited):
    staff_client, *_rest = invited
    page = staff_client.get("/staff/invitations").get_data(as_text=True)
    assert "new-link" not in page
    assert staff_client.post("/staff/invitations/1/new-link").status_code in (400, 403)


@pytest.mark.parametrize(
    "path",
    [
        "/staff/outcomes/rows?questionnaire=local-governments&question=charter_2011_adopted&value=no",
        # (the quotes bank holds no profile answer: a department would name its author)
        "/staff/outcomes/quotes?questionnaire=local-governments&question=final_priority",
    ],
)
def test_every_staff_view_of_responses_is_audited(app, invited, login, path):
    _staff, _path, respondent, _token = invited
    assert respondent.save("final", {"q.final_priority": "Housing for all"}).status_code == 303
    assert respondent.submit().status_code == 303
    analyst = login(app.test_client(), "analyst")
    page = analyst.get(path)
    assert page.status_code == 200
    with app.app_context():
        entry = db.session.execute(
            select(AuditEntry.action, AuditEntry.details).where(
                AuditEntry.action == "responses.viewed"
            )
        ).one()
        response_id = db.session.scalar(select(Response.id))
    assert response_id in entry.details["responses"]
