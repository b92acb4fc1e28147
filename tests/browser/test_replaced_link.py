"""A colleague asks for the lost link while another is typing on the old one: the typist's
page stops retrying, says so persistently, keeps the text, and the page save gives it back."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Response
from consult.staff import invitations
from tests.browser.conftest import screenshot
from tests.browser.test_respond_flow import field, start

TYPED = "Our network of 40 cities <works> on housing"


def test_typing_on_a_link_a_colleague_replaced_keeps_the_text_and_says_what_to_do(
    app, live_server, page
):
    start(page, live_server.url, "partners")
    name = field(page, "q.organisation_name")
    name.fill("Red de ciudades")
    expect(page.locator(".autosave-status")).to_have_text("Saved")
    # Colleague B asks for the link again and opens the e-mailed one ("Open your answers").
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()
    autosaves = []
    page.on("request", lambda r: autosaves.append(r) if r.url.endswith("/autosave") else None)
    name.fill(TYPED)
    alert = page.locator(".link-replaced-alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert.get_by_role("link", name="Ask for the link again")).to_have_attribute(
        "href", "/questionnaires/partners/lost-link"
    )
    expect(page.locator(".autosave-status")).not_to_have_text("Not saved yet", timeout=1000)
    tried = len(autosaves)
    page.wait_for_timeout(7000)  # a failed save would have been retried after 5 s
    assert len(autosaves) == tried == 1
    expect(name).to_have_value(TYPED)
    # The "Your personal link" box no longer offers the dead link, and says how to get the new one.
    box = page.locator("[data-link-box]")
    expect(box.locator(".link-box-live")).to_be_hidden()
    expect(page.locator("#resume-url")).to_have_value("")
    gone = box.locator(".link-box-gone")
    expect(gone).to_be_visible()
    expect(gone).to_contain_text("This link was replaced by a newer one and no longer works.")
    expect(gone.get_by_role("link", name="Ask for the link again")).to_have_attribute(
        "href", "/questionnaires/partners/lost-link"
    )
    screenshot(page, "replaced-link-alert")
    box.scroll_into_view_if_needed()
    screenshot(page, "replaced-link-box", full_page=False)
    page.get_by_role("button", name="Save and continue").click()
    heading = page.get_by_role("heading", name="This link was replaced by a newer one")
    expect(heading).to_be_visible()
    expect(page.locator("#typed-not-saved textarea")).to_have_value(TYPED)
    screenshot(page, "replaced-link-page")
