"""From the local-governments questionnaire to the join form: the receipt (page and e-mail)
offers it to a respondent who wishes to join, filled with the institution's profile, and the
pledge it makes is linked to the response."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.campaign import prefill
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
    return respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)


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
    # The receipt now says a pledge exists, and still offers the form (see below).
    again = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert "already linked" in again and JOIN_LINK.search(again)


def test_other_answers_get_no_offer_and_unknown_links_are_404(app, respondent, client):
    receipt = _respond(respondent, "not_at_this_stage")
    assert not JOIN_LINK.search(receipt)
    assert client.get("/campaign/join/from/" + "x" * 32).status_code == 404


def _linked(app) -> list[int | None]:
    with app.app_context():
        return list(db.session.scalars(select(Pledge.response_id).order_by(Pledge.id)))


def test_only_the_response_s_own_link_proves_a_pledge_s_link(app, respondent, respondent_factory):
    """The one place that links a pledge to a response, on a table of what a form can carry."""
    receipt = _respond(respondent, "wish_to_join")
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', receipt).group(1)
    draft = respondent_factory(app.test_client())
    draft.start()
    partner = respondent_factory(app.test_client(), questionnaire="partners")
    partner.start()
    with app.test_request_context():
        own = db.session.scalars(select(Response.id).where(Response.status == "submitted")).one()
        cases = [
            (None, None),
            ("", None),
            (number, None),  # printed on the receipt page, its e-mail and PDF: no proof
            (number.lower(), None),
            (f" {number} ", None),
            ("x" * 32, None),
            (draft.token, None),  # a draft is not a response to join from
            (partner.token, None),  # another questionnaire
            (respondent.token, own),  # the holder of the personal link
        ]
        assert [prefill.proven_response_id(given) for given, _id in cases] == [
            expected for _given, expected in cases
        ]


@pytest.mark.parametrize("field", ["receipt_number", "response_token"])
@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_a_receipt_number_takes_nothing_from_the_respondent(app, respondent, field, case):
    """A stranger who read the receipt number joins with it, by the join form and by their own
    pledge's update: no link, no word of whether the number exists, and the respondent's receipt
    still offers the form, saying nothing of the stranger's pledge."""
    receipt = _respond(respondent, "wish_to_join")
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', receipt).group(1)
    client = app.test_client()
    stranger = Institution(client)
    made = stranger.send(
        upload=letter(),
        action="draft",
        contact_email="mallory@example.net",
        **{field: case(number)},
    )
    unknown = Institution(client).send(  # another institution: its own pledge
        upload=letter(),
        action="draft",
        institution_name="Ville d'Évry",
        **{field: case("LG-NOPE-NOPE")},
    )
    if field == "response_token":
        # Told that the link it carried is not known, in the same words for both: no oracle.
        assert made.status_code == unknown.status_code == 409
        notice = re.compile(
            r'<div class="notice warning" role="alert" id="dead-response-link">.*?</div>', re.S
        )
        assert notice.search(made.get_data(as_text=True)).group(0) == notice.search(
            unknown.get_data(as_text=True)
        ).group(0)
        # Sent again as it is (the form no longer carries it): joined, unlinked.
        made = stranger.send(upload=letter(), action="draft", contact_email="mallory@example.net")
        unknown = Institution(client).send(
            upload=letter(), action="draft", institution_name="Ville d'Évry"
        )
    assert made.status_code == unknown.status_code == 303  # the same answer: no oracle
    assert "receipt number" not in client.get(made.location).get_data(as_text=True)
    edit_csrf, revision, _page = stranger.edit_page()
    assert (
        stranger.edit((edit_csrf, revision), action="draft", **{field: case(number)}).status_code
        == 303
    )
    assert _linked(app) == [None, None]
    page = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert JOIN_LINK.search(page) and "already linked" not in page


def test_a_linked_pledge_leaves_the_way_to_join_open(app, respondent):
    """Even a pledge linked before links needed a proof (or one whose link was lost)."""
    _respond(respondent, "wish_to_join")
    Institution(respondent.client).join()
    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        pledge.response_id = db.session.scalars(select(Response.id)).one()
        db.session.commit()
    page = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert "already linked" in page and "you can still join" in page
    assert JOIN_LINK.search(page)
