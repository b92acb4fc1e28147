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


def test_site_links_and_second_buttons_keep_what_was_typed_without_javascript(
    app, live_server, new_context
):
    """A phone without JavaScript, in French: a reply and a report being written survive the
    site's links (a warning first) and the other buttons; the link box survives the switcher."""
    from consult.contributions import operations
    from consult.db import db, writing

    with app.app_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session,
            text="Logement d'abord.",
            kind="comment",
            language="fr",
            organisation_type="academia",
        )
        operations.publish(db.session, contribution)
        db.commit()
        detail = f"/contributions/{contribution.id}"
    page = new_context(java_script_enabled=False, viewport=PHONE, locale="fr-FR").new_page()
    base = live_server.url
    page.goto(f"{base}{detail}?lang=fr")
    page.fill("#reply-text", "Une réponse pas encore envoyée.")
    page.locator("summary").filter(has_text="Signaler").click()
    page.locator("#report-reason-0").check()
    # The site's own link (in the phone's folded menu): the page comes back filled, with a
    # warning and a way out.
    page.locator(".site-nav summary").click()
    page.locator(".site-nav button.way-out").first.click()
    expect(page.locator("#leaving-notice")).to_be_visible()
    expect(page.locator("#reply-text")).to_have_value("Une réponse pas encore envoyée.")
    screenshot(page, "leaving-warning-phone-fr", full_page=False)
    # "I agree": counted, and the reply still being written.
    page.get_by_role("button", name="Je suis d'accord").click()
    expect(page.locator("#reply-text")).to_have_value("Une réponse pas encore envoyée.")
    # Leaving anyway.
    page.locator(".site-nav summary").click()
    page.locator(".site-nav button.way-out").first.click()
    page.get_by_role("link", name="Quitter sans envoyer").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # A question page: the link box is part of the page's form.
    respondent = Respondent(app.test_client())
    respondent.start()
    page.goto(f"{base}/r/{respondent.token}/s/profile?lang=fr")
    page.fill("#q\\.institution_name", "Ville de Dakar")
    page.fill("#email-link-address", "service@example.org")
    page.locator(".lang-switch button[lang=es]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#email-link-address")).to_have_value("service@example.org")
    expect(page.locator("#q\\.institution_name")).to_have_value("Ville de Dakar")
    page.locator("#email-link button[value=email-link]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    expect(page.locator("#q\\.institution_name")).to_have_value("Ville de Dakar")


def test_the_leaving_warning_has_no_accessibility_violation(app, live_server, new_context):
    """The warning, with JavaScript (axe needs it; the buttons send the form all the same)."""
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/contributions/new?lang=es")
    page.fill("#text", "Un texto todavía sin enviar.")
    page.locator("footer button.way-out").click()
    expect(page.locator("#leaving-notice")).to_be_visible()
    expect(page.locator("#text")).to_have_value("Un texto todavía sin enviar.")
    screenshot(page, "leaving-warning-phone-es")
    assert accessibility_violations(page) == []
