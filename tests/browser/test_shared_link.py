"""Several people, one link, in a real browser: two contexts on the same personal link (page
saves and background saves), the closed link, the printable copies; axe-core on the new pages
in English, French and Spanish, desktop and phone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult.db import db
from consult.questionnaires import operations
from consult.questionnaires.models import Response
from consult.questionnaires.registry import definition_of
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_respond_flow import field, start
from tests.conftest import Respondent
from tests.questionnaires.test_nothing_lost import _closed_copy
from tests.questionnaires.test_personal_link import pdf_text
from tests.questionnaires.test_respond import fill_required

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True}


def all_accessibility_violations(page: Page) -> list[str]:
    """Run axe-core; return every violation, whatever its impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v.get('impact')}): {[', '.join(n['target']) for n in v['nodes'][:5]]}"
        for v in results.response["violations"]
    ]


def stored(app) -> dict:
    with app.app_context():
        response = db.session.scalar(select(Response))
        return operations.answers_of(db.session, response, definition_of(response))


def two_pages_on_one_link(live_server, new_context, **options) -> tuple[Page, Page, str]:
    first = new_context(**options).new_page()
    start(first, live_server.url)
    field(first, "q.institution_name").fill("Ville de Dakar")
    field(first, "q.country").select_option("SN")
    first.get_by_role("button", name="Save draft").click()
    link = field(first, "resume-url").input_value()
    second = new_context(**options).new_page()
    second.goto(link)
    expect(field(second, "q.institution_name")).to_have_value("Ville de Dakar")
    first.reload()
    return first, second, link


def test_a_stale_page_save_shows_both_answers_and_the_choice_is_kept(app, live_server, new_context):
    first, second, _link = two_pages_on_one_link(
        live_server, new_context, java_script_enabled=False
    )
    # The first browser renames the institution and gives the department; the second, still
    # showing the old page, renames it differently and gives the population.
    field(first, "q.institution_name").fill("Commune de Dakar")
    field(first, "q.respondent_department").fill("Direction des droits humains")
    first.get_by_role("button", name="Save draft").click()
    field(second, "q.institution_name").fill("Ville de Dakar (Sénégal)")
    field(second, "q.population_band-from_1m_to_5m").check()
    field(second, "q.institution_type-municipality").check()
    second.get_by_role("button", name="Save and continue").click()

    summary = second.locator("#conflict-summary")
    expect(summary).to_be_visible()
    box = second.locator("#conflict-institution_name")
    expect(box).to_contain_text("Commune de Dakar")  # the stored answer, shown
    expect(box).to_contain_text("Ville de Dakar (Sénégal)")  # the one just typed
    expect(box).to_contain_text("from another browser")
    expect(field(second, "q.institution_name")).to_have_value("Ville de Dakar (Sénégal)")
    # What only the first browser changed is shown as stored now.
    expect(field(second, "q.respondent_department")).to_have_value("Direction des droits humains")
    answers = stored(app)
    assert answers["institution_name"] == {"": "Commune de Dakar"}  # nothing overwritten
    assert answers["population_band"] == {"": "from_1m_to_5m"}  # the rest merged
    assert answers["respondent_department"] == {"": "Direction des droits humains"}
    screenshot(second, "conflict-en-desktop")

    field(second, "resolve-institution_name-mine").check()
    second.get_by_role("button", name="Save and continue").click()
    expect(second).to_have_url(re.compile(r"/s/commitments$"))
    answers = stored(app)
    assert answers["institution_name"] == {"": "Ville de Dakar (Sénégal)"}
    assert answers["respondent_department"] == {"": "Direction des droits humains"}


def test_a_background_save_over_a_newer_answer_says_so_and_leads_to_the_choice(
    app, live_server, new_context
):
    first, second, _link = two_pages_on_one_link(live_server, new_context)
    field(first, "q.institution_name").fill("Commune de Dakar")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_text("Your answers are saved.")).to_be_visible()

    field(second, "q.institution_name").fill("Dakar, capitale")  # autosave runs on its own
    # and a question the first browser left alone, saved with it
    field(second, "q.respondent_department").fill("Direction des droits humains")
    alert = second.locator(".conflict-alert")
    expect(alert).to_be_visible(timeout=15_000)
    # The status, in view while one types, never says a plain "Saved" over a conflict.
    status = second.locator(".autosave-status")
    expect(status).to_contain_text("Saved, except one answer someone else changed meanwhile")
    expect(second.locator("#live-status")).to_contain_text("someone else changed")
    assert stored(app)["institution_name"] == {"": "Commune de Dakar"}
    screenshot(second, "conflict-autosave-alert", full_page=False)
    alert.get_by_role("button").click()
    expect(second.locator("#conflict-summary")).to_be_focused()
    # Its own background save of the department came after the first browser's: the answer in
    # conflict is still said to come from another browser, not from another tab of this one.
    box = second.locator("#conflict-institution_name")
    expect(box).to_contain_text("from another browser")
    expect(box).not_to_contain_text("another tab of this browser")
    field(second, "resolve-institution_name-theirs").check()
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Your answers are saved.")).to_be_visible()
    expect(field(second, "q.institution_name")).to_have_value("Commune de Dakar")
    assert stored(app)["institution_name"] == {"": "Commune de Dakar"}


