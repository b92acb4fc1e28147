"""The landing page in a real browser: no console error, no CSP violation, no axe finding."""

from __future__ import annotations

from tests.browser.conftest import serious_accessibility_violations


def test_landing_page_is_clean_in_a_browser(live_server, page):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.is_visible()
    assert page.evaluate("document.documentElement.classList.contains('js')")
    assert errors == []
    assert serious_accessibility_violations(page) == []
