"""A respondent in a real browser: fill a whole questionnaire, leave, resume elsewhere, submit;
background autosave; and the same flow with JavaScript turned off."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Answer, Response
from tests.browser.conftest import screenshot

ARTICLE_ROWS = [f"art{n:02d}" for n in range(1, 13)]
RELEVANCE = ["very_relevant", "relevant", "somewhat_relevant", "not_relevant", "dont_know"]
#: What the respondent gives on the pages filled before leaving.
RELEVANCE_CHOSEN = {row: RELEVANCE[i % 4] for i, row in enumerate(ARTICLE_ROWS)}


def field(page: Page, element_id: str):
    """Locate a form control by its id (ids hold dots, which CSS selectors would misread)."""
    return page.locator(f'[id="{element_id}"]')


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def start(page: Page, base_url: str, questionnaire: str = "local-governments") -> None:
    page.goto(f"{base_url}/questionnaires/{questionnaire}")
    page.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/r/[^/]+/s/profile$"))


def resume_link(page: Page) -> str:
    return field(page, "resume-url").input_value()


def stored_answers(app) -> dict[tuple[str, str], str]:
    with app.app_context():
        rows = db.session.execute(select(Answer.question_key, Answer.part_key, Answer.value))
        return {(q, p): v for q, p, v in rows}


def fill_profile(page: Page) -> None:
    # respond.js is deferred: a person cannot pick a country before it runs, a robot can (the
    # CI run of ca3b7d3 did, on a loaded machine, and the region stayed empty).
    page.wait_for_load_state("domcontentloaded")
    field(page, "q.institution_name").fill("Ville de Dakar")
    # Choosing the country fills the region in the browser; the respondent may still change it.
    field(page, "q.country").select_option("SN")
    expect(field(page, "q.region-africa")).to_be_checked()
    field(page, "q.institution_type-municipality").check()
    field(page, "q.population_band-from_1m_to_5m").check()
    field(page, "q.respondent_department").fill("Direction des droits humains")


def fill_commitments(page: Page) -> None:
    condition = page.locator("#question-local_charter_name")
    expect(condition).to_be_hidden()  # shown only once "local charter" is ticked
    field(page, "q.hr_elements-local_charter").check()
    expect(condition).to_be_visible()
    field(page, "q.local_charter_name").fill("Charte dakaroise des droits")
    field(page, "q.hr_elements-ombudsperson").check()
    field(page, "q.hr_elements.other").fill("Conseil municipal des jeunes")
    field(page, "q.hr_staff_number").fill("14")
    field(page, "q.charter_2011_adopted-yes").check()
    field(page, "q.other_charters-gwangju_principles").check()


def fill_charter_experience(page: Page) -> None:
    field(page, "q.charter_adoption_year").fill("2016")
    field(page, "q.charter_2011_use-action_plan").check()
    field(page, "q.charter_impact-some_extent").check()


def fill_articles(page: Page) -> None:
    for row, point in RELEVANCE_CHOSEN.items():
        field(page, f"q.article_relevance.{row}-{point}").check()
    field(page, "q.article_update.art10-rethink").check()
    field(page, "q.article_comments").fill("L'article X doit traiter la financiarisation.")


def check_restored(page: Page, base_url: str, token: str) -> None:
    """Every answer given before leaving is there again, page by page."""
    page.goto(f"{base_url}/r/{token}/s/profile")
    expect(field(page, "q.institution_name")).to_have_value("Ville de Dakar")
    expect(field(page, "q.country")).to_have_value("SN")
    expect(field(page, "q.region-africa")).to_be_checked()
    expect(field(page, "q.institution_type-municipality")).to_be_checked()
    expect(field(page, "q.population_band-from_1m_to_5m")).to_be_checked()
    expect(field(page, "q.respondent_department")).to_have_value("Direction des droits humains")

    page.goto(f"{base_url}/r/{token}/s/commitments")
    expect(field(page, "q.hr_elements-local_charter")).to_be_checked()
    expect(field(page, "q.hr_elements-ombudsperson")).to_be_checked()
    expect(field(page, "q.hr_elements-indicators")).not_to_be_checked()
    expect(page.locator("#question-local_charter_name")).to_be_visible()
    expect(field(page, "q.local_charter_name")).to_have_value("Charte dakaroise des droits")
    expect(field(page, "q.hr_elements.other")).to_have_value("Conseil municipal des jeunes")
    expect(field(page, "q.hr_staff_number")).to_have_value("14")
    expect(field(page, "q.charter_2011_adopted-yes")).to_be_checked()
    expect(field(page, "q.other_charters-gwangju_principles")).to_be_checked()

    page.goto(f"{base_url}/r/{token}/s/charter_experience")
    expect(field(page, "q.charter_adoption_year")).to_have_value("2016")
    expect(field(page, "q.charter_2011_use-action_plan")).to_be_checked()
    expect(field(page, "q.charter_impact-some_extent")).to_be_checked()

    page.goto(f"{base_url}/r/{token}/s/articles")
    for row, point in RELEVANCE_CHOSEN.items():
        expect(field(page, f"q.article_relevance.{row}-{point}")).to_be_checked()
    expect(field(page, "q.article_update.art10-rethink")).to_be_checked()
    expect(field(page, "q.article_comments")).to_have_value(
        "L'article X doit traiter la financiarisation."
    )


def test_fill_leave_resume_elsewhere_and_submit(app, live_server, new_context):
    base = live_server.url
    first = new_context()
    page = first.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    start(page, base)
    link = resume_link(page)
    token = link.rsplit("/r/", 1)[1]
    assert link.startswith(base)
    expect(page.get_by_text("Page 1 of up to 8")).to_be_visible()

    fill_profile(page)
    screenshot(page, "respond-profile")
    save_and_continue(page)
    expect(page).to_have_url(re.compile(r"/s/commitments$"))
    fill_commitments(page)
    screenshot(page, "respond-condition-shown")
    save_and_continue(page)
    # Answering "yes" to the 2011 Charter opens a page that was not in the list before.
    expect(page).to_have_url(re.compile(r"/s/charter_experience$"))
    expect(page.get_by_text("Page 3 of 8")).to_be_visible()
    fill_charter_experience(page)
    save_and_continue(page)
    fill_articles(page)
    screenshot(page, "respond-matrix")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the matrix becomes a list
    expect(page.locator("label.scale-label").first).to_be_visible()
    screenshot(page, "respond-matrix-phone")
    page.set_viewport_size({"width": 1280, "height": 720})
    save_and_continue(page)
    expect(page).to_have_url(re.compile(r"/s/challenges$"))
    first.close()  # the respondent leaves midway

    second = new_context()  # another browser: no cookie, no storage
    page = second.new_page()
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/s/challenges$"))
    check_restored(page, base, token)

    page.goto(f"{base}/r/{token}/s/challenges")
    field(page, "q.barriers-insufficient_funding").check()
    field(page, "q.barriers-lack_of_data").check()
    details = page.locator("#question-pandemic_details")
    expect(details).to_be_hidden()
    field(page, "q.pandemic_changed-yes").check()
    expect(details).to_be_visible()
    field(page, "q.pandemic_details").fill("Le budget social a doublé en 2020.")
    save_and_continue(page)

    expect(page).to_have_url(re.compile(r"/s/revision$"))
    field(page, "q.new_themes-climate_justice").check()
    field(page, "q.new_themes-digital_rights").check()
    field(page, "q.new_themes-care").check()
    field(page, "q.new_themes_top3.rank1").select_option("care")
    field(page, "q.new_themes_top3.rank2").select_option("climate_justice")
    field(page, "q.new_themes_top3.rank3").select_option("digital_rights")
    field(page, "q.mechanisms-local_observatories").check()
    screenshot(page, "respond-ranking")
    save_and_continue(page)

    expect(page).to_have_url(re.compile(r"/s/movement$"))
    support = page.locator("#question-campaign_support")
    expect(support).to_be_hidden()
    field(page, "q.campaign_interest-wish_to_join").check()
    expect(support).to_be_visible()
    field(page, "q.campaign_support-peer_exchange").check()
    save_and_continue(page)

    expect(page).to_have_url(re.compile(r"/s/final$"))
    field(page, "q.final_priority").fill("Le droit à la ville pour toutes et tous.")
    page.get_by_role("button", name="Save and review").click()

    expect(page).to_have_url(re.compile(r"/review$"))
    review = page.locator("main")
    for text in [
        "Ville de Dakar",
        "Senegal",
        "Africa",
        "Charte dakaroise des droits",
        "Other: Conseil municipal des jeunes",
        "1. Care",
        "2. Climate justice",
        "Le budget social a doublé en 2020.",
    ]:
        expect(review).to_contain_text(text)
    screenshot(page, "respond-review")
    page.get_by_role("button", name="Submit my response").click()

    expect(page).to_have_url(re.compile(r"/receipt$"))
    number = page.locator(".receipt-number").inner_text()
    assert re.fullmatch(r"LG-[A-Z2-9]{4}-[A-Z2-9]{4}", number)
    screenshot(page, "respond-receipt")
    assert errors == []

    answers = stored_answers(app)
    assert answers[("new_themes_top3", "care")] == "1"
    assert answers[("article_relevance", "art03")] == RELEVANCE_CHOSEN["art03"]
    assert answers[("region", "")] == "africa"
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.status == "submitted" and response.receipt_number == number


def test_background_autosave_keeps_text_typed_without_pressing_any_button(
    app, live_server, new_context
):
    base = live_server.url
    page = new_context().new_page()
    start(page, base)
    link = resume_link(page)
    token = link.rsplit("/r/", 1)[1]
    page.goto(f"{base}/r/{token}/s/final")
    text = "Une Charte qui parle des communs urbains, du climat et du soin. " * 6
    area = field(page, "q.good_practice")
    area.click()
    area.press_sequentially(text[:80])
    area.fill(text)  # the rest at once, as a paste would
    expect(page.locator(".autosave-status")).to_have_text("Saved", timeout=15_000)
    expect(page.locator('[data-counter-for="q.good_practice"]')).to_contain_text(
        f"{len(text)} of 5,000 characters"
    )
    screenshot(page, "respond-autosaved")

    elsewhere = new_context().new_page()
    elsewhere.goto(link)
    expect(elsewhere).to_have_url(re.compile(r"/s/final$"))
    expect(field(elsewhere, "q.good_practice")).to_have_value(text)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.status == "draft"  # a draft, not a response


def test_without_javascript_the_questionnaire_still_works(app, live_server, new_context):
    base = live_server.url
    page = new_context(java_script_enabled=False).new_page()
    start(page, base)
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()  # JavaScript-only control
    field(page, "q.institution_name").fill("Municipalidad de Rosario")
    field(page, "q.country").select_option("AR")
    field(page, "q.institution_type-intermediary_city").check()
    save_and_continue(page)

    expect(page).to_have_url(re.compile(r"/s/commitments$"))
    # The conditional question is on the page with a note saying when to answer it.
    expect(page.locator("#question-local_charter_name")).to_be_visible()
    expect(page.get_by_text("Answer only if your answer to")).to_be_visible()
    field(page, "q.hr_elements-local_charter").check()
    field(page, "q.local_charter_name").fill("Carta de Rosario")
    field(page, "q.charter_2011_adopted-no").check()
    screenshot(page, "respond-no-js")
    save_and_continue(page)

    expect(page).to_have_url(re.compile(r"/s/articles$"))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Please answer every row.")
    for row in ARTICLE_ROWS:
        field(page, f"q.article_relevance.{row}-relevant").check()
    save_and_continue(page)

    page.locator(".step-list > summary").click()  # the list of pages opens without JavaScript
    page.get_by_role("button", name="Review and submit").click()
    expect(page.locator("main")).to_contain_text("Argentina")
    expect(page.locator("main")).to_contain_text("Latin America")  # the server filled it
    page.get_by_role("button", name="Submit my response").click()
    expect(page).to_have_url(re.compile(r"/receipt$"))
    expect(page.locator(".receipt-number")).to_have_text(re.compile(r"^LG-"))
    answers = stored_answers(app)
    assert answers[("local_charter_name", "")] == "Carta de Rosario"
    assert answers[("region", "")] == "latin_america"