def test_a_page_whose_session_went_saves_in_the_background_all_the_same(
    app, live_server, new_context
):
    """A phone's browser closed and its tab restored: no session cookie any more. Typing on
    saves as before (a new form token fetched by the background save), nothing to reload."""
    context = new_context(**PHONE)
    page = context.new_page()
    start(page, live_server.url)
    field(page, "q.institution_name").fill("Ville de Dakar")
    page.get_by_role("button", name="Save draft").click()
    context.clear_cookies()
    field(page, "q.respondent_department").fill("Direction de la solidarité")
    status = page.locator(".autosave-status")
    expect(status).to_have_text("Saved", timeout=15_000)
    assert stored(app)["respondent_department"] == {"": "Direction de la solidarité"}
    # and the page save after it goes through as well, with the new token
    page.locator("button[value=save]").click()
    expect(field(page, "q.respondent_department")).to_have_value("Direction de la solidarité")
    assert stored(app)["institution_name"] == {"": "Ville de Dakar"}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_new_pages_are_accessible_and_fit_a_phone(
    app, make_app, serve, live_server, new_context, tmp_path, language
):
    """The conflict page, the printable questionnaire, the review with its PDF link, and the
    closed link (submitted and draft), desktop and phone: no axe violation of any impact."""
    found: dict[str, list[str]] = {}
    tokens = {}
    for name, options in (("desktop", {}), ("phone", PHONE)):
        first, second, link = two_pages_on_one_link(live_server, new_context, **options)
        for page in (first, second):
            page.goto(page.url.split("?")[0] + f"?lang={language}")
        field(first, "q.institution_name").fill("Commune de Dakar")
        first.locator("button[value=save]").first.click()
        field(second, "q.institution_name").fill("بلدية داكار")
        second.locator("button[value=save]").first.click()
        expect(second.locator("#conflict-summary")).to_be_visible()

        def audit(page: Page, label: str, name: str = name) -> None:
            expect(page.locator("html")).to_have_attribute("lang", language)
            violations = all_accessibility_violations(page)
            if violations:
                found[f"{label}-{name}"] = violations
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], (label, name, width)
            screenshot(page, f"{label}-{language}-{name}")

        audit(second, "conflict")
        second.goto(f"{live_server.url}/questionnaires/local-governments/print")
        audit(second, "blank-print")
        token = link.rsplit("/r/", 1)[1]
        tokens[name] = token
        second.goto(f"{live_server.url}/r/{token}/review")
        audit(second, "review")
        second.emulate_media(media="print")
        screenshot(second, f"review-print-{language}-{name}")
        expect(second.locator(".site-header")).to_be_hidden()
        expect(second.locator(".print-links")).to_be_hidden()
        expect(second.locator("form.submit-form")).to_be_hidden()
        expect(second.locator(".print-only")).to_contain_text(  # a draft says so on paper
            {"en": "Draft, not submitted", "fr": "Brouillon", "es": "Borrador"}[language]
        )
        second.emulate_media(media="screen")

    # The desktop response is submitted, the phone one stays a draft; then the deadline passes.
    submitter = Respondent(app.test_client())
    submitter.token = tokens["desktop"]
    fill_required(submitter)
    assert submitter.submit().status_code == 303
    closed_app = make_app(
        instance=app.instance_path, QUESTIONNAIRES_PATH=str(_closed_copy(tmp_path / "closed"))
    )
    closed = serve(closed_app)
    for name, options in (("desktop", {}), ("phone", PHONE)):
        page = new_context(**options).new_page()
        page.goto(f"{closed.url}/r/{tokens[name]}?lang={language}")
        expect(page.locator(".notice")).to_be_visible()
        expect(page.locator('[name^="q."]')).to_have_count(0)
        violations = all_accessibility_violations(page)
        if violations:
            found[f"closed-{name}"] = violations
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"closed-{language}-{name}")
    assert found == {}


def test_the_pdf_looks_like_a_copy_to_sign(app, live_server, new_context):
    """Render the PDF of a French response to PNG, for looking at (pdftoppm, when present)."""
    page = new_context(locale="fr-FR").new_page()
    page.goto(f"{live_server.url}/questionnaires/local-governments")
    page.locator("main form button[type=submit]").click()  # Commencer
    field(page, "q.institution_name").fill("Ville de Grigny — 그리니")
    page.locator("button[value=save]").first.click()
    token = page.url.split("/r/", 1)[1].split("/", 1)[0]
    # The first PDF of a process loads WeasyPrint and the fonts: seconds on a busy machine.
    reply = page.request.get(f"{live_server.url}/r/{token}/answers.pdf", timeout=90_000)
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    assert reply.body().startswith(b"%PDF")
    assert "Brouillon, non envoyé" in pdf_text(reply.body())  # the response's language
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        source = Path(SCREENSHOTS / "answers-fr.pdf")
        source.write_bytes(reply.body())
        subprocess.run(
            [pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "1", str(source), str(source)[:-4]],
            check=True,
        )
