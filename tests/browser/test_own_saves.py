"""On a phone, an autosave whose reply is lost is the page's own save, not someone else's:
typing on, the next autosave and Save and continue go through without a conflict."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_respond_flow import field, start
from tests.browser.test_shared_link import PHONE, stored


def test_a_lost_autosave_reply_is_no_conflict_with_oneself(app, live_server, new_context):
    page = new_context(**PHONE).new_page()
    start(page, live_server.url)
    lost = []

    def lose_the_first_reply(route):
        if lost:
            route.continue_()
            return
        route.fetch()  # the server saves it...
        lost.append(route.request.url)
        route.abort("connectionreset")  # ...and the phone never hears back

    page.route("**/autosave", lose_the_first_reply)
    field(page, "q.institution_name").fill("Ayuntamiento de Bar")
    expect(page.locator(".autosave-status")).to_contain_text("Not saved yet")
    assert stored(app)["institution_name"] == {"": "Ayuntamiento de Bar"}
    field(page, "q.institution_name").fill("Ayuntamiento de Barcelona")
    expect(page.locator(".autosave-status")).to_have_text("Saved", timeout=15_000)
    assert stored(app)["institution_name"] == {"": "Ayuntamiento de Barcelona"}
    expect(page.locator(".conflict-alert")).to_be_hidden()
    field(page, "q.country").select_option("ES")
    field(page, "q.institution_type-municipality").check()
    field(page, "q.population_band-from_1m_to_5m").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#conflict-summary")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/s/(?!profile)[a-z_]+$"))
    screenshot(page, "own-autosave-after-lost-reply", full_page=False)
    assert lost
