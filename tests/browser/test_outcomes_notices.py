"""The workbench's small notices where they are hardest to read: the public cross-tabulation's
"withheld" notice and its questionnaire-named selects, the article heat map's "not shown"
cells, and the note of a chart that draws only the first entries of a long list, on a
390 x 844 phone in French and Spanish and on a desktop: inside the screen, whole, legible."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Response
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import outcomes_app, sign_in  # noqa: F401 - fixture

LG = "local-governments"
DESKTOP = {"width": 1280, "height": 900}
#: Elements of the main column reaching past the screen's right edge, outside scroll regions.
WIDE = (
    "(width) => Array.from(document.querySelectorAll('main *'))"
    ".filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))"
    ".slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"
)
#: Text cut off inside its own box (a select's chosen option, a cell).
CLIPPED = (
    "(selector) => Array.from(document.querySelectorAll(selector))"
    ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => (e.textContent || '').slice(0, 40))"
)
WITHHELD = {
    "en": "Not shown: the public outcomes withhold",
    "fr": "Non affiché\u00a0: les résultats publics",
    "es": "No se muestra: los resultados públicos",
}


def _quiet_day(app) -> str:
    """A day on which 1 to 4 local governments responded: the public view of that day
    withholds the questionnaire, so a cross-tabulation of it is withheld whole."""
    with app.app_context():
        moments = db.session.scalars(
            select(Response.submitted_at).where(
                Response.status == "submitted", Response.questionnaire_key == LG
            )
        ).all()
    per_day = Counter(moment.date().isoformat() for moment in moments)
    return next(day for day, n in sorted(per_day.items()) if 0 < n < 5)


def test_the_notices_on_a_phone_and_a_desktop(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    day = _quiet_day(outcomes_app)
    crosstab = (
        f"/staff/outcomes/crosstab?public=1&from={day}&to={day}"
        f"&rows={LG}:charter_2011_adopted&columns={LG}:barriers"
    )
    for language, viewport in (("fr", PHONE), ("es", PHONE), ("en", DESKTOP)):
        phone = viewport is PHONE
        context = new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.set_default_timeout(90000)
        sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
        width = viewport["width"]
        where = "phone" if phone else "desktop"
        # The withheld cross-tabulation: its notice whole, its selects inside the screen.
        page.goto(f"{server.url}{crosstab}&lang={language}")
        notice = page.locator(".crosstab-withheld")
        assert WITHHELD[language] in notice.inner_text()
        assert page.evaluate(WIDE, width) == []
        assert page.evaluate(CLIPPED, ".crosstab-withheld p") == []
        for chooser in ("#ct-rows", "#ct-columns"):
            box = page.locator(chooser).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, chooser
        screenshot(page, f"outcomes-crosstab-selects-{language}-{where}", full_page=False)
        notice.scroll_into_view_if_needed()
        screenshot(page, f"outcomes-crosstab-withheld-{language}-{where}", full_page=False)
        assert serious_accessibility_violations(page) == []
        # The heat map's cells: each figure with its base, whole, in a table that scrolls.
        page.goto(f"{server.url}/outcomes?lang={language}")
        table = page.locator(".heat-figure .table-scroll").first
        table.evaluate("e => e.scrollIntoView({block: 'start'})")
        assert page.evaluate(CLIPPED, ".heat-figure td .cell-base") == []
        assert page.evaluate(WIDE, width) == []
        cells = page.locator(".heat-figure td .cell-base").all_inner_texts()
        assert cells and all(len(text.split()) <= 3 for text in cells), cells
        screenshot(page, f"outcomes-heat-table-{language}-{where}", full_page=False)
        # A cut chart's note: text under the drawing, as legible as the page's own text.
        page.goto(f"{server.url}/staff/outcomes/?lang={language}")
        note = page.locator(".chart-note-text").first
        note.scroll_into_view_if_needed()
        size = note.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert note.is_visible() and size >= 14, size
        assert page.locator("svg.chart .chart-note").first.is_hidden()
        screenshot(page, f"outcomes-cut-chart-note-{language}-{where}", full_page=False)
        context.close()
