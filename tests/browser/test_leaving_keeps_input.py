"""Without JavaScript, in a real browser: the review page's language switcher and "Change"
buttons keep the contact details typed on it (French then Spanish, desktop and phone)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.conftest import Respondent
from tests.questionnaires.test_respond import fill_required


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_review_page_keeps_what_was_typed_without_javascript(
    app, live_server, new_context, viewport
):
    respondent = Respondent(app.test_client())
    respondent.start()
    fill_required(respondent)
    options = {"java_script_enabled": False}
    if viewport:
        options["viewport"] = viewport
    page = new_context(**options).new_page()
    base = live_server.url
    page.goto(f"{base}/r/{respondent.token}/review?lang=fr")
    page.fill("#contact\\.name", "Aïcha Diop")
    page.fill("#contact\\.email", "a.diop@example.org")
    page.fill("#contact\\.job_title", "Cheffe du service des droits humains")

    page.locator(".lang-switch button[lang=es]").click()
    expect(page).to_have_url(re.compile(r"/review\?lang=es$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#contact\\.name")).to_have_value("Aïcha Diop")
    expect(page.locator("#contact\\.email")).to_have_value("a.diop@example.org")
    expect(page.locator("#contact\\.job_title")).to_have_value(
        "Cheffe du service des droits humains"
    )
    screenshot(page, f"review-kept-after-language-{'phone' if viewport else 'desktop'}-es")

    # "Change" a page, save it, and come back: the contact details are still there.
    page.locator(".edit-link").first.click()
    expect(page).to_have_url(re.compile(r"/s/profile\?next=review"))
    page.locator("form.questionnaire-form button[value=next]").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.locator("#contact\\.name")).to_have_value("Aïcha Diop")
    page.check("#contact\\.consent")
    page.locator("form#review-form button.primary").click()
    expect(page).to_have_url(re.compile(r"/receipt$"))


def test_the_review_page_with_its_buttons_has_no_accessibility_violation(app, live_server, page):
    respondent = Respondent(app.test_client())
    respondent.start()
    fill_required(respondent)
    page.goto(f"{live_server.url}/r/{respondent.token}/review?lang=es")
    expect(page.locator(".edit-link").first).to_be_visible()
    assert accessibility_violations(page) == []
