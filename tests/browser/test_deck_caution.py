"""The caution of a deck that publishing would refuse (deck_guard), in a real browser: visible
above the slides, in the presenter view and beside the snapshot page's deck links, on a laptop
and a phone, without serious axe violations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from consult.db import db, writing
from consult.outcomes import data, operations
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import sign_in
from tests.outcomes.conftest import fill_demo


def _freeze(app, email: str, label: str, publish: bool) -> int:
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == email))
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(
            db.session, sources, label=label, timezone="Europe/Paris", actor=admin
        )
        if publish:
            operations.publish(db.session, snapshot, admin)
        db.commit()
        return snapshot.id


def test_the_caution_shows_above_the_deck_and_in_the_presenter_view(app, staff, serve, new_context):
    fill_demo(app, 40)
    email = staff("admin")
    _freeze(app, email, "Morning", publish=True)
    fill_demo(app, 2, seed=99)
    close = _freeze(app, email, "Two more", publish=False)
    server = serve(app)
    for name, options, path, text in (
        (
            "deck-caution-fr",
            {"viewport": {"width": 1280, "height": 720}},
            f"/staff/outcomes/{close}/deck?lang=fr",
            "Ne montrez pas cette présentation en public.",
        ),
        (
            "deck-caution-presenter-es-phone",
            {"viewport": PHONE, "is_mobile": True, "has_touch": True},
            f"/staff/outcomes/{close}/deck/presenter?lang=es",
            "No muestre esta presentación en público.",
        ),
    ):
        page = new_context(**options).new_page()
        sign_in(page, server.url, email)
        page.goto(server.url + path)
        caution = page.locator(".deck-caution")
        assert caution.is_visible() and text in caution.inner_text()
        box = caution.bounding_box()  # in view as loaded, across the page's width
        assert box["y"] >= 0 and box["y"] + box["height"] <= options["viewport"]["height"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= options["viewport"]["width"] + 1
        assert serious_accessibility_violations(page) == []
        screenshot(page, name, full_page=False)
    _the_snapshot_page_cautions_next_to_the_deck_links(server, new_context, email, close)


def _the_snapshot_page_cautions_next_to_the_deck_links(server, new_context, email, close):
    """The close snapshot's own page, on a phone in Spanish: the caution right above the deck
    links, and no PowerPoint or PDF link, the reason said instead (same set-up as above)."""
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(60000)  # the snapshot's page, on a busy machine
    sign_in(page, server.url, email)
    page.goto(f"{server.url}/staff/outcomes/snapshots/{close}?lang=es")
    caution = page.locator(".deck-caution")
    offer = page.locator(".deck-offer")
    assert (
        caution.is_visible() and "No muestre esta presentación en público." in caution.inner_text()
    )
    assert caution.bounding_box()["y"] < offer.bounding_box()["y"]
    assert page.locator("a[href*='deck.pptx'], a[href*='deck.pdf']").count() == 0
    assert page.locator(".deck-refused").is_visible()
    caution.scroll_into_view_if_needed()
    for box in (caution.bounding_box(), offer.bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    assert serious_accessibility_violations(page) == []
    screenshot(page, "snapshot-deck-caution-es-phone", full_page=False)
