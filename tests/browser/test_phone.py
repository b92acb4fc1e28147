"""Responding on a phone (390 x 844), in English, French and Spanish.

Measured in the browser, for every page generated from the definitions: the first question is
visible without scrolling, every radio and checkbox is a target of at least 24 x 24 px, the
matrices keep their scale left to right; and no public page of the site is wider than the
screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.contributions.models import Contribution
from consult.db import db
from consult.questionnaires.registry import current_questionnaires
from tests.browser.conftest import screenshot
from tests.browser.test_choices import accessibility_violations
from tests.browser.test_outcomes_deck import outcomes_app  # noqa: F401 - a fixture
from tests.browser.test_respond_accessibility import _answer_required

PHONE = {"width": 390, "height": 844}
TARGET = 24

#: Where the first question of the page is, and whether the window had to scroll to it.
FIRST_QUESTION = """() => {
  const question = [...document.querySelectorAll('.question')].find(q => q.offsetParent);
  const label = question.querySelector('.question-label');
  const control = question.querySelector('input:not([type=hidden]), select, textarea');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; };
  return {key: question.id, label: box(label), control: box(control),
          height: window.innerHeight, scrolled: window.scrollY};
}"""

#: Every radio and checkbox shown, with its size.
SMALL_TARGETS = """(least) => [...document.querySelectorAll(
    'main input[type=radio], main input[type=checkbox]')]
  .filter(el => el.offsetParent)
  .map(el => { const r = el.getBoundingClientRect();
               return [el.id, Math.round(r.width), Math.round(r.height)]; })
  .filter(([id, w, h]) => w < least || h < least)"""

#: Per matrix row: the scale points' left edges and visible labels, in document order.
MATRIX_ROWS = """() => [...document.querySelectorAll('.matrix-row')].map(row => ({
  legend: row.querySelector('legend').getBoundingClientRect().top,
  points: [...row.querySelectorAll('.scale-point')].map(point => ({
    left: point.getBoundingClientRect().left,
    top: point.getBoundingClientRect().top,
    label: point.querySelector('label').innerText.trim(),
    labelWidth: point.querySelector('label').getBoundingClientRect().width,
  })),
}))"""

WIDTH = "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"


def start(page, base: str, key: str, language: str) -> str:
    page.goto(f"{base}/questionnaires/{key}?lang={language}")
    page.locator("main form button[type=submit]").click()
    return page.url.split("/r/", 1)[1].split("/", 1)[0]


def open_every_section(page, base: str, token: str, questionnaire) -> None:
    """Give the answers that conditional sections depend on, so that every page is asked."""
    for section in questionnaire.sections:
        if section.when is None:
            continue
        source = questionnaire.question(section.when.question)
        page.goto(f"{base}/r/{token}/s/{source.section_key}")
        page.locator(f'[id="q.{source.key}-{section.when.value}"]').check()
        page.locator("button[value=save]").click()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_first_question_of_every_page_is_visible_without_scrolling(
    app, live_server, new_context, language
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    hidden: dict[str, dict] = {}
    small: dict[str, list] = {}
    with app.app_context():
        questionnaires = list(current_questionnaires().values())
    assert questionnaires
    for questionnaire in questionnaires:
        token = start(page, live_server.url, questionnaire.key, language)
        open_every_section(page, live_server.url, token, questionnaire)
        for section in questionnaire.sections:
            page.goto(f"{live_server.url}/r/{token}/s/{section.key}")
            where = page.evaluate(FIRST_QUESTION)
            name = f"{questionnaire.key}/{section.key}"
            if (
                where["scrolled"]
                or where["label"][1] > where["height"]
                or where["control"][0] >= where["height"]
            ):
                hidden[name] = where
            targets = page.evaluate(SMALL_TARGETS, TARGET)
            if targets:
                small[name] = targets
            if section is questionnaire.sections[0] or section.key in ("articles", "relevance"):
                screenshot(page, f"phone-{language}-{name.replace('/', '-')}", full_page=False)
    assert hidden == {}
    assert small == {}


def test_the_step_list_is_one_line_that_opens(app, live_server, new_context):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    token = start(page, live_server.url, "local-governments", "en")
    page.goto(f"{live_server.url}/r/{token}/s/commitments")
    summary = page.locator(".step-list > summary")
    expect(summary).to_have_text(
        re.compile(r"^Page 2 of (up to )?\d – Human rights in your institution")
    )
    expect(page.locator(".steps")).to_be_hidden()
    box = summary.bounding_box()
    assert box is not None and box["height"] >= TARGET
    summary.click()
    expect(page.locator(".steps")).to_be_visible()
    expect(page.locator(".site-nav")).to_be_hidden()  # the compact header while responding


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_matrices_keep_the_scale_order_left_to_right_on_a_phone(
    app, live_server, new_context, language
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    with app.app_context():
        questionnaires = list(current_questionnaires().values())
    checked = 0
    for questionnaire in questionnaires:
        token = start(page, live_server.url, questionnaire.key, language)
        open_every_section(page, live_server.url, token, questionnaire)
        for section in questionnaire.sections:
            matrices = [q for q in section.questions if q.type == "matrix"]
            if not matrices:
                continue
            page.goto(f"{live_server.url}/r/{token}/s/{section.key}")
            rows = page.evaluate(MATRIX_ROWS)
            labels = [q.scale for q in matrices for _row in q.rows]
            assert len(rows) == len(labels)
            for row, scale in zip(rows, labels, strict=True):
                points = row["points"]
                assert [p["label"] for p in points] == [p.label[language] for p in scale]
                lefts = [p["left"] for p in points]
                assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts)
                assert len({round(p["top"]) for p in points}) == 1  # one line, left to right
                assert all(p["labelWidth"] > 0 for p in points)  # every label readable
                checked += 1
            assert page.evaluate(WIDTH)[0] <= PHONE["width"]
    assert checked >= 36  # two matrices of 12 articles, and the partners' one


def _public_pages(app, base: str, page) -> list[str]:
    """Every public page of the site, as a phone visitor reaches them."""
    with app.app_context():
        questionnaires = list(current_questionnaires().values())
        contribution = db.session.scalar(
            select(Contribution.id).where(Contribution.status == "published").limit(1)
        )
    paths = ["/", "/privacy", "/charter", "/contributions", "/contributions/new", "/outcomes"]
    paths += [f"/charter/art{n:02d}" for n in range(1, 13)]
    paths += [f"/contributions/{contribution}", "/no-such-page", "/r/not-a-token"]
    for questionnaire in questionnaires:
        paths.append(f"/questionnaires/{questionnaire.key}")
        page.goto(base + paths[-1])
        page.locator("main form button[type=submit]").click()
        token = page.url.split("/r/", 1)[1].split("/", 1)[0]
        open_every_section(page, base, token, questionnaire)
        paths += [f"/r/{token}/s/{section.key}" for section in questionnaire.sections]
        _answer_required(page, base, token, questionnaire)
        page.goto(f"{base}/r/{token}/review")
        paths.append(f"/r/{token}/review")
        page.locator("form.submit-form button[type=submit]").click()
        expect(page.locator(".receipt-number")).to_be_visible()
        paths.append(f"/r/{token}/receipt")
    return paths


def test_no_public_page_is_wider_than_a_phone(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_navigation_timeout(60_000)  # /outcomes of 400 responses, on a busy machine
    paths = _public_pages(outcomes_app, server.url, page)
    assert len(paths) > 30
    too_wide: dict[str, list[int]] = {}
    for language in ("en", "fr", "es"):
        page.goto(f"{server.url}/?lang={language}")
        for path in paths:
            page.goto(server.url + path)
            widths = page.evaluate(WIDTH)
            if max(widths) > PHONE["width"]:
                too_wide[f"{language} {path}"] = widths
            if language == "fr" and path in ("/outcomes", "/charter/art01", "/privacy"):
                screenshot(page, f"phone-fr{path.replace('/', '-')}", full_page=False)
    assert too_wide == {}
    # The scroll boxes are focusable named groups, not repeated landmarks.
    page.goto(f"{server.url}/outcomes?lang=en")
    assert accessibility_violations(page) == []


def test_the_save_status_stays_in_sight_while_typing(app, live_server, new_context):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    token = start(page, live_server.url, "local-governments", "en")
    page.goto(f"{live_server.url}/r/{token}/s/final")
    page.wait_for_load_state("load")
    first = page.locator('[id="q.final_priority"]')
    first.scroll_into_view_if_needed()
    first.fill("Put housing first.")
    status = page.locator(".autosave-status")
    expect(status).to_have_text("Saved")
    box = status.bounding_box()
    field_box = first.bounding_box()
    assert box is not None and field_box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]  # on screen
    assert field_box["y"] < PHONE["height"]  # with the field being typed in
