"""Never stuck, in a real browser: conditional questions whose trigger flips (JavaScript on, a
subset generated from the definitions, and a fresh browser from the personal link), error
summaries that lead to the field itself, Enter that still means "Save and continue", and live
regions that do not talk on every keystroke."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import answers_in_store
from tests.questionnaires.conditions import (
    ConditionalCase,
    Fields,
    conditional_cases,
    page_fields,
)


def representative_cases() -> list[ConditionalCase]:
    """Per questionnaire, the first case of each kind: trigger on the same page, on another."""
    chosen: dict[tuple[str, bool], ConditionalCase] = {}
    for case in conditional_cases():
        chosen.setdefault((case.questionnaire.key, case.same_page), case)
    return list(chosen.values())


CASES = representative_cases()


def control(page: Page, name: str, value: str | None = None):
    selector = f'[name="{name}"]' + (f'[value="{value}"]' if value is not None else "")
    return page.locator(f"form.questionnaire-form {selector}")


def fill(page: Page, fields: Fields) -> None:
    """Give the page's visible controls these values, as a person would, in the page's order."""
    page.wait_for_load_state("domcontentloaded")
    for name, values in fields.items():
        first = control(page, name).first
        if first.count() == 0 or not first.is_visible():
            continue  # a question the browser hides (its condition is not met)
        kind = first.get_attribute("type")
        tag = first.evaluate("element => element.tagName")
        if kind in ("radio", "checkbox"):
            if kind == "checkbox":
                for box in control(page, name).all():
                    if box.is_checked() and box.get_attribute("value") not in values:
                        box.uncheck()
            for value in values:
                control(page, name, value).check()
        elif tag == "SELECT":
            first.select_option(values[0])
        else:
            first.fill(values[0])


def token_of(page: Page) -> str:
    return page.url.split("/r/", 1)[1].split("/", 1)[0]


def stored_answer(app, case: ConditionalCase) -> dict[str, str]:
    (answers,) = answers_in_store(app).values()
    return answers.get(case.question.key, {})


def start(page: Page, base: str, case: ConditionalCase) -> None:
    page.goto(f"{base}/questionnaires/{case.questionnaire.key}")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/r/[^/]+/s/"))


def answer_every_page(page: Page, base: str, case: ConditionalCase) -> None:
    """Answer each page in order, the question of the case asked, pressing Save and continue."""
    token = token_of(page)
    for section in case.questionnaire.sections:
        page.goto(f"{base}/r/{token}/s/{section.key}")
        fill(page, page_fields(case, section, trigger=case.trigger_on))
        page.locator("button[name=action][value=save]").click()
        expect(page.locator(".notice.success")).to_be_visible()


def open_step_list(page: Page) -> None:
    """Unfold the list of pages (a disclosure, folded on every page)."""
    steps = page.locator("details.step-list")
    if steps.count() and steps.get_attribute("open") is None:
        page.locator("details.step-list > summary").click()


def go_to(page: Page, step: str) -> None:
    """Press a button of the step list (it saves the page first)."""
    open_step_list(page)
    page.locator(f'nav.progress button[name=goto][value="{step}"]').click()


def submit_from_review(page: Page) -> None:
    expect(page.locator("#error-summary")).to_have_count(0)
    page.locator("form.submit-form button[type=submit]").click()
    expect(page.locator(".receipt-number")).to_be_visible()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_flipped_trigger_blocks_nothing_with_javascript_on(app, live_server, page, case):
    base = live_server.url
    start(page, base, case)
    token = token_of(page)
    answer_every_page(page, base, case)
    assert stored_answer(app, case)

    # Flip the trigger on its page: with JavaScript the question disappears (same page) and the
    # background save or the buttons take the answer out; nothing asks about it any more.
    page.goto(f"{base}/r/{token}/s/{case.trigger_section.key}")
    if case.same_page:
        expect(page.locator(f"#question-{case.question.key}")).to_be_visible()
    fill(page, case.trigger_off)
    if case.same_page:
        expect(page.locator(f"#question-{case.question.key}")).to_be_hidden()
    # Kept, hidden, not counted: the status says so instead of a plain "Saved".
    status = page.locator(".autosave-status")
    expect(status).to_contain_text("Saved, but not all of it will be sent", timeout=15_000)
    expect(status).to_contain_text(str(case.questionnaire.number(case.question.key)))
    assert stored_answer(app, case) == {}
    page.locator("button[name=action][value=next]").click()
    expect(page.locator("#error-summary")).to_have_count(0)
    if case.trigger_section.key != case.questionnaire.sections[0].key:
        page.goto(f"{base}/r/{token}/s/{case.trigger_section.key}")
        page.locator("button[name=action][value=previous]").click()
        expect(page.locator("#error-summary")).to_have_count(0)
    page.goto(f"{base}/r/{token}/s/{case.trigger_section.key}")
    go_to(page, "review")
    expect(page).to_have_url(re.compile(r"/review$"))
    submit_from_review(page)
    assert stored_answer(app, case) == {}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_fresh_browser_from_the_personal_link_flips_a_trigger_and_submits(
    app, live_server, new_context, javascript
):
    case = next(c for c in CASES if not c.same_page)
    base = live_server.url
    first = new_context().new_page()
    start(first, base, case)
    answer_every_page(first, base, case)
    link = first.locator("#resume-url").input_value()
    first.context.close()

    fresh = new_context(java_script_enabled=javascript).new_page()
    fresh.goto(link)
    token = token_of(fresh)
    fresh.goto(f"{base}/r/{token}/s/{case.trigger_section.key}")
    fill(fresh, case.trigger_off)
    fresh.locator("button[name=action][value=next]").click()
    expect(fresh.locator("#error-summary")).to_have_count(0)
    assert stored_answer(app, case) == {}
    # The page of the question, still open somewhere: every way out works.
    fresh.goto(f"{base}/r/{token}/s/{case.section.key}")
    go_to(fresh, "review")
    submit_from_review(fresh)


def test_enter_in_a_field_saves_and_continues_without_javascript(live_server, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/questionnaires/local-governments")
    page.locator("main form button[type=submit]").click()
    page.locator('[id="q.institution_name"]').fill("Ville de Dakar")
    page.locator('[id="q.country"]').select_option("SN")
    page.locator('[id="q.institution_type-municipality"]').check()
    page.locator('[id="q.region-africa"]').check()
    page.locator('[id="q.institution_name"]').press("Enter")
    expect(page).to_have_url(re.compile(r"/s/commitments$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_language_switcher_keeps_what_was_typed_without_javascript(
    app, live_server, new_context
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/questionnaires/local-governments")
    page.locator("main form button[type=submit]").click()
    page.locator('[id="q.institution_name"]').fill("Ville de Dakar")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator('[id="q.institution_name"]')).to_have_value("Ville de Dakar")
    page.locator('[id="q.respondent_department"]').fill("Droits humains")
    open_step_list(page)
    page.locator("nav.progress button[name=goto]").nth(2).click()  # the third page
    open_step_list(page)
    page.locator("nav.progress button[name=goto]").first.click()
    expect(page.locator('[id="q.respondent_department"]')).to_have_value("Droits humains")


@pytest.mark.parametrize(
    "viewport", [None, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_error_summary_links_focus_the_field_itself(live_server, new_context, viewport):
    options = {"viewport": viewport, "locale": "fr-FR"} if viewport else {"locale": "fr-FR"}
    page = new_context(**options).new_page()
    base = live_server.url
    page.goto(f"{base}/?lang=fr")
    page.goto(f"{base}/questionnaires/local-governments")
    page.locator("main form button[type=submit]").click()
    token = token_of(page)
    page.locator("button[name=action][value=next]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Erreur"))
    summary.locator('a[href="#q.region-africa"]').click()
    expect(page.locator('[id="q.region-africa"]')).to_be_focused()
    screenshot(
        page, f"never-stuck-page-errors-{'phone' if viewport else 'desktop'}-fr", full_page=False
    )

    # The review page: a refused submission, its summary first and focused, links to the page.
    page.goto(f"{base}/r/{token}/s/articles")
    page.locator('[id="q.article_relevance.art01-relevant"]').check()
    page.locator("button[name=action][value=save]").click()
    page.goto(f"{base}/r/{token}/review")
    page.locator('[id="contact.email"]').fill("pas une adresse")
    page.locator("form.submit-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Erreur"))
    expect(page.locator(".receipt-number")).to_have_count(0)
    screenshot(
        page, f"never-stuck-review-refused-{'phone' if viewport else 'desktop'}-fr", full_page=False
    )
    page.locator("#error-summary a[href$='#contact.email']").click()
    expect(page.locator('[id="contact.email"]')).to_be_focused()
    page.locator("#error-summary a[href*='/s/articles']").click()
    expect(page).to_have_url(re.compile(r"/s/articles\?next=review#"))
    expect(page.locator('[id="q.article_relevance.art02-very_relevant"]')).to_be_focused()
    page.locator("form.questionnaire-form button[name=action][value=next]").click()
    expect(page.locator(".matrix-row.missing .row-missing").first).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    screenshot(
        page, f"never-stuck-matrix-missing-{'phone' if viewport else 'desktop'}-fr", full_page=False
    )


def test_the_live_region_waits_for_a_pause_and_counts_only_near_the_limit(live_server, page):
    page.goto(f"{live_server.url}/questionnaires/local-governments")
    page.locator("main form button[type=submit]").click()
    token = token_of(page)
    page.goto(f"{live_server.url}/r/{token}/s/final")
    live = page.locator("#live-status")
    area = page.locator("textarea").first
    maximum = int(area.get_attribute("data-maxlength"))
    area.press_sequentially("Une phrase courte.", delay=20)
    expect(page.locator(".autosave-status")).to_have_text("Saved", timeout=15_000)
    expect(live).to_have_text("")  # the visible status changed; nothing was announced yet
    expect(live).to_have_text("Saved", timeout=15_000)  # once typing has paused a while
    assert page.locator(".counter").first.get_attribute("aria-live") is None
    assert page.locator(".autosave-status").get_attribute("aria-live") is None
    area.fill("x" * (maximum * 9 // 10))
    area.press_sequentially("y", delay=20)
    expect(live).to_contain_text("characters")
