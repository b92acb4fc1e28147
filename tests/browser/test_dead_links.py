"""Dead links on a phone, in French and Spanish: a join form whose link to the response was
replaced says so and keeps what was typed; a withdrawn contribution's address says it was
withdrawn; the review page's link box learns a replacement when the page is shown again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.contributions import operations as contributions
from consult.db import db, writing
from consult.questionnaires.models import Response
from consult.staff import invitations
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.browser.test_respond_flow import start

ON_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
SAID = {
    "fr": (
        "a été remplacé par un nouveau",
        "Demander à nouveau le lien personnel de votre réponse",
        "retirée par la personne qui l'a écrite",
    ),
    "es": (
        "fue sustituido por uno nuevo",
        "Volver a pedir el enlace personal de su respuesta",
        "retirada por la persona que la escribió",
    ),
}


def _replace(app) -> None:
    with app.app_context(), writing():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.commit()


def _submitted_response_token(app, respondent_factory) -> str:
    from tests.campaign.test_from_questionnaire import _respond

    respondent = respondent_factory(app.test_client())
    _respond(respondent, "wish_to_join")
    return respondent.token


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_replaced_link_in_a_join_form_is_said_on_a_phone(
    app, live_server, new_context, respondent_factory, language
):
    token = _submitted_response_token(app, respondent_factory)
    page = new_context(locale=f"{language}-ES", **ON_PHONE).new_page()
    page.goto(f"{live_server.url}/campaign/join/from/{token}?lang={language}")
    page.locator("#own_commitment").fill("Nuestras palabras, guardadas.")
    _replace(app)
    page.locator("button[name=action][value=draft]").click()
    notice = page.locator("#dead-response-link")
    expect(notice).to_be_visible()
    replaced, ask_again, _withdrawn = SAID[language]
    expect(notice).to_contain_text(replaced)
    expect(notice.get_by_role("link", name=ask_again)).to_have_attribute(
        "href", "/questionnaires/local-governments/lost-link"
    )
    expect(page.locator("#own_commitment")).to_have_value("Nuestras palabras, guardadas.")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    assert serious_accessibility_violations(page) == []
    notice.scroll_into_view_if_needed()
    screenshot(page, f"join-dead-link-{language}-phone", full_page=False)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_withdrawn_contribution_s_address_says_so_on_a_phone(
    app, live_server, new_context, language
):
    with app.app_context(), writing():
        contribution, _token = contributions.create_contribution(
            db.session,
            text="Texte que personne ne doit revoir.",
            kind="comment",
            language=language,
            organisation_type="academia",
            article="art06",
        )
        contributions.publish(db.session, contribution)
        contributions.withdraw(db.session, contribution)
        db.commit()
        number = contribution.id
    page = new_context(locale=f"{language}-ES", **ON_PHONE).new_page()
    reply = page.goto(f"{live_server.url}/contributions/{number}?lang={language}")
    assert reply.status == 410
    main = page.locator("main")
    expect(main).to_contain_text(SAID[language][2])
    expect(main).not_to_contain_text("personne ne doit revoir")
    expect(main.locator('a[href="/charter/art06"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_accessibility_violations(page) == []
    screenshot(page, f"contribution-withdrawn-{language}-phone", full_page=False)


def test_the_review_page_s_box_learns_a_replacement_when_shown_again(app, live_server, page):
    start(page, live_server.url, "partners")
    review = re.sub(r"/s/[^/]+$", "/review", page.url)
    page.goto(review)
    box = page.locator("[data-link-box]")
    expect(box.locator(".link-box-live")).to_be_visible()
    _replace(app)
    # The person looks at another tab, then comes back to this one.
    other = page.context.new_page()
    other.goto(f"{live_server.url}/")
    other.bring_to_front()
    page.bring_to_front()
    # Headless Chromium does not hide a tab brought to the back: say it came back, as a
    # browser does when the person returns to it.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(box.locator(".link-box-gone")).to_be_visible()
    expect(box.locator(".link-box-live")).to_be_hidden()
    expect(page.locator("#resume-url")).to_have_value("")
