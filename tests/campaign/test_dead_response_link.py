"""A join form that carries a link to a response which no longer proves it (replaced since the
form was opened, or never one) is never sent without it silently: the form comes back (409)
with everything typed, saying what happened in the person's language, with the way to the new
link; sent again as it is, it joins unlinked, knowingly."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult.campaign import prefill
from consult.campaign.models import Pledge
from consult.db import db, writing
from consult.questionnaires.models import Response
from consult.staff import invitations
from tests.campaign.conftest import Institution, letter
from tests.campaign.test_from_questionnaire import JOIN_LINK, _respond
from tests.conftest import csrf_token

RESPONSE_TOKEN_RE = re.compile(r'<input[^>]*name="response_token"[^>]*value="([^"]*)"')
SAID = {
    "replaced": {
        "en": "was replaced by a newer one after the form was opened",
        "fr": "a été remplacé par un nouveau après l'ouverture du formulaire",
        "es": "fue sustituido por uno nuevo después de abrir el formulario",
    },
    "unknown": {
        "en": "that this form carried is not known",
        "fr": "que portait ce formulaire est inconnu",
        "es": "que llevaba este formulario no es conocido",
    },
}


def _replace_link(app, token: str) -> None:
    """Someone asks for the response's link again ("Lost your link?"): the old one retires."""
    from consult.questionnaires.operations import find_response

    with app.app_context(), writing():
        response = find_response(db.session, token)
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.commit()


def _pledges(app) -> list[int | None]:
    with app.app_context():
        return list(db.session.scalars(select(Pledge.response_id).order_by(Pledge.id)))


def test_the_one_place_names_what_a_carried_link_is_worth(app, respondent, respondent_factory):
    """prefill.response_link on a table of what a join form can carry."""
    receipt = _respond(respondent, "wish_to_join")
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', receipt).group(1)
    draft = respondent_factory(app.test_client())
    draft.start()
    old = respondent.token
    _replace_link(app, old)
    with app.test_request_context():
        cases = [
            (None, "none"),
            ("", "none"),
            ("   ", "none"),
            (old, "replaced"),
            (number, "unknown"),  # a receipt number proves nothing, and says nothing
            ("x" * 32, "unknown"),
            (draft.token, "unknown"),  # a draft is not a response to join from
        ]
        assert [prefill.response_link(given).state for given, _s in cases] == [
            state for _given, state in cases
        ]
        assert prefill.response_link(old).response_id is None


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("case", ["replaced", "unknown"])
@pytest.mark.parametrize("action", ["submit", "draft"])
def test_a_join_form_with_a_dead_link_says_so_and_keeps_everything(
    app, respondent, case, action, language
):
    _respond(respondent, "wish_to_join")
    opened = respondent.client.get(f"/campaign/join/from/{respondent.token}?lang={language}")
    page = opened.get_data(as_text=True)
    carried = RESPONSE_TOKEN_RE.search(page).group(1)
    if case == "replaced":
        _replace_link(app, carried)
    else:
        carried = "y" * 32
    institution = Institution(respondent.client)
    pledge_token = re.search(r'name="pledge_token"[^>]*value="([^"]+)"', page).group(1)
    reply = institution.send(
        (csrf_token(page), pledge_token),
        upload=letter(),
        action=action,
        response_token=carried,
        institution_name="Ciudad de México, typed",
        own_commitment="Our own words, kept.",
    )
    answer = reply.get_data(as_text=True)
    assert reply.status_code == 409, answer
    assert SAID[case][language] in answer
    assert "Ciudad de México, typed" in answer and "Our own words, kept." in answer
    assert 'href="/questionnaires/local-governments/lost-link"' in answer
    assert RESPONSE_TOKEN_RE.search(answer).group(1) == ""  # the dead link is not sent again
    assert "lettre.pdf" in answer  # the letter accepted waits for the next send
    assert _pledges(app) == []
    # Sent again as it is, knowingly: it joins, not linked.
    again = institution.send(
        (csrf_token(answer), pledge_token),
        action=action,
        response_token="",
        institution_name="Ciudad de México, typed",
    )
    assert again.status_code == 303, again.get_data(as_text=True)
    assert _pledges(app) == [None]


def test_a_live_link_still_links_and_no_link_still_joins(app, respondent):
    receipt = _respond(respondent, "wish_to_join")
    page = respondent.client.get(JOIN_LINK.search(receipt).group(1)).get_data(as_text=True)
    institution = Institution(respondent.client)
    pledge_token = re.search(r'name="pledge_token"[^>]*value="([^"]+)"', page).group(1)
    linked = institution.send(
        (csrf_token(page), pledge_token),
        upload=letter(),
        response_token=RESPONSE_TOKEN_RE.search(page).group(1),
    )
    assert linked.status_code == 303
    assert Institution(app.test_client()).send(upload=letter()).status_code == 303
    with app.app_context():
        own = db.session.scalar(select(func.min(Response.id)))
    assert _pledges(app) == [own, None]
