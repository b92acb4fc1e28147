"""The join form sent again continues its pledge with what was sent now.

A phone that lost the reply to "Save a draft" then pressed "Send our pledge"; "Save a draft",
Back, Send: one pledge, holding the name, the send and the letter of the last post, never a
second one and never a silent drop. The signatory's name is not a secret: the browser may
restore it (no autocomplete="off").
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.campaign.models import Pledge
from consult.db import db
from tests.campaign.conftest import letter


def _pledges(app) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        return [
            (p.status, p.signatory_name, p.institution_name, len(p.letters))
            for p in db.session.scalars(select(Pledge).order_by(Pledge.id))
        ]


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # the reply to "Save a draft" lost, then "Send" with a new name and the letter
        (
            {"action": "submit", "signatory_name": "Awa Rio", "upload": True},
            ("submitted", "Awa Rio", "Ville de Grigny", 1),
        ),
        # saved again with a change: the change is kept, still a draft
        (
            {"action": "draft", "institution_name": "Grigny"},
            ("draft", "Philippe Rio", "Grigny", 0),
        ),
        # the same draft sent twice (a double click): one draft, unchanged
        ({"action": "draft"}, ("draft", "Philippe Rio", "Ville de Grigny", 0)),
    ],
)
def test_a_second_post_of_the_join_form_continues_its_pledge(app, institution, second, expected):
    form = institution.open()[:2]
    assert institution.send(form, action="draft").status_code == 303
    upload = letter() if second.pop("upload", False) else None
    again = institution.send(form, upload=upload, **second)
    assert again.status_code == 303, again.get_data(as_text=True)
    assert again.location.startswith(f"/campaign/pledge/{institution.token}")
    assert _pledges(app) == [expected]


def test_save_a_draft_back_then_send_makes_one_pledge(app, institution):
    csrf, token, _page = institution.open()
    assert institution.send((csrf, token), action="draft").status_code == 303
    # Back: the browser asks for the join form again (never cached: a new form, a new token);
    # sent for the same institution, it continues the draft.
    _csrf, again_token, page = institution.open()
    assert again_token != token and "You saved a draft for Ville de Grigny" in page
    sent = institution.send((csrf, again_token), upload=letter(), signatory_name="Awa Rio")
    assert sent.status_code == 303 and sent.location.startswith(f"/campaign/pledge/{token}")
    assert _pledges(app) == [("submitted", "Awa Rio", "Ville de Grigny", 1)]
    # Sent: the browser forgets the draft; a new form is a new pledge again.
    assert "You saved a draft" not in institution.open()[2]


def test_another_institution_from_the_same_browser_makes_its_own_pledge(app, institution):
    assert institution.send(action="draft").status_code == 303
    assert institution.send(action="draft", institution_name="Ville d'Évry").status_code == 303
    assert [name for _s, _n, name, _l in _pledges(app)] == ["Ville de Grigny", "Ville d'Évry"]


def test_a_draft_changed_through_its_link_since_is_not_overwritten(app, institution):
    form = institution.open()[:2]
    assert institution.send(form, action="draft").status_code == 303
    assert institution.edit(contact_phone="+33 1 00 00 00 00").status_code == 303
    stale = institution.send(form, action="draft", signatory_name="Someone Else")
    assert stale.status_code == 409
    assert _pledges(app) == [("draft", "Philippe Rio", "Ville de Grigny", 0)]


def test_the_signatory_name_may_be_restored_by_the_browser(client):
    page = client.get("/campaign/join").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="signatory_name"[^>]*>', page).group(0)
    assert "autocomplete" not in field
