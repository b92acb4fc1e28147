"""Enter (or "Go" on a phone keyboard) in a field of a response's pages, in a real browser, on
a phone and on a desktop, in English, French and Spanish: nothing is ever submitted.

On the review page, Enter in each text field (contact details, the receipt's address) brings
the review back with what was typed and a note saying how to submit; Enter in the "e-mail me
my personal link" box sends the link (JavaScript presses the box's own button) and, without
JavaScript, says the link was not sent and how to send it. On a question page, Enter in the
box sends the link too. The response stays a draft throughout.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult.db import db
from consult.questionnaires.registry import get_questionnaire
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_phone import start
from tests.browser.test_respond_accessibility import _answer_required

DESKTOP = {"width": 1280, "height": 900}
#: The review page's text fields other than the link box, with what is typed in each.
TYPED = {
    "contact.name": "Aïcha Diop",
    "contact.email": "a.diop@example.org",
    "contact.job_title": "Cheffe de service",
    "mail.receipt_email": "service@example.org",
}
SENT = {
    "en": "Your personal link is on its way",
    "fr": "Votre lien personnel est en route",
    "es": "Su enlace personal está en camino",
}


def _state(app) -> tuple[list[str], int]:
    from consult.mail.models import OutboxMessage
    from consult.questionnaires.models import Response

    with app.app_context():
        statuses = sorted(s for (s,) in db.session.query(Response.status))
        return statuses, db.session.query(OutboxMessage).count()


@pytest.mark.parametrize(("viewport", "label"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_enter_in_any_field_of_the_review_page_never_submits(
    app, live_server, new_context, viewport, label
):
    base = live_server.url
    with app.app_context():
        questionnaire = get_questionnaire("local-governments")
    for language in ("en", "fr", "es"):
        page = new_context(viewport=viewport, is_mobile=label == "phone").new_page()
        token = start(page, base, questionnaire.key, language)
        _answer_required(page, base, token, questionnaire)
        review = f"{base}/r/{token}/review"
        page.goto(review)
        for name, value in TYPED.items():
            field = page.locator(f'[id="{name}"]')
            field.fill(value)
            field.press("Enter")
            expect(page.locator("#entered-notice")).to_be_visible()
            assert page.url.split("#")[0] == review, (language, name, page.url)
            expect(page.locator(f'[id="{name}"]')).to_have_value(value)
            statuses, _queued = _state(app)
            assert "submitted" not in statuses, (language, label, name)
        if language == "fr":
            screenshot(page, f"enter-review-fr-{label}", full_page=False)
        # The link box: Enter sends the link (the box's own button), nothing else.
        _statuses, before = _state(app)
        box = page.locator("#email-link-address")
        box.fill(f"link.{language}@example.org")
        box.press("Enter")
        expect(page.get_by_text(SENT[language])).to_be_visible()
        statuses, after = _state(app)
        assert after == before + 1 and "submitted" not in statuses, (language, label)
        # The contact details typed are still there, in this browser.
        expect(page.locator('[id="contact.name"]')).to_have_value(TYPED["contact.name"])


def test_enter_in_the_link_box_without_javascript_says_the_link_was_not_sent(
    app, live_server, new_context
):
    base = live_server.url
    for language in ("en", "fr", "es"):
        page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
        token = start(page, base, "partners", language)
        for where in (f"/r/{token}/review", f"/r/{token}/s/profile"):
            page.goto(base + where)
            _statuses, before = _state(app)
            page.locator("#email-link-address").fill("nojs@example.org")
            page.locator("#email-link-address").press("Enter")
            expect(page.locator("#email-link-not-sent")).to_be_visible()
            if language == "es":
                page.locator("#email-link-not-sent").scroll_into_view_if_needed()
                screenshot(page, f"enter-link-box-nojs-es{where[-7:].replace('/', '-')}", False)
            assert "/review" in page.url or "/s/profile" in page.url, page.url
            statuses, after = _state(app)
            assert after == before and "submitted" not in statuses, (language, where)
            # Its button still sends it.
            page.locator("#email-link-send").click()
            expect(page.get_by_text(SENT[language])).to_be_visible()
            assert _state(app)[1] == before + 1


def test_enter_in_the_link_box_of_a_question_page_sends_the_link(app, live_server, new_context):
    base = live_server.url
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    token = start(page, base, "local-governments", "fr")
    page.goto(f"{base}/r/{token}/s/profile")
    _statuses, before = _state(app)
    page.locator("#email-link-address").fill("page@example.org")
    page.locator("#email-link-address").press("Enter")
    expect(page.get_by_text(SENT["fr"])).to_be_visible()
    assert "/s/profile" in page.url and _state(app)[1] == before + 1


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_contact_details_changed_in_another_tab_are_said_first_and_focused(
    app, live_server, new_context, language
):
    """Two tabs of one draft's review: the first submits with contact details, the second
    types others and presses Submit. The second is refused: the error summary is the first
    thing on screen, focused, and names the change (never the receipt box first)."""
    base = live_server.url
    context = new_context(viewport=PHONE, is_mobile=True)
    first = context.new_page()
    with app.app_context():
        questionnaire = get_questionnaire("local-governments")
    token = start(first, base, questionnaire.key, language)
    _answer_required(first, base, token, questionnaire)
    second = context.new_page()
    for tab in (first, second):
        tab.goto(f"{base}/r/{token}/review")
    first.locator('[id="contact.name"]').fill("Ana Example")
    first.locator('[id="contact.consent"]').check()
    first.locator("form.submit-form button.primary").click()
    expect(first.locator(".receipt-number")).to_be_visible()
    second.locator('[id="contact.name"]').fill("Bea")
    second.locator('[id="contact.consent"]').check()
    second.locator("form.submit-form button.primary").click()
    summary = second.locator("#error-summary")
    expect(summary).to_be_focused()
    assert second.title().startswith(("Error:", "Erreur", "Error"))
    box = summary.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    received = second.locator(".notice.success").bounding_box()
    assert received is None or received["y"] > box["y"]
    expect(summary.locator("a[href='#contact.name']")).to_be_visible()
    if language == "fr":
        screenshot(second, "review-contact-changed-elsewhere-fr", full_page=False)
