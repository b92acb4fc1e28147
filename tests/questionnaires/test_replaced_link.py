"""A replaced personal link: every /r/<token> route answers 410 with a way forward, and gives
back the text that was just sent (never the stored answers nor the new link)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Response, RetiredLink
from consult.questionnaires.operations import hash_token
from consult.staff import invitations
from tests.conftest import Respondent, csrf_token

TYPED = "Nous <b>travaillons</b> & «partageons»"
STORED = "Stored-answer-never-shown"
#: Routes the walk must find (a new /r/<token> route joins the table by itself).
KNOWN = {
    "questionnaires.resume",
    "questionnaires.page",
    "questionnaires.autosave",
    "questionnaires.review",
    "questionnaires.receipt",
    "printing.response_pdf",
    "mail.email_link",
}


@pytest.fixture
def replaced(app):
    """A partners response with a stored answer whose link a colleague asked for again:
    (the old token, the new token)."""
    respondent = Respondent(app.test_client(), "partners")
    old = respondent.start()
    respondent.save("profile", {"q.organisation_name": STORED}, action="save")
    with app.app_context():
        response = db.session.scalar(select(Response))
        new = invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()
    return old, new


def personal_link_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL with the token left as {token}) of every personal-link route."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/r/<token>"):
            continue
        values = {name: "profile" for name in rule.arguments if name != "token"}
        url = app.url_map.bind("localhost").build(rule.endpoint, {"token": "TOKEN", **values})
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.endpoint, method, url.replace("TOKEN", "{token}")))
    return routes


def test_the_walk_finds_every_personal_link_route(app):
    assert {endpoint for endpoint, _method, _url in personal_link_routes(app)} >= KNOWN


def test_every_personal_link_route_answers_a_replaced_link_with_410_and_the_typed_text(
    app, replaced
):
    old, new = replaced
    client = app.test_client()
    form = csrf_token(client.get("/questionnaires/partners").get_data(as_text=True))
    for endpoint, method, url in personal_link_routes(app):
        data = None
        if method == "POST":
            data = {"csrf_token": form, "q.organisation_name": TYPED, "action": "next"}
        reply = client.open(url.format(token=old), method=method, data=data)
        where = (endpoint, method)
        assert reply.status_code == 410, where
        body = reply.get_data(as_text=True)
        assert new not in body and STORED not in body, where
        if endpoint == "questionnaires.autosave":
            assert reply.is_json and reply.json["replaced"] is True, where
            assert reply.json["lost_link"] == "/questionnaires/partners/lost-link", where
            continue
        assert "This link was replaced by a newer one" in body, where
        assert 'href="/questionnaires/partners/lost-link"' in body, where
        assert 'href="https://www.uclg-cisdp.org"' in body, where
        if method == "POST":
            assert "What you just sent was not saved." in body, where
            assert html.escape(TYPED, quote=False) in body and TYPED not in body, where


def test_the_replaced_link_page_speaks_the_responses_language(app, replaced):
    old, _new = replaced
    with app.app_context():
        db.session.scalar(select(Response)).language = "fr"
        db.session.commit()
    reply = app.test_client().get(f"/r/{old}/s/profile")
    assert reply.status_code == 410
    assert "Ce lien a été remplacé" in reply.get_data(as_text=True)


def test_the_new_link_works_and_an_unknown_link_stays_not_found(app, replaced):
    _old, new = replaced
    client = app.test_client()
    assert client.get(f"/r/{new}/s/profile").status_code == 200
    assert client.get("/r/never-issued-token/s/profile").status_code == 404
    assert client.get("/r/never-issued-token/answers.pdf").status_code == 404


def test_the_old_links_hash_is_kept_and_forgotten_after_the_retention(app, replaced):
    from datetime import timedelta

    from consult.db import utcnow
    from consult.questionnaires.housekeeping import purge_retired_links

    old, _new = replaced
    with app.app_context():
        kept = db.session.scalars(select(RetiredLink)).all()
        assert [r.token_hash for r in kept] == [hash_token(old)]
        assert kept[0].reason == "lost_link"
        assert purge_retired_links(db.session) == 0
        assert purge_retired_links(db.session, now=utcnow() + timedelta(days=400)) == 1
        db.session.commit()
    assert app.test_client().get(f"/r/{old}/s/profile").status_code == 404


def test_a_stale_form_of_a_replaced_link_gets_the_410_page_not_a_500(app, replaced):
    old, _new = replaced
    reply = app.test_client().post(
        f"/r/{old}/s/profile", data={"csrf_token": "expired", "q.organisation_name": TYPED}
    )
    assert reply.status_code == 410
    assert html.escape(TYPED, quote=False) in reply.get_data(as_text=True)


def test_the_way_back_says_the_link_in_use_stops_working_for_colleagues_too(app, replaced):
    """ "Ask for the link again" sends a new link, which ends the one colleagues share: the page
    says so (it said the current link was sent, and colleagues cut each other off unawares)."""
    old, _new = replaced
    page = app.test_client().get(f"/r/{old}").get_data(as_text=True)
    assert "Ask for the link again" in page
    assert "current link" not in page
    assert "the one in use now stops working, also for colleagues who have it" in page
