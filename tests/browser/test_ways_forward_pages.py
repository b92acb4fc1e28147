"""The pages that say a link stopped working, or that something can no longer be done, on a
desktop and on a phone: axe finds nothing serious, nothing scrolls sideways, the way forward is
a visible link; screenshots are saved (test-artifacts/screenshots) and looked at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from consult.db import db, writing
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.core.test_ways_forward import _contribution, _pledge
from tests.staff.test_invitation_lifetime import _invite

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}


def _checked(page, name: str) -> None:
    assert serious_accessibility_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    screenshot(page, name)


@pytest.mark.parametrize("size", SIZES)
def test_pages_of_links_that_can_no_longer_do_something(app, login, live_server, new_context, size):
    page = new_context(viewport=SIZES[size]).new_page()
    _id, token = _contribution(app, "withdrawn")
    page.goto(f"{live_server.url}/contributions/status/{token}?lang=fr")
    expect(page.get_by_role("link", name="Contacter la CISDP de CGLU")).to_be_visible()
    _checked(page, f"ways-contribution-withdrawn-fr-{size}")
    login(app.test_client(), "admin")
    client, token = _pledge(app, "reject")
    page.goto(f"{live_server.url}/campaign/pledge/{token}?lang=es")
    expect(page.get_by_role("link", name="Contactar con la CISDP de CGLU")).to_be_visible()
    _checked(page, f"ways-pledge-rejected-es-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_change_sent_after_the_pledge_was_refused(app, login, live_server, new_context, size):
    from consult.campaign import operations
    from consult.staff.models import User
    from tests.campaign.conftest import Institution

    page = new_context(viewport=SIZES[size]).new_page()
    token = Institution(app.test_client()).join()
    page.goto(f"{live_server.url}/campaign/pledge/{token}/edit?lang=en")
    page.locator("#own_commitment").fill("A council of inhabitants, typed while CISDP decided.")
    login(app.test_client(), "admin")
    with app.app_context(), writing():
        pledge = operations.find_pledge(db.session, token)
        actor = db.session.query(User).first()
        operations.decide(db.session, pledge, "reject", "Not a local government.", actor, "")
        db.commit()
    page.locator("button[name=action][value=save]").first.click()
    expect(page.get_by_role("heading", name="What you sent was not saved")).to_be_visible()
    expect(page.locator("details.typed")).to_contain_text(
        "A council of inhabitants, typed while CISDP decided."
    )
    expect(page.get_by_role("link", name="Back to your pledge's page")).to_be_visible()
    _checked(page, f"ways-pledge-refused-change-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_an_invited_account_past_72_hours(app, login, live_server, new_context, monkeypatch, size):
    from tests.conftest import STAFF_PASSWORD

    user_id, link = _invite(app, monkeypatch, f"invited-{size}@cisdp.test", 73)
    page = new_context(viewport=SIZES[size]).new_page()
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_label("New password")).to_be_visible()
    _checked(page, f"ways-invitation-link-73h-{size}")
    page.goto(f"{live_server.url}/staff/password/set/forged.token?lang=fr")
    expect(page.get_by_role("link", name="Contacter la CISDP de CGLU")).to_be_visible()
    _checked(page, f"ways-password-link-used-fr-{size}")
    email = "admin-browser@cisdp.test"
    from consult.staff.operations import create_user

    with app.app_context(), writing():
        create_user(db.session, email, "admin", STAFF_PASSWORD, one_time=False)
        db.commit()
    page.goto(f"{live_server.url}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form.narrow-form button[type=submit]").click()
    page.goto(f"{live_server.url}/staff/users/{user_id}?lang=en")
    expect(page.locator("dl.facts")).to_contain_text("not chosen yet: the invitation link")
    _checked(page, f"ways-invited-account-73h-{size}")
    page.goto(f"{live_server.url}/staff/users")
    _checked(page, f"ways-accounts-list-{size}")


def test_the_personal_link_box_after_the_link_was_replaced_on_a_phone(
    app, live_server, new_context
):
    from sqlalchemy import select

    from consult.questionnaires.models import Response
    from consult.staff import invitations
    from tests.browser.test_respond_flow import field, start

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    start(page, live_server.url, "partners")
    name = field(page, "q.organisation_name")
    name.fill("Red de ciudades")
    expect(page.locator(".autosave-status")).to_have_text("Saved")
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()
    name.fill("Red de ciudades por la vivienda")
    gone = page.locator("[data-link-box] .link-box-gone")
    expect(gone).to_be_visible()
    expect(page.locator("#resume-url")).to_be_hidden()
    expect(page.locator("#email-link-address")).to_be_hidden()
    _checked(page, "ways-link-box-replaced-phone")


@pytest.mark.parametrize("size", SIZES)
def test_the_invitation_in_the_browser_whose_link_was_replaced(
    app, login, live_server, new_context, size
):
    from tests.core.test_ways_forward import _replace_link
    from tests.staff.test_invitation_privacy import _invitation_path

    path = _invitation_path(app, login(app.test_client(), "analyst"))
    page = new_context(viewport=SIZES[size]).new_page()
    page.goto(f"{live_server.url}{path}?lang=es")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/r/"))
    _replace_link(app)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("alert")).to_contain_text("fue reemplazado")
    expect(page.get_by_role("link", name="Volver a pedir el enlace")).to_be_visible()
    _checked(page, f"ways-invitation-replaced-es-{size}")
