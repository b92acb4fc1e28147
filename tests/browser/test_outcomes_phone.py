"""Every public and staff outcomes page on a 390 x 844 phone, in English, French and Spanish:
nothing wider than the screen, and the Charter ratings table readable without scrolling
sideways (one card per row), still a table for screen readers."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import outcomes_app, sign_in  # noqa: F401 - fixture

PHONE = {"width": 390, "height": 844}
WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
#: Elements reaching past the screen's right edge (for the failure message).
WIDE = (
    "() => Array.from(document.querySelectorAll('main *'))"
    ".filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll'))"
    ".slice(0, 4)"
    ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
)

#: Every GET route of the outcome blueprints and the Charter, with the page walked for it, or
#: why it is not a page to read on a phone.
ROUTES = {
    "outcomes_public.index": "/outcomes",
    "charter.index": "/charter",
    "charter.article": "/charter/art{n:02d}",
    "outcomes.summary": "/staff/outcomes/",
    "outcomes.snapshots": "/staff/outcomes/snapshots",
    "outcomes.snapshot": "/staff/outcomes/snapshots/1",
    "outcomes.crosstab_page": (
        "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers"
    ),
    "outcomes.dashboard": "/staff/outcomes/dashboard",
    "outcomes.quotes": "/staff/outcomes/quotes",
    "outcomes.rows": "/staff/outcomes/rows?questionnaire=local-governments&question=barriers",
    "outcomes_deck.settings": "/staff/outcomes/1/deck/closing",
    # Not pages: files.
    "outcomes_public.figure": None,
    "charter.outcomes_table": None,
    "outcomes.figure": None,
    "outcomes.snapshot_json": None,
    "outcomes_deck.pdf": None,
    "outcomes_deck.pptx": None,
    # Slides of a fixed 16:9 frame, for a projector (their legibility has its own tests).
    "outcomes.deck": None,
    "outcomes_deck.presenter": None,
}
#: Filtered views, so that the filter coverage table is walked too.
EXTRA = [
    "/staff/outcomes/?answer=charter_2011_adopted:yes&region=europe",
    "/staff/outcomes/snapshots?respondent_type=municipality",
]


def test_every_outcomes_route_is_walked_or_is_not_a_page(app):
    rules = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("outcomes", "charter.")) and "GET" in rule.methods
    }
    assert rules == set(ROUTES)


def test_no_outcomes_page_is_wider_than_a_phone(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(90_000)  # the first summary of 400 responses, on a busy machine
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    paths = [p for p in ROUTES.values() if p and "{n" not in p] + EXTRA
    paths += [f"/charter/art{n:02d}" for n in range(1, 13)]
    too_wide: dict[str, tuple] = {}
    for language in ("en", "fr", "es"):
        page.goto(f"{server.url}/?lang={language}")
        for path in paths:
            page.goto(server.url + path)
            width = page.evaluate(WIDTH)
            if width > PHONE["width"]:
                too_wide[f"{language} {path}"] = (width, page.evaluate(WIDE))
            if path.startswith("/charter/art"):
                # The ratings: one card per row, nothing scrolls inside it either.
                table = page.locator("table.ratings-table")
                if table.count():
                    box = table.bounding_box()
                    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], path
                    inner = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
                    assert inner[0] <= inner[1] + 1, (language, path, inner)
        page.goto(f"{server.url}/charter/art01")
        page.locator("section.ratings").scroll_into_view_if_needed()
        screenshot(page, f"charter-ratings-phone-{language}", full_page=False)
    # The public article heat map: each cell of its table states the base it rests on, or
    # that it is withheld although enough answered (a smaller group would show through).
    page.goto(f"{server.url}/outcomes?lang=fr")
    bases = page.locator("figure.heat-figure table tbody td").evaluate_all(
        "cells => cells.map(c => { const b = c.querySelector('.cell-base');"
        " return b && b.getBoundingClientRect().height > 0 ? b.textContent : ''; })"
    )
    stated = re.compile(r"n (= [\d\u202f ]+\*?|< 5)|non affiché")
    assert bases and all(stated.fullmatch(b) for b in bases), bases
    page.locator("figure.heat-figure .table-scroll").scroll_into_view_if_needed()
    screenshot(page, "outcomes-heat-bases-phone-fr", full_page=False)
    page.goto(server.url + EXTRA[0])
    page.locator("table.filter-coverage").scroll_into_view_if_needed()
    screenshot(page, "outcomes-filter-coverage-phone-es", full_page=False)
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())
    # The stacked ratings are still a table, with headers, for a screen reader.
    page.goto(f"{server.url}/charter/art01?lang=en")
    roles = page.locator("table.ratings-table").evaluate(
        "t => [t.getAttribute('role'), t.querySelectorAll('[role=columnheader]').length,"
        " t.querySelectorAll('[role=rowheader]').length]"
    )
    assert roles[0] == "table" and roles[1] >= 6 and roles[2] >= 1
    assert serious_accessibility_violations(page) == []
    # On a desktop it is a plain table again.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server.url}/charter/art01?lang=fr")
    page.locator("section.ratings").scroll_into_view_if_needed()
    assert page.locator("table.ratings-table thead").is_visible()
    screenshot(page, "charter-ratings-desktop-fr", full_page=False)
