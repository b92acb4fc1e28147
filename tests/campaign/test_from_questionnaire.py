"""From the local-governments questionnaire to the join form: the receipt (page and e-mail)
offers it to a respondent who wishes to join, filled with the institution's profile, and the
pledge it makes is linked to the response."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult.campaign.models import Pledge
from consult.db import db
from consult.mail.models import OutboxMessage
from consult.questionnaires.models import Response
from tests.campaign.conftest import Institution, letter
from tests.conftest import csrf_token
from tests.questionnaires.test_respond import fill_required

JOIN_LINK = re.compile(r'href="(/campaign/join/from/[^"]+)"')


def _respond(respondent, interest: str, **review_fields: str) -> str:
    respondent.start()
    fill_required(respondent)
    assert respondent.save("movement", {"q.campaign_interest": interest}).status_code == 303
    page = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    reply = respondent.client.post(
        f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(page), **review_fields}
    )
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return respondent.client.get(reply.location).get_data(as_text=True)


def test_a_respondent_who_wishes_to_join_gets_the_prefilled_form(app, respondent):
    receipt = _respond(
        respondent, "wish_to_join", **{"mail.receipt_email": "derechos@cdmx.example.mx"}
    )
    link = JOIN_LINK.search(receipt).group(1)
    with app.app_context():
        mail = db.session.scalars(select(OutboxMessage)).one()
        assert link in mail.body_text and link in mail.body_html
    form = respondent.client.get(link)
    assert form.headers["Cache-Control"] == "no-store"
    page = form.get_data(as_text=True)
    assert 'value="Ciudad de México"' in page
    assert '<option value="MX" data-region="latin_america" selected>' in page
    assert 'value="metropolis" checked' in page
    assert '<option value="over_5m" selected>' in page
    institution = Institution(respondent.client)
    token = re.search(r'name="pledge_token"[^>]*value="([^"]+)"', page).group(1)
    response_token = re.search(r'name="response_token"[^>]*value="([^"]+)"', page).group(1)
    reply = institution.send(
        (csrf_token(page), token),
        upload=letter(),
        response_token=response_token,
        institution_name="Ciudad de México",
        country="MX",
        level="metropolis",
    )
    assert reply.status_code == 303
    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        response = db.session.scalars(select(Response)).one()
        assert pledge.response_id == response.id
    # The receipt now says a pledge exists, and offers no second one.
    again = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert "already linked" in again and not JOIN_LINK.search(again)


def test_other_answers_get_no_offer_and_unknown_links_are_404(app, respondent, client):
    receipt = _respond(respondent, "not_at_this_stage")
    assert not JOIN_LINK.search(receipt)
    assert client.get("/campaign/join/from/" + "x" * 32).status_code == 404


def test_a_pledge_links_a_response_by_its_receipt_number(app, respondent):
    receipt = _respond(respondent, "need_information")
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', receipt).group(1)
    institution = Institution(respondent.client)
    assert institution.join(receipt_number=number.lower())
    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        assert pledge.response_id == db.session.scalars(select(Response.id)).one()
