"""Every chart of the outcomes pages read on a 390 x 844 phone, in English, French and Spanish:
no chart text under 12 CSS px, none overlapping another, none cut at its drawing's edge or out of
its tile or cell, no label cut short with an ellipsis; and the same on a desktop, where a chart
in a column of a grid is as narrow as on a phone."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.browser.test_outcomes_deck import outcomes_app, sign_in  # noqa: F401 - fixture

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("en", "fr", "es")
#: The pages that draw the outcomes' charts: the staff summary, a snapshot, the public page
#: (and the dashboard, which draws the map, the timeline and breakdowns of its own).
PAGES = (
    "/staff/outcomes/",
    "/staff/outcomes/snapshots/1",
    "/outcomes",
    "/staff/outcomes/dashboard",
)
#: Every kind of chart the pages draw (charts.frame's chart-<kind>).
KINDS = {"bars", "stacked", "heat", "line", "map"}
#: The smallest chart text, in CSS pixels.
SMALLEST = 12

#: Every chart shown on the page, and every line of text in it: its rendered size (its font
#: size times the drawing's scale), its box; what is too small, overlaps another text, reaches
#: out of its drawing, out of the tile or cell it is drawn on, or is cut with an ellipsis.
MEASURE = """
() => {
  const found = {charts: [], small: [], overlaps: [], outside: [], cut: [], count: 0};
  for (const svg of document.querySelectorAll('main svg.chart')) {
    if (!svg.checkVisibility()) continue;
    const frame = svg.getBoundingClientRect();
    const name = (svg.querySelector('title') || {}).textContent || '';
    found.charts.push([svg.getAttribute('class'), name.slice(0, 50)]);
    const texts = [];
    for (const text of svg.querySelectorAll('text')) {
      if (!text.checkVisibility()) continue;
      const matrix = text.getScreenCTM();
      const size = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(matrix.a, matrix.b);
      const spans = Array.from(text.querySelectorAll('tspan'));
      for (const part of spans.length ? spans : [text]) {
        const box = part.getBoundingClientRect();
        const label = part.textContent.trim();
        if (!label || box.width < 0.5) continue;
        texts.push({label, size, box, owner: text});
      }
    }
    found.count += texts.length;
    const where = (t) => name.slice(0, 30) + ' | ' + t.label.slice(0, 40);
    for (const t of texts) {
      if (t.size < %SMALLEST% - 0.01) found.small.push([where(t), Math.round(t.size * 10) / 10]);
      if (t.box.left < frame.left - 0.5 || t.box.right > frame.right + 0.5 ||
          t.box.top < frame.top - 0.5 || t.box.bottom > frame.bottom + 0.5) {
        found.outside.push(where(t));
      }
      if (t.label.includes('…')) found.cut.push(where(t));
      // a figure on a shape (a heat-map cell, a region tile) stays inside it
      const group = t.owner.parentElement;
      const shape = group.tagName === 'g' ? group.querySelector(':scope > rect') : null;
      if (shape) {
        const r = shape.getBoundingClientRect();
        const middle = (t.box.top + t.box.bottom) / 2;
        if (t.box.left < r.left - 1 || t.box.right > r.right + 1 || middle < r.top ||
            middle > r.bottom) {
          found.outside.push('(its shape) ' + where(t));
        }
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i], b = texts[j];
        const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        // lines of text may touch; a collision covers a good part of the smaller one
        const smaller = Math.min(a.box.height, b.box.height);
        if (width > 1 && height > 0.3 * smaller) found.overlaps.push([where(a), b.label]);
      }
    }
  }
  return found;
}
""".replace("%SMALLEST%", str(SMALLEST))


def chart_problems(page, where: str) -> tuple[list, set[str], list]:
    """The problems of every chart shown on ``page``, the kinds of chart seen, the charts."""
    found = page.evaluate(MEASURE)
    assert found["count"] > 0, where
    problems = [
        (where, kind, found[kind][:4])
        for kind in ("small", "overlaps", "outside", "cut")
        if found[kind]
    ]
    kinds = {
        name.removeprefix("chart-")
        for classes, _title in found["charts"]
        for name in classes.split()
        if name.startswith("chart-") and name != "chart-narrow"
    }
    return problems, kinds, found["charts"]


def test_every_chart_is_legible_on_a_phone(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(90_000)  # the first summary of 400 responses, on a busy machine
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    problems: list = []
    wide: list = []
    seen: set[str] = set()
    for language in LANGUAGES:
        page.goto(f"{server.url}/?lang={language}")
        for path in PAGES:
            page.goto(server.url + path)
            found, kinds, shown = chart_problems(page, f"{language} {path}")
            problems += found
            seen |= kinds
            # a phone sees each chart's phone drawing
            wide += [(path, title) for classes, title in shown if "chart-narrow" not in classes]
    # every kind of chart was walked
    assert seen == KINDS
    for selector, name in (
        ("figure.heat-figure", "heat"),
        ("figure.map-figure", "map"),
        (".question-figure:has(svg.chart-stacked)", "stacked"),
        (".question-figure:has(svg.chart-bars)", "bars"),
        ("figure:has(svg.chart-line)", "line"),
    ):
        page.goto(f"{server.url}/outcomes?lang=fr")
        chart = page.locator(selector).first
        chart.scroll_into_view_if_needed()
        chart.screenshot(path=str(screenshot(page, f"phone-chart-{name}-fr", full_page=False)))
    assert problems == [], "\n".join(map(str, problems))
    assert wide == []


def test_every_chart_is_legible_on_a_desktop(outcomes_app, serve, new_context):  # noqa: F811
    """Wide charts at full size, and the phone drawing in the columns of a grid."""
    server = serve(outcomes_app)
    page = new_context(viewport=DESKTOP).new_page()
    page.set_default_timeout(90_000)
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    problems: list = []
    for language in ("fr",):
        page.goto(f"{server.url}/?lang={language}")
        for path in PAGES:
            page.goto(server.url + path)
            found, kinds, shown = chart_problems(page, f"{language} {path}")
            problems += found
            assert any("chart-narrow" not in classes for classes, _title in shown), path
    page.goto(f"{server.url}/outcomes?lang=fr")
    page.locator("figure.heat-figure").first.scroll_into_view_if_needed()
    screenshot(page, "desktop-chart-heat-fr", full_page=False)
    assert problems == [], "\n".join(map(str, problems))
