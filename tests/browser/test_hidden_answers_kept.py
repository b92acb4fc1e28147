"""In the browser, on a desktop and on a phone: answering the Charter question Yes, No, Yes
keeps the whole "Your experience with the 2011 Charter" page (the status names what is kept
but will not be sent instead of a plain "Saved"), and unticking a ranked theme moves the later
choices up so that "Save and continue" goes on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_choices import DESKTOP, PHONE, field, start


def saved(page) -> None:
    expect(page.locator(".autosave-status")).to_contain_text("Saved")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_yes_no_yes_keeps_the_charter_page(live_server, new_context, viewport):
    page = new_context(viewport=viewport).new_page()
    token = start(page, live_server.url)
    commitments = f"{live_server.url}/r/{token}/s/commitments"
    page.goto(commitments)
    field(page, "q.charter_2011_adopted-yes").check()
    saved(page)
    page.goto(f"{live_server.url}/r/{token}/s/charter_experience")
    field(page, "q.charter_adoption_year").fill("2014")
    field(page, "q.charter_2011_use-training").check()
    saved(page)

    page.goto(commitments)
    field(page, "q.charter_2011_adopted-no").check()
    status = page.locator(".autosave-status")
    expect(status).to_contain_text("Saved, but not all of it will be sent")
    expect(status).to_contain_text("questions 12, 13 are kept")
    screenshot(page, f"hidden-answers-said-{viewport['width']}", full_page=False)
    field(page, "q.charter_2011_adopted-yes").check()
    expect(status).to_have_text("Saved")

    page.goto(f"{live_server.url}/r/{token}/s/charter_experience")
    expect(field(page, "q.charter_adoption_year")).to_have_value("2014")
    expect(field(page, "q.charter_2011_use-training")).to_be_checked()
    screenshot(page, f"hidden-answers-back-{viewport['width']}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_unticking_the_first_ranked_theme_moves_the_others_up(live_server, new_context, viewport):
    page = new_context(viewport=viewport).new_page()
    token = start(page, live_server.url)
    page.goto(f"{live_server.url}/r/{token}/s/revision")
    themes = ["climate_justice", "care", "migration_refugees"]
    for theme in themes:
        field(page, f"q.new_themes-{theme}").check()
    for n, theme in enumerate(themes, start=1):
        field(page, f"q.new_themes_top3.rank{n}").select_option(theme)
    field(page, "q.new_themes-climate_justice").uncheck()
    expect(field(page, "q.new_themes_top3.rank1")).to_have_value("care")
    expect(field(page, "q.new_themes_top3.rank2")).to_have_value("migration_refugees")
    expect(field(page, "q.new_themes_top3.rank3")).to_have_value("")
    page.locator("button[value=next]").click()
    expect(page).not_to_have_url(f"{live_server.url}/r/{token}/s/revision")
    page.goto(f"{live_server.url}/r/{token}/s/revision")
    expect(field(page, "q.new_themes_top3.rank1")).to_have_value("care")
    expect(field(page, "q.new_themes_top3.rank2")).to_have_value("migration_refugees")
