"""A submitted response stays complete, in a real browser with JavaScript: flipping a trigger
that asks a required question of another page is not stored by the background save; "Save
changes" shows that question on the page, and the change is saved with its answer. (Every
trigger of both questionnaires is covered over HTTP in
tests/questionnaires/test_submitted_stays_complete.py; here one, end to end.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.conftest import answers_in_store
from tests.questionnaires.test_submitted_stays_complete import (
    FLIPS,
    revealed,
    sample_fields,
    submitted_with_trigger_off,
    variant_folder,  # noqa: F401 (the fixture)
)

FLIP = next(f for f in FLIPS if f.id == "local-governments:charter_2011_adopted=yes")


@pytest.fixture
def app(make_app, variant_folder):  # noqa: F811
    return make_app(QUESTIONNAIRES_PATH=str(variant_folder))


def stored(app) -> dict:
    (answers,) = answers_in_store(app).values()
    return answers


def test_a_flip_waits_for_the_questions_it_asks(app, live_server, new_context):
    # Submitted with nothing typed where the trigger does not ask (else it would come back).
    respondent = submitted_with_trigger_off(app, app.test_client(), FLIP)
    before = stored(app)
    asked = revealed(FLIP, before)
    elsewhere = [q for q in asked if q.section_key != FLIP.trigger.section_key]
    assert elsewhere

    page = new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/r/{respondent.token}/s/{FLIP.trigger.section_key}?lang=fr")
    page.locator(f'input[name="q.{FLIP.trigger.key}"][value="{FLIP.value}"]').check()
    status = page.locator(".autosave-status")
    expect(status).to_contain_text("Non enregistré", timeout=10_000)
    assert stored(app) == before  # the background save stored nothing

    page.locator("form.questionnaire-form button[value=save]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile("^Erreur"))
    for question in elsewhere:
        expect(page.locator(f"#question-{question.key}")).to_be_visible()
    expect(page.locator(".also-page").first).to_contain_text("De la page")
    assert stored(app) == before
    assert accessibility_violations(page) == []
    screenshot(page, "submitted-flip-asks-another-page-phone-fr")

    for question in elsewhere:
        for name, values in sample_fields(question).items():
            control = page.locator(f'[name="{name}"]').first
            kind = control.get_attribute("type")
            if kind in ("radio", "checkbox"):
                page.locator(f'[name="{name}"][value="{values[0]}"]').check()
            elif control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(values[0])
            else:
                control.fill(values[0])
    page.locator("form.questionnaire-form button[value=save]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    after = stored(app)
    assert after[FLIP.trigger.key] == {"": FLIP.value}
    assert all(after.get(q.key) for q in elsewhere)
