"""In a browser: a one-time password leads straight to the page that replaces it, then on."""

from __future__ import annotations

from consult.db import db, writing
from consult.staff import operations
from tests.browser.conftest import screenshot, serious_accessibility_violations

ONE_TIME = "handed-over-password-77"
OWN = "my-own-better-password-5"


def test_signing_in_with_a_one_time_password_asks_for_a_new_one_first(
    app, live_server, new_context
):
    page = new_context(locale="fr-FR").new_page()
    with app.app_context(), writing():
        operations.create_user(db.session, "newcomer@cisdp.test", "analyst", ONE_TIME)
        db.commit()
    page.goto(f"{live_server.url}/staff/dashboard")
    page.fill("#email", "newcomer@cisdp.test")
    page.fill("#password", ONE_TIME)
    page.click("button[type=submit]")
    assert "/staff/account/password" in page.url
    notice = page.locator(".notice.warning").inner_text()
    assert "choisi par quelqu'un d'autre" in notice and "UTC" in notice
    assert page.locator("nav.staff-nav ul a").count() == 1  # no section but the home link
    assert serious_accessibility_violations(page) == []
    screenshot(page, "one-time-password-fr")
    page.fill("#current_password", ONE_TIME)
    page.fill("#new_password", OWN)
    page.fill("#confirm_password", OWN)
    page.click("form.narrow-form button[type=submit]")
    assert page.url.endswith("/staff/dashboard")
