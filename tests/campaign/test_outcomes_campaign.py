"""The campaign in the first outcomes: frozen with the snapshot, on the deck and the public page,
and re-derivable from the campaign export."""

from __future__ import annotations

import json
from datetime import date

import pytest

from consult.campaign import movement
from consult.db import db
from consult.outcomes import operations
from consult.outcomes.models import OutcomeSnapshot
from tests.campaign.movement_data import OPTIONS, add_movement
from tests.campaign.test_public_movement import _export, _records_from_csv
from tests.outcomes.test_pages import freeze, publish


@pytest.fixture
def frozen(app, login):
    """The movement, frozen and published by an admin; then one more institution verified."""
    with app.app_context():
        pledges = add_movement(db.session)
        db.session.commit()
        dakar = pledges["Ville de Dakar"].id
    admin = login(app.test_client(), "admin")
    # The campaign alone, no response yet: the freeze confirms it holds none.
    assert freeze(admin, empty="yes").status_code == 302
    assert publish(admin, 1, narrower="yes").status_code == 302
    with app.app_context():
        from consult.campaign.models import Pledge

        late = db.session.get(Pledge, dakar)
        late.status, late.joined_on = "verified", date.today()
        db.session.commit()
    return admin


def _frozen_campaign(app):
    with app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        return operations.snapshot_summary(snapshot)["campaign"]


def test_the_snapshot_freezes_the_campaign_figures(app, frozen):
    campaign = _frozen_campaign(app)
    assert campaign["total"] == 7 and campaign["pioneers"] == 6
    regions = {"europe": 4, "africa": 1, "asia_pacific": 1, "latin_america": 1}
    assert campaign["by_region"] == regions
    assert campaign["milestones"][0] == {"target": 10, "reached_on": None}
    assert campaign["labels"]["local_charter"]["es"] == OPTIONS["local_charter"][2]
    # The live page has moved on; the frozen figures have not.
    live = app.test_client().get("/campaign?lang=en").get_data(as_text=True)
    assert '<span class="big-number">8</span>' in live
    assert _frozen_campaign(app)["total"] == 7


#: What the public section says, by language (one freeze serves the three).
SECTION_WORDS = {
    "en": ["7 cities and territories had joined", "Commitments chosen most"],
    "fr": ["7 villes et territoires avaient adhéré", "Engagements les plus choisis"],
    "es": ["7 ciudades y territorios se habían adherido", "Compromisos más elegidos"],
}


def test_the_public_outcomes_page_shows_the_frozen_campaign(app, frozen):
    for index, (language, words) in enumerate(SECTION_WORDS.items()):
        html = app.test_client().get(f"/outcomes?lang={language}").get_data(as_text=True)
        for word in words:
            assert word in html, language
        assert OPTIONS["local_charter"][index] in html, language


def test_the_deck_has_a_campaign_slide_with_its_notes(app, frozen):
    for index, language in enumerate(("en", "fr", "es")):
        deck = frozen.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
        slide = deck.split('data-slide="campaign"', 1)[1].split("</section>", 1)[0]
        assert "<strong>4</strong>" in slide  # Europe, the region with most signatories
        assert ">7 " in slide.split("</h2>", 1)[0]  # the total, in the title
        assert OPTIONS["local_charter"][index] in slide
        # The closing slide stays last.
        assert deck.rindex('data-slide="closing"') > deck.index('data-slide="campaign"')
        presenter = frozen.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
        assert presenter.status_code == 200
        notes = presenter.get_data(as_text=True)
        assert OPTIONS["local_charter"][index] in notes  # the notes name the first commitment


def test_the_pptx_carries_the_campaign_slide(app, frozen):
    from io import BytesIO

    from pptx import Presentation

    body = frozen.get("/staff/outcomes/1/deck.pptx?lang=en").data
    texts = [
        shape.text_frame.text
        for slide in Presentation(BytesIO(body)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert any("7 cities and territories have joined" in text for text in texts)


def test_the_frozen_figures_are_rederived_from_the_export(app, frozen, runner, tmp_path):
    campaign = _frozen_campaign(app)
    records, keys = _records_from_csv(_export(runner, tmp_path, "csv"))
    assert len(records) == 8  # the export is live
    counted = [r for r in records if r.pledge_id in set(campaign["pledge_ids"])]
    rederived = movement.figures(counted, keys)
    assert rederived == {
        key: value
        for key, value in campaign.items()
        if key not in ("labels", "pledge_ids", "as_of")
    }
    # The pledge ids are exactly those verified by the snapshot's day.
    by_day = [r.pledge_id for r in records if r.joined_on.isoformat() <= campaign["as_of"]]
    assert (
        sorted(by_day) == sorted(campaign["pledge_ids"])
        or date.today().isoformat() == (campaign["as_of"])
    )
    json.dumps(campaign)  # frozen as plain JSON


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "4 December 2026"), ("fr", "4 décembre 2026"), ("es", "4 de diciembre de 2026")],
)
def test_the_campaign_slide_writes_days_as_the_rest_of_the_deck(app, language, written):
    """The deck's sentences write a month whole; the campaign slide said "4 Dec 2026"."""
    from consult.outcomes.deck_campaign import campaign_view

    frozen = {
        "total": 12,
        "countries": 5,
        "pioneers": 6,
        "as_of": "2026-12-04",
        "by_region": {},
        "labels": {},
        "commitments": {},
        "milestones": [{"target": 10, "reached_on": "2026-12-04"}],
    }
    with app.test_request_context(f"/?lang={language}"):
        view = campaign_view({"campaign": frozen}, {})
    assert view["as_of"] == written
    assert view["milestones"][0]["reached_on"] == written
