"""The analyst's workbench and the public outcomes in a real browser: filters on answers, the
freeze review, cross-tabulation, downloads, the dashboard (desktop), the public page and a
Charter article page on a phone in French and Spanish, each checked with axe."""

from __future__ import annotations

from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import outcomes_app, sign_in  # noqa: F401 - fixture

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_the_workbench_on_a_desktop(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport=DESKTOP).new_page()
    page.set_default_timeout(60000)  # the first summary of 400 responses, on a busy machine
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    page.goto(server.url + "/staff/outcomes/?questionnaire=local-governments")
    page.select_option("#f-answer", "local-governments:charter_2011_adopted:yes")
    page.click(".filters button[type=submit]")
    page.wait_for_selector(".filtered-view")
    assert "charter_2011_adopted%3Ayes" in page.url or "charter_2011_adopted:yes" in page.url
    assert page.locator(".downloads a").count() > 20
    screenshot(page, "outcomes-workbench", full_page=False)
    figure = page.locator("article.question-figure").nth(2)
    figure.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -20)")
    screenshot(page, "outcomes-workbench-figure", full_page=False)
    assert serious_accessibility_violations(page) == []
    # Freeze this filtered view: the review shows what the snapshot will hold.
    page.click("text=Freeze this filtered view…")
    page.fill("#label", "Cities that adopted the Charter")
    page.click("text=Review before freezing")
    review = page.locator(".freeze-review")
    assert "The snapshot will hold" in review.inner_text()
    screenshot(page, "outcomes-freeze-review", full_page=False)
    assert serious_accessibility_violations(page) == []
    with page.expect_navigation(timeout=60000):
        page.click(".freeze-review button[type=submit]")
    page.wait_for_selector(".flashes", timeout=30000)
    assert "Snapshot frozen:" in page.locator(".flashes").inner_text()
    # Cross-tabulation.
    page.goto(
        server.url
        + "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers"
        + "&public=1"
    )
    assert page.locator("table.crosstab").count() == 3
    # Each questionnaire's "barriers" is a question of its own, named in the select.
    # The respondent's profile (region, country, type, language) comes first, then each
    # questionnaire's closed questions and matrix rows.
    groups = page.locator("#ct-columns optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(3)] == [
        "Respondent profile",
        "Local governments",
        "Partners",
    ]
    assert "What are the main obstacles" in " | ".join(groups.nth(1).all_inner_texts())
    assert "In your experience, what most holds" in " | ".join(groups.nth(2).all_inner_texts())
    screenshot(page, "outcomes-crosstab", full_page=False)
    assert serious_accessibility_violations(page) == []
    page.goto(server.url + "/staff/outcomes/dashboard")
    assert page.locator("svg.chart").count() >= 3
    screenshot(page, "outcomes-dashboard", full_page=False)
    assert serious_accessibility_violations(page) == []
    page.goto(server.url + "/staff/outcomes/1/deck")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    screenshot(page, "deck-findings", full_page=False)
    assert errors == []


def test_the_public_outcomes_and_a_charter_article_on_a_phone(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport=PHONE).new_page()
    page.set_default_timeout(60000)
    page.goto(server.url + "/outcomes?lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => Array.from(document.querySelectorAll('main *'))"
        ".filter(e => e.getBoundingClientRect().right > 392).slice(0, 5)"
        ".map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 60))"
    )
    assert width <= PHONE["width"] + 1, wide
    text = page.locator("main").inner_text()
    assert "\u00a0%" in text or "\u202f%" in text  # French percentages
    screenshot(page, "outcomes-public-phone-fr", full_page=False)
    assert serious_accessibility_violations(page) == []
    page.goto(server.url + "/charter/art01?lang=es")
    ratings = page.locator("section.ratings")
    assert "primeros resultados publicados" in ratings.inner_text()
    ratings.scroll_into_view_if_needed()
    screenshot(page, "charter-article-phone-es", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert serious_accessibility_violations(page) == []
