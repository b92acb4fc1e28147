"""The campaign's public pages in a real browser: desktop and phone, en/fr/es, axe-core clean,
the map usable with the keyboard alone, and the filters without JavaScript."""

from __future__ import annotations

import pytest

from consult.db import db
from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.campaign.movement_data import add_movement

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def movement_server(app, serve):
    with app.app_context():
        pledges = add_movement(db.session)
        db.session.commit()
        grigny = pledges["Grigny"].id
    server = serve(app)
    server.grigny = grigny
    return server


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_campaign_pages_are_accessible_in_three_languages(
    movement_server, new_context, viewport, label
):
    page = new_context(viewport=viewport).new_page()
    for language in ("en", "fr", "es"):
        page.goto(f"{movement_server.url}/campaign?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert accessibility_violations(page) == [], (language, label)
        # Nothing wider than the screen: the map scales, tables scroll inside their box.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (language, label, overflow)
        screenshot(page, f"campaign-{language}-{label}")
        page.goto(f"{movement_server.url}/campaign/signatories/{movement_server.grigny}")
        assert accessibility_violations(page) == [], (language, label, "signatory")
        screenshot(page, f"campaign-signatory-{language}-{label}")


def test_the_map_is_usable_with_the_keyboard_and_without_colour(movement_server, page):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{movement_server.url}/campaign?lang=en")
    links = page.locator("svg.world-map a.map-link")
    assert links.count() == 7
    # Hatched with a pattern, and the count written on the marker: not colour alone.
    fills = page.eval_on_selector_all(
        "svg.world-map .map-signatory", "paths => paths.map(p => getComputedStyle(p).fill)"
    )
    assert fills and all("url(" in fill for fill in fills)
    assert links.first.locator("text").text_content().strip().isdigit()
    # Tab from the top of the page until a country of the map has the focus.
    focused = ""
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.closest('svg.world-map') ? "
            "document.activeElement.getAttribute('aria-label') : ''"
        )
        if focused:
            break
    assert focused.startswith("Austria: 1 signator"), focused
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.querySelector('.map-marker')).strokeWidth"
    )
    assert outline == "3px"  # the focused marker is drawn differently (not only by colour)
    page.keyboard.press("Enter")
    page.wait_for_url("**country=AT**")
    rows = page.locator("table.signatories tbody tr")
    assert rows.count() == 1 and "Vienna" in rows.first.inner_text()
    screenshot(page, "campaign-map-keyboard", full_page=False)


def test_the_filters_work_without_javascript(movement_server, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{movement_server.url}/campaign?lang=fr")
    page.get_by_label("Région de CGLU").select_option("europe")
    page.get_by_label("Niveau de gouvernement").select_option("municipality")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**region=europe**")
    names = page.locator("table.signatories tbody th").all_inner_texts()
    assert sorted(n.replace("Pionnière", "").strip() for n in names) == ["Grigny", "Utrecht"]


def test_the_deck_slide_is_legible(app, login, staff, serve, new_context):
    """The campaign's slide at 1280x720 in three languages: no text under 18 px, nothing
    outside the slide, no two texts overlapping (one freeze serves the three)."""
    from tests.browser.test_deck_legibility import MEASURE, SMALLEST
    from tests.browser.test_outcomes_deck import sign_in
    from tests.outcomes.test_pages import freeze

    with app.app_context():
        add_movement(db.session)
        db.session.commit()
    admin = login(app.test_client(), "admin")
    # The campaign alone, no response yet: the freeze confirms it holds none.
    assert freeze(admin, empty="yes").status_code == 302
    server = serve(app)
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    sign_in(page, server.url, staff("admin"))
    for language in ("en", "fr", "es"):
        page.goto(f"{server.url}/staff/outcomes/1/deck?lang={language}")
        index = page.locator(".slide").evaluate_all(
            "slides => slides.findIndex(s => s.dataset.slide === 'campaign')"
        )
        assert index > 0
        for _ in range(index):
            page.keyboard.press("ArrowRight")
        assert page.locator(".slide.current").get_attribute("data-slide") == "campaign"
        screenshot(page, f"deck-campaign-{language}", full_page=False)
        found = page.evaluate(MEASURE)
        assert found["count"] > 0
        assert found["small"] == [], (language, f"under {SMALLEST} px", found["small"])
        assert found["outside"] == [] and found["overlaps"] == [], (language, found)
