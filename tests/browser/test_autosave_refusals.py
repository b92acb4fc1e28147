"""In the browser, on a phone in French and on a desktop in English: an answer the background
save refuses (a year written with words) is never shown as "Saved": the status says which
answers were not saved, the field's message is next to it (aria-invalid, aria-describedby),
the text stays in the field, and the page save shows the same message; a corrected answer
takes the message away. On the phone the status bar never covers the field being typed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.browser.test_choices import DESKTOP, PHONE, field, start

CASES = {
    "phone-fr": (
        PHONE,
        "fr",
        "depuis 1998",
        "Enregistré, sauf une réponse",
        "Saisissez un nombre",
        "Enregistré",
    ),
    "desktop-en": (
        DESKTOP,
        "en",
        "since 1998",
        "Saved, except one answer",
        "Enter a number",
        "Saved",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refused_answer_is_said_next_to_its_field_and_kept(live_server, new_context, case):
    viewport, language, typed, except_one, message, saved = CASES[case]
    page = new_context(viewport=viewport, locale=language).new_page()
    token = start(page, live_server.url, "partners", language)
    page.goto(f"{live_server.url}/r/{token}/s/profile?lang={language}")
    year = field(page, "q.human_rights_since")
    year.fill(typed)
    status = page.locator(".autosave-status")
    expect(status).to_contain_text(except_one)
    error = page.locator('[id="error-human_rights_since"]')
    expect(error).to_contain_text(message)
    expect(year).to_have_attribute("aria-invalid", "true")
    assert "error-human_rights_since" in year.get_attribute("aria-describedby").split()
    expect(year).to_have_value(typed)
    expect(page.locator("#live-status")).to_contain_text(except_one)
    screenshot(page, f"autosave-refused-{case}", full_page=False)
    assert serious_accessibility_violations(page) == []

    # The status bar never covers the field being typed in (the phone's bottom edge).
    box, bar = year.bounding_box(), status.bounding_box()
    assert box["y"] + box["height"] <= bar["y"], (box, bar)

    year.fill("1998")
    expect(status).to_have_text(saved)
    expect(error).to_have_count(0)
    assert year.get_attribute("aria-invalid") is None
    assert "error-human_rights_since" not in (year.get_attribute("aria-describedby") or "")

    year.fill(typed)
    expect(status).to_contain_text(except_one)
    page.locator("button[value=save]").click()
    expect(page.locator('[id="error-human_rights_since"]')).to_contain_text(message)
    expect(field(page, "q.human_rights_since")).to_have_value(typed)


def test_on_a_phone_the_status_never_covers_the_field_being_typed_in(live_server, new_context):
    page = new_context(viewport=PHONE, locale="fr").new_page()
    token = start(page, live_server.url, "partners", "fr")
    page.goto(f"{live_server.url}/r/{token}/s/profile?lang=fr")
    year = field(page, "q.human_rights_since")
    # The field at the very bottom of the screen, where the sticky status shows.
    year.evaluate(
        "el => { window.scrollBy(0, el.getBoundingClientRect().bottom - innerHeight + 2);"
        " el.focus({preventScroll: true}); }"
    )
    page.keyboard.type("1998")
    status = page.locator(".autosave-status")
    expect(status).to_have_text("Enregistré")
    page.wait_for_timeout(300)
    box, bar = year.bounding_box(), status.bounding_box()
    screenshot(page, "autosave-status-clear-of-field-390", full_page=False)
    assert box["y"] + box["height"] <= bar["y"], (box, bar)
    page.keyboard.type(" environ")  # refused: the status grows to two lines
    expect(status).to_contain_text("sauf une réponse")
    page.wait_for_timeout(300)
    box, bar = year.bounding_box(), status.bounding_box()
    screenshot(page, "autosave-status-refused-clear-of-field-390", full_page=False)
    assert box["y"] + box["height"] <= bar["y"], (box, bar)
