"""In the browser: "None of these" is exclusive, a ranking offers only what was ticked (the
"Other" choice in the respondent's words), an article's summary opens inside the matrix without
losing what was chosen; and axe-core finds nothing, of any impact, on the pages this changed,
on a desktop and on a phone, in English, French and Spanish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def field(page, element_id: str):
    return page.locator(f'[id="{element_id}"]')


def start(page, base: str, key: str = "local-governments", language: str = "en") -> str:
    page.goto(f"{base}/questionnaires/{key}?lang={language}")
    page.locator("main form button[type=submit]").click()
    return page.url.split("/r/", 1)[1].split("/", 1)[0]


def test_none_of_these_unticks_the_others_and_the_others_untick_it(live_server, page):
    token = start(page, live_server.url)
    page.goto(f"{live_server.url}/r/{token}/s/commitments")
    page.wait_for_load_state("load")
    field(page, "q.hr_elements-ombudsperson").check()
    field(page, "q.hr_elements.other").fill("A youth council")
    field(page, "q.hr_elements-none_yet").check()
    expect(field(page, "q.hr_elements-ombudsperson")).not_to_be_checked()
    expect(field(page, "q.hr_elements.other")).to_have_value("")
    field(page, "q.hr_elements-indicators").check()
    expect(field(page, "q.hr_elements-none_yet")).not_to_be_checked()
    field(page, "q.hr_elements-none_yet").check()
    field(page, "q.hr_elements.other").fill("Something else")
    expect(field(page, "q.hr_elements-none_yet")).not_to_be_checked()


def test_the_ranking_offers_only_what_is_ticked_and_the_other_in_own_words(live_server, page):
    token = start(page, live_server.url)
    page.goto(f"{live_server.url}/r/{token}/s/revision")
    page.wait_for_load_state("load")
    rank1 = field(page, "q.new_themes_top3.rank1")
    offered = "el => [...el.options].map(o => o.value)"
    assert rank1.evaluate(offered) == [""]
    expect(page.locator(".rank-empty")).to_be_visible()
    field(page, "q.new_themes-health").check()
    field(page, "q.new_themes-care").check()
    assert rank1.evaluate(offered) == ["", "care", "health"]  # in the definition's order
    field(page, "q.new_themes.other").fill("Night-time economy")
    assert rank1.evaluate(offered) == ["", "care", "health", "other"]
    expect(rank1.locator('option[value="other"]')).to_have_text("Night-time economy")
    rank1.select_option("health")
    field(page, "q.new_themes_top3.rank2").select_option("other")
    field(page, "q.new_themes-health").uncheck()
    # No longer ticked, no longer ranked: the later choice moves up, as the server stores it.
    expect(rank1).to_have_value("other")
    expect(field(page, "q.new_themes_top3.rank2")).to_have_value("")
    field(page, "q.new_themes_top3.rank2").select_option("care")
    page.locator("button[value=save]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    expect(field(page, "q.new_themes_top3.rank1")).to_have_value("other")
    expect(field(page, "q.new_themes_top3.rank2")).to_have_value("care")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_articles_summary_opens_in_the_matrix_without_losing_the_choice(
    live_server, new_context, viewport
):
    page = new_context(viewport=viewport).new_page()
    token = start(page, live_server.url, "partners")
    page.goto(f"{live_server.url}/r/{token}/s/relevance")
    field(page, "q.article_relevance.art03-relevant").check()
    row = page.locator(".matrix-row").nth(2)
    if viewport is DESKTOP:  # the scale beside the article's name, its summary below the name
        legend, scale = row.locator("legend").bounding_box(), row.locator(".scale").bounding_box()
        details = row.locator(".row-summary").bounding_box()
        assert scale["x"] >= legend["x"] + legend["width"]
        assert scale["y"] < details["y"] + details["height"]
    summary_text = row.locator(".row-summary p").first
    expect(summary_text).to_be_hidden()
    row.locator(".row-summary summary").click()
    expect(summary_text).to_be_visible()
    expect(summary_text).to_contain_text("free from violence")
    assert "/s/relevance" in page.url
    expect(field(page, "q.article_relevance.art03-relevant")).to_be_checked()


def accessibility_violations(page) -> list[str]:
    """Run axe-core; return every violation, whatever its impact, described."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v.get('impact')}): {[', '.join(n['target']) for n in v['nodes'][:4]]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_changed_pages_have_no_accessibility_violation_of_any_impact(
    app, live_server, new_context, language, viewport
):
    page = new_context(viewport=viewport).new_page()
    found: dict[str, list[str]] = {}
    base = live_server.url
    device = "phone" if viewport is PHONE else "desktop"

    def audit(path: str, name: str, *, shoot: bool = False) -> None:
        page.goto(base + path)
        violations = accessibility_violations(page)
        if violations:
            found[name] = violations
        if shoot:
            screenshot(page, f"measure-{device}-{language}-{name}", full_page=False)

    token = start(page, base, "local-governments", language)
    audit("/?lang=" + language, "landing", shoot=True)
    audit("/privacy", "privacy", shoot=True)
    audit("/questionnaires/local-governments", "intro", shoot=True)
    for section in ("profile", "commitments", "revision", "articles"):
        audit(f"/r/{token}/s/{section}", section, shoot=section == "articles")
    page.locator(".step-list > summary").click()
    violations = accessibility_violations(page)
    if violations:
        found["steps-open"] = violations
    page.locator(".row-summary summary").first.click()
    violations = accessibility_violations(page)
    if violations:
        found["summary-open"] = violations
    audit(f"/r/{token}/review", "review")
    partner = start(page, base, "partners", language)
    audit(f"/r/{partner}/s/relevance", "partners-relevance")
    audit(f"/r/{partner}/s/gaps", "partners-gaps")
    audit("/charter", "charter")
    audit("/charter/art03", "charter-article")
    assert found == {}
