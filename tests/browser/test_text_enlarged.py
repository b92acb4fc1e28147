"""Text enlarged to 200 % on a 390 px phone (Android's text scaling, a browser's minimum font
size: WCAG 1.4.4 and 1.4.10): no public or respondent page scrolls sideways.

The root font size is doubled after each page loads; every grid or flex track of the
stylesheets that has a minimum width in rem then doubles with it, so each such minimum must
give way to the screen (``minmax(min(16rem, 100%), 1fr)``, as ``.figure-grid`` does). A static
check reads every stylesheet for a minimum that does not; the walk measures the pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult.db import db
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_phone import _public_pages
from tests.campaign.movement_data import add_movement

DOUBLED = "html { font-size: 200% !important; }"
WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
#: What reaches past the screen's right edge outside a scrolling box (for the failure message).
WIDE = (
    "(width) => Array.from(document.querySelectorAll('body *'))"
    ".filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))"
    ".slice(0, 3)"
    ".map(e => e.tagName + '.' + e.className)"
)
STYLESHEETS = Path(__file__).resolve().parents[2] / "static" / "css"
#: A grid track's fixed minimum that does not give way to a narrow screen: minmax(12rem, …).
FIXED_MINIMUM = re.compile(r"minmax\(\s*(?!min\()(?!0[,\s])[0-9.]+(?:rem|em|px)")
#: Fixed minimums that stay, each with why.
KEPT = {
    "minmax(10rem": "the matrix's two columns, only from 48rem of screen (the phone stacks them)",
}


def test_no_grid_track_of_any_stylesheet_has_a_minimum_wider_than_a_phone():
    found = []
    for sheet in sorted(STYLESHEETS.glob("*.css")):
        for number, line in enumerate(sheet.read_text().splitlines(), 1):
            for match in FIXED_MINIMUM.finditer(line):
                if match.group(0).replace(" ", "") not in KEPT:
                    found.append(f"{sheet.name}:{number}: {match.group(0)}")
    assert found == []


@pytest.fixture
def enlarged_server(app, serve):
    """Published contributions and a campaign with signatories, served."""
    from consult.contributions import operations

    with app.app_context():
        pledges = add_movement(db.session)
        contribution, _token = operations.create_contribution(
            db.session, text="Housing first.", kind="comment", language="en",
            organisation_type="academia",
        )  # fmt: skip
        operations.publish(db.session, contribution)
        db.session.commit()
        signatory = pledges["Grigny"].id
    server = serve(app)
    server.signatory = signatory
    return server


#: The pages the report measured (last path segment -> screenshot name, the grid to show).
SHOWN = {
    "revision": ("revision", ".choices.columns"),
    "new": ("contribution", ".choices.columns"),
    "campaign": ("campaign", ".milestones"),
}


def test_no_page_scrolls_sideways_with_text_at_200_percent(app, enlarged_server, new_context):
    base = enlarged_server.url
    # The CSS is added after each page loads, as a phone's text setting would act; the page's
    # Content-Security-Policy would refuse it (the test's own, not the site's).
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_navigation_timeout(60_000)
    paths = _public_pages(app, base, page)
    paths += [
        "/campaign",
        "/campaign/join",
        "/campaign/lost-link",
        f"/campaign/signatories/{enlarged_server.signatory}",
        "/questionnaires/local-governments/lost-link",
    ]
    too_wide: dict[str, tuple] = {}
    for language in ("en", "fr", "es"):
        page.goto(f"{base}/?lang={language}")
        for path in paths:
            page.goto(base + path)
            page.add_style_tag(content=DOUBLED)
            width = page.evaluate(WIDTH)
            if width > PHONE["width"]:
                too_wide[f"{language} {path}"] = (width, page.evaluate(WIDE, PHONE["width"]))
            shown = SHOWN.get(path.rsplit("/", 1)[-1]) if language == "fr" else None
            if shown:
                # Looked at: the grid the report found scrolling sideways, in sight.
                page.locator(shown[1]).first.scroll_into_view_if_needed()
                screenshot(page, f"text-200-fr-{shown[0]}", full_page=False)
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())
