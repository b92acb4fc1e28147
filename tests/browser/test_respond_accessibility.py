"""axe-core on every page a respondent sees, in English, French and Spanish, on a desktop and on
a 390x844 phone: no violation of any impact on the landing page, the introductions, every
section page of both questionnaires (also with validation errors shown), the review (also a
refused submission) and the receipt."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult.questionnaires.registry import current_questionnaires
from tests.browser.conftest import PHONE, accessibility_violations, screenshot


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_respondent_pages_have_no_accessibility_violation(
    app, live_server, new_context, language, viewport
):
    base = live_server.url
    options = {"viewport": PHONE} if viewport == "phone" else {}
    page = new_context(**options).new_page()
    found: dict[str, list[str]] = {}

    def audit(path: str, name: str) -> None:
        page.goto(base + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        violations = accessibility_violations(page)
        if violations:
            found[name] = violations
        screenshot(page, f"{language}-{viewport}-{name.replace('/', '-')}")

    audit(f"/?lang={language}", "landing")  # ?lang= is remembered for the next pages
    with app.app_context():
        questionnaires = list(current_questionnaires().values())
    for questionnaire in questionnaires:
        key = questionnaire.key
        audit(f"/questionnaires/{key}", f"{key}/intro")
        page.locator("main form button[type=submit]").click()  # Start / Commencer
        token = page.url.split("/r/", 1)[1].split("/", 1)[0]
        for section in questionnaire.sections:
            audit(f"/r/{token}/s/{section.key}", f"{key}/{section.key}")
        # A page with every kind of validation message shown.
        page.goto(f"{base}/r/{token}/s/{questionnaire.sections[0].key}")
        page.locator("form.questionnaire-form button[value=next]").click()
        expect(page.locator("#error-summary")).to_be_visible()
        violations = accessibility_violations(page)
        if violations:
            found[f"{key}/errors"] = violations
        screenshot(page, f"a11y-{language}-{viewport}-{key}-errors")
        # A matrix with its unanswered rows marked.
        for section in questionnaire.sections:
            if any(q.type == "matrix" and q.required for q in section.questions):
                page.goto(f"{base}/r/{token}/s/{section.key}")
                page.locator("form.questionnaire-form button[value=next]").click()
                expect(page.locator(".row-missing").first).to_be_visible()
                violations = accessibility_violations(page)
                if violations:
                    found[f"{key}/{section.key}/rows-missing"] = violations
        audit(f"/r/{token}/review", f"{key}/review")
        page.locator('[id="contact.email"]').fill("not an address")
        page.locator("form.submit-form button[type=submit]").click()  # a refused submission
        expect(page.locator("#error-summary")).to_be_focused()
        violations = accessibility_violations(page)
        if violations:
            found[f"{key}/review-missing"] = violations
        screenshot(page, f"a11y-{language}-{viewport}-{key}-review-refused")
        _answer_required(page, base, token, questionnaire)
        page.goto(f"{base}/r/{token}/review")
        page.locator('[id="contact.email"]').fill("")
        page.locator("form.submit-form button[type=submit]").click()
        expect(page.locator(".receipt-number")).to_be_visible()
        audit(f"/r/{token}/receipt", f"{key}/receipt")
        screenshot(page, f"a11y-{language}-{viewport}-{key}-receipt")
    assert found == {}


def _answer_required(page, base: str, token: str, questionnaire) -> None:
    """Answer every required question through the pages, the way a respondent would."""
    for section in questionnaire.sections:
        required = [q for q in section.questions if q.required]
        if not required:
            continue
        page.goto(f"{base}/r/{token}/s/{section.key}")
        for question in required:
            if question.type == "country":
                page.locator(f'[id="q.{question.key}"]').select_option("BR")
            elif question.type == "short_text":
                page.locator(f'[id="q.{question.key}"]').fill("Porto Alegre")
            elif question.type == "matrix":
                for row in question.rows:
                    page.locator(
                        f'[id="q.{question.key}.{row.key}-{question.scale[0].key}"]'
                    ).check()
            elif question.type == "yes_no":
                page.locator(f'[id="q.{question.key}-no"]').check()
            elif question.type == "region":
                page.locator(f'[id="q.{question.key}-latin_america"]').check()
            else:
                page.locator(f'[id="q.{question.key}-{question.options[-1].key}"]').check()
        page.locator("button[value=save]").click()
        expect(page.locator(".notice.success")).to_be_visible()
