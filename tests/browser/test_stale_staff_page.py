"""A moderator's page opened before a colleague's decision: the refusal page, in a browser.

It says who changed what, keeps what was typed, offers both ways out, and passes axe-core.
"""

from __future__ import annotations

from consult.contributions import operations
from consult.db import db, writing
from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.conftest import STAFF_PASSWORD


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/staff/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_stale_decision_is_refused_with_who_and_what(app, live_server, new_context, staff):
    with app.test_request_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session,
            kind="comment",
            text="The Charter should say more about housing.",
            language="en",
            organisation_type="civil_society",
        )
        db.commit()
        path = f"/staff/moderation/{contribution.id}"
    base = live_server.url
    admin, moderator = new_context().new_page(), new_context().new_page()
    _sign_in(admin, base, staff("admin"))
    _sign_in(moderator, base, staff("moderator"))
    admin.goto(base + path)
    moderator.goto(base + path)
    moderator.get_by_role("button", name="Approve #1").click()
    assert "Approved: 1 contribution." in moderator.content()
    admin.get_by_label("Reason (to reject or hide)").select_option("off_topic")
    admin.get_by_label("Note to the contributor (optional)").fill("Not about the Charter.")
    admin.get_by_role("button", name="Reject #1").click()
    admin.wait_for_load_state()
    screenshot(admin, "staff-stale-refused")
    text = admin.content()
    assert "changed since you opened it" in text and "moderator@cisdp.test" in text
    assert "Not about the Charter." in text
    assert serious_accessibility_violations(admin) == []
    admin.get_by_role("button", name="Apply my change anyway").click()
    assert "Take it off the public site?" in admin.content()
    screenshot(admin, "staff-confirm-removal")
    assert serious_accessibility_violations(admin) == []
