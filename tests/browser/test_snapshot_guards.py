"""The reviewer's sequence in a real browser: a filter link with parts that cannot be applied
says so (French, desktop), and a snapshot of no response asks for its confirmation before it
is frozen, then again before it replaces the published outcomes (Spanish, phone); axe on each."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import sign_in
from tests.outcomes.conftest import fill_demo


@pytest.fixture
def guarded_app(app, staff):
    """The app with 30 demo responses and an administrator (OUTCOMES_ADMIN)."""
    fill_demo(app, 30, seed=11)
    app.config["OUTCOMES_ADMIN"] = staff("admin")
    return app


def test_ignored_filters_and_narrower_snapshots_are_said(guarded_app, serve, new_context):
    server = serve(guarded_app)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(60000)
    sign_in(page, server.url, guarded_app.config["OUTCOMES_ADMIN"])
    page.goto(
        server.url + "/staff/outcomes/?region=europe&answer=local-governments:charter_adopted:yes"
        "&from=2022-02-01&to=2021-12-01&lang=fr"
    )
    warnings = " ".join(page.locator(".notice.warning").all_inner_texts())
    unknown = "Il n'existe pas de question fermée «\u00a0local-governments:charter_adopted\u00a0»"
    assert unknown in warnings
    assert "est postérieure à la date de fin" in warnings
    screenshot(page, "outcomes-ignored-filters-fr", full_page=False)
    assert serious_accessibility_violations(page) == []
    # Freeze everything and publish it, then try to freeze and publish nobody over it.
    page.goto(server.url + "/staff/outcomes/snapshots?lang=en")
    page.fill("#label", "All")
    page.click("text=Review before freezing")
    with page.expect_navigation():
        page.click(".freeze-review button[type=submit]")
    page.check("#confirm-publish")
    with page.expect_navigation():
        page.click("text=Publish at /outcomes")
    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.set_default_timeout(60000)
    sign_in(phone, server.url, guarded_app.config["OUTCOMES_ADMIN"])
    phone.goto(server.url + "/staff/outcomes/snapshots?from=2090-01-01&lang=es")
    phone.fill("#label", "Nadie")
    phone.click(".narrow-form button[type=submit]")
    assert "no contendría ninguna respuesta" in phone.locator(".freeze-review").inner_text()
    phone.locator("#confirm-empty").scroll_into_view_if_needed()
    screenshot(phone, "outcomes-empty-freeze-phone-es", full_page=False)
    assert serious_accessibility_violations(phone) == []
    phone.check("#confirm-empty")
    with phone.expect_navigation():
        phone.click(".freeze-review button[type=submit]")
    phone.locator("#confirm-narrower").scroll_into_view_if_needed()
    assert "no contiene ninguna respuesta" in phone.locator("#narrower-warning").inner_text()
    screenshot(phone, "outcomes-narrower-publish-phone-es", full_page=False)
    assert serious_accessibility_violations(phone) == []
