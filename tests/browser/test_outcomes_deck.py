"""The outcomes in a real browser: the deck moved through by keyboard, full screen, print, axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.contributions.models import Contribution
from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import data, demo, demo_contributions, operations
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.conftest import STAFF_PASSWORD
from tests.outcomes.conftest import fill_demo


@pytest.fixture
def outcomes_app(app, staff):
    """An app with demo responses and contributions, three starred quotes (one of them a
    contribution) and a published snapshot."""
    return published_demo(app, staff, 400)


def published_demo(app, staff, responses):
    """Fill ``app`` with ``responses`` demo responses, 60 contributions, three starred quotes
    and a published snapshot; the admin's e-mail in OUTCOMES_ADMIN."""
    fill_demo(app, responses, seed=21)
    email = staff("admin")
    with app.app_context(), writing():
        plan = demo.DemoPlan(responses=0, contributions=60, seed=21)
        for _made in demo_contributions.generate_contributions(
            db.session, region_map(app.config["QUESTIONNAIRES_PATH"]), plan
        ):
            pass
        admin = db.session.scalar(select(User).where(User.email == email))
        candidates = db.session.execute(
            select(Answer.response_id, Answer.question_key)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.status == "submitted", Answer.question_key == "final_priority")
            .limit(2)
        ).all()
        for position, (response_id, question_key) in enumerate(candidates, start=1):
            quote = operations.star_answer(
                db.session, current_questionnaires(), response_id, question_key, admin
            )
            operations.set_deck_position(db.session, quote.id, position)
        published = db.session.scalar(
            select(Contribution.id).where(Contribution.status == "published").limit(1)
        )
        quote = operations.star_contribution(db.session, published, admin)
        operations.set_deck_position(db.session, quote.id, 3)
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(
            db.session,
            sources,
            label="Working session, 23 February 2022",
            timezone="Europe/Paris",
            actor=admin,
        )
        operations.publish(db.session, snapshot, admin)
        db.commit()
    app.config["OUTCOMES_ADMIN"] = email
    return app


def sign_in(page, url, email):
    page.goto(url + "/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")


def test_the_deck_moves_by_keyboard_and_reads_well(outcomes_app, serve, new_context):
    server = serve(outcomes_app)
    context = new_context(viewport={"width": 1280, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    page.goto(server.url + "/staff/outcomes/1/deck")
    slides = page.locator(".slide")
    total = slides.count()
    # 7 slides, and the key findings of each questionnaire on as many as they need
    assert total == 7 + page.locator(".slide-findings").count()
    assert page.locator(".slide.current").count() == 1
    shots = []
    overflow = []
    for index in range(total):
        current = page.locator(".slide.current")
        assert current.get_attribute("id") == f"slide-{index + 1}"
        assert page.locator("[data-deck=counter]").inner_text() == f"Slide {index + 1} of {total}"
        shots.append(screenshot(page, f"deck-slide-{index + 1}", full_page=False))
        # Everything on the slide fits in it (nothing cut off at the bottom or the side).
        spill = page.evaluate(
            "() => { const i = document.querySelector('.slide.current .slide-inner');"
            " return [i.scrollHeight - i.clientHeight, i.scrollWidth - i.clientWidth]; }"
        )
        if max(spill) > 2:
            overflow.append((index + 1, spill))
        page.keyboard.press("ArrowRight")
    # At the end the deck stays on the last slide; Home, End, PageUp and PageDown jump.
    assert page.locator(".slide.current").get_attribute("id") == f"slide-{total}"
    page.keyboard.press("Home")
    assert page.locator(".slide.current").get_attribute("id") == "slide-1"
    page.keyboard.press("End")
    assert page.locator(".slide.current").get_attribute("id") == f"slide-{total}"
    page.keyboard.press("PageUp")
    assert page.locator(".slide.current").get_attribute("id") == f"slide-{total - 1}"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageDown")
    assert page.locator(".slide.current").get_attribute("id") == f"slide-{total - 1}"
    # The slide fits the window: nothing spills out of it.
    box = page.locator(".slide.current").bounding_box()
    assert box["width"] <= 1280 and box["height"] <= 768
    assert overflow == []
    # The article heat map shows the three channels side by side, each column with its base.
    assert len(shots) == total
    heat = page.locator("[data-slide=articles] svg.chart-heat")
    # (a header's lines are tspans: their texts join without a space, and a word longer than
    # the column is broken with a hyphen)
    headers = [re.sub(r"[\s-]", "", t) for t in heat.locator("text").all_text_contents()]
    assert sum("Opencontributions" in h for h in headers) == 1, headers
    assert heat.locator("text", has_text="n = ").count() == 5
    assert page.evaluate("document.fullscreenEnabled") in (True, False)
    assert page.locator("[data-deck=fullscreen]").count() == 1
    assert errors == []
    assert serious_accessibility_violations(page) == []


def test_the_deck_without_javascript_is_a_long_page_and_prints_a_slide_per_page(
    outcomes_app, serve, new_context
):
    server = serve(outcomes_app)
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    page.goto(server.url + "/staff/outcomes/1/deck?lang=fr")
    total = page.locator(".slide").count()
    visible = [page.locator(f"#slide-{n}").is_visible() for n in range(1, total + 1)]
    assert total >= 9 and all(visible)
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "deck-no-js-fr")
    pdf = page.pdf(prefer_css_page_size=True)
    # one page per slide
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == total


def test_outcome_pages_have_no_serious_accessibility_problem(outcomes_app, serve, new_context):
    server = serve(outcomes_app)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(60000)  # full-page screenshots of long pages on a busy machine
    public = outcomes_app.test_client().get("/outcomes").get_data(as_text=True)
    assert "First outcomes of the consultation" in public
    page.goto(server.url + "/outcomes")
    screenshot(page, "outcomes-public")
    assert serious_accessibility_violations(page) == []
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    for path, name in (
        ("/staff/outcomes/", "outcomes-staff"),
        ("/staff/outcomes/snapshots/1", "outcomes-snapshot"),
        ("/staff/outcomes/quotes", "outcomes-quotes"),
        ("/staff/outcomes/snapshots", "outcomes-snapshots"),
    ):
        page.goto(server.url + path)
        screenshot(page, name, full_page=False)
        assert serious_accessibility_violations(page) == [], path
