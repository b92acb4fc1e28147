"""Back on a questionnaire's page without the personal link, the browser offers the response it
opened last, instead of only a Start that makes a new, empty one (consult/questionnaires/
this_browser.py); it can forget it on a shared computer."""

from __future__ import annotations

import re
from datetime import timedelta

from cryptography import fernet as fernet_module
from sqlalchemy import func, select

from consult.db import db
from consult.questionnaires.models import Response
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import PROFILE, fill_required

INTRO = "/questionnaires/local-governments"
CONTINUE_RE = re.compile(r'href="/r/([^"]+)">Continue this response<')


def _responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Response.id)))


def test_the_introduction_offers_the_response_this_browser_started(app, client):
    assert "Continue this response" not in client.get(INTRO).get_data(as_text=True)
    respondent = Respondent(client)
    token = respondent.start()
    assert respondent.save("profile", PROFILE, action="save").status_code == 303
    # The tab is closed; the respondent comes back to the questionnaire's page.
    page = client.get(INTRO).get_data(as_text=True)
    assert "You already opened a response on this browser" in page
    assert CONTINUE_RE.search(page).group(1) == token
    assert "last saved on" in page
    assert "Start” below makes a new, empty response" in page
    assert client.get(f"/r/{token}").status_code == 302  # the link still opens it
    assert _responses(app) == 1
    # Another browser is offered nothing.
    assert "Continue this response" not in app.test_client().get(INTRO).get_data(as_text=True)
    # Nor is the other questionnaire's page.
    other = client.get("/questionnaires/partners").get_data(as_text=True)
    assert "Continue this response" not in other


def test_a_link_opened_from_a_colleague_is_offered_too_and_a_submitted_one_says_so(app, client):
    colleague = Respondent(app.test_client())
    token = colleague.start()
    fill_required(colleague)
    assert colleague.submit().status_code == 303
    client.get(f"/r/{token}")  # the link passed on by e-mail, opened here
    page = client.get(INTRO).get_data(as_text=True)
    assert CONTINUE_RE.search(page).group(1) == token
    assert "It was submitted; its answers were last changed on" in page


def test_a_shared_computer_can_forget_it(app, client):
    token = Respondent(client).start()
    page = client.get(INTRO).get_data(as_text=True)
    forgot = client.post(
        "/questionnaires/local-governments/forget-here", data={"csrf_token": csrf_token(page)}
    )
    assert forgot.status_code == 303 and forgot.location.endswith(INTRO)
    assert "Continue this response" not in client.get(INTRO).get_data(as_text=True)
    assert client.get(f"/r/{token}").status_code == 302  # the response itself stays


def test_a_replaced_link_or_an_old_memory_is_not_offered(app, client, monkeypatch):
    from consult.staff import invitations

    token = Respondent(client).start()
    real = fernet_module.time.time
    monkeypatch.setattr(
        fernet_module.time, "time", lambda: real() + timedelta(days=31).total_seconds()
    )
    assert "Continue this response" not in client.get(INTRO).get_data(as_text=True)
    monkeypatch.setattr(fernet_module.time, "time", real)
    client.get(f"/r/{token}")
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()
    assert "Continue this response" not in client.get(INTRO).get_data(as_text=True)


def test_the_introduction_with_a_link_is_never_stored_by_a_cache(app, client):
    Respondent(client).start()
    reply = client.get(INTRO)
    assert "Continue this response" in reply.get_data(as_text=True)
    assert "no-store" in reply.headers.get("Cache-Control", "") or "private" in reply.headers.get(
        "Cache-Control", ""
    )
