"""The folded navigation menu (_nav.html, staff/base.html) in a real browser: on a phone it is a
closed menu that names the page shown and opens by keyboard; on a desktop it is open, as before;
every public page of the navigation keeps its heading on the phone's first screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.browser.test_outcomes_deck import sign_in
from tests.browser.test_staff_phone import MEASURES, phone_problems

DESKTOP = {"width": 1280, "height": 800}
#: The dashboard's name in the menu and the navigation, per language.
DASHBOARD = {"fr": "Tableau de bord", "es": "Panel"}
MENU = {"fr": "Menu\u00a0: ", "es": "Menú: "}


def accessible(page, name: str) -> tuple[str, bool | None] | None:
    """Return the role and expanded state Chromium gives assistive technology for ``name``."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    for node in tree["nodes"]:
        if node.get("name", {}).get("value") == name and not node.get("ignored"):
            states = {item["name"]: item["value"]["value"] for item in node.get("properties", [])}
            return node["role"]["value"], states.get("expanded")
    return None


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_staff_menu_on_a_phone_names_the_page_and_opens_by_keyboard(
    app, staff, live_server, new_context, language
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{live_server.url}/?lang={language}")
    sign_in(page, live_server.url, staff("admin"))
    page.goto(live_server.url + "/staff/dashboard")
    nav = page.locator("nav.staff-nav")
    summary = nav.locator("summary")
    current = nav.locator("a[aria-current=page]")
    expect(summary).to_have_text(MENU[language] + DASHBOARD[language])
    expect(current).to_be_hidden()  # folded: the page's heading comes first
    # What a screen reader is given (Chromium's own accessibility tree): a collapsed control
    # that names the page.
    assert accessible(page, MENU[language] + DASHBOARD[language]) == (
        "DisclosureTriangle",
        False,
    )
    screenshot(page, f"staff-menu-closed-phone-{language}", full_page=False)

    # From the language switcher, Tab reaches the menu; Enter opens it.
    page.locator(".lang-switch a").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    expect(current).to_be_visible()
    expect(current).to_have_text(DASHBOARD[language])
    assert accessible(page, MENU[language] + DASHBOARD[language])[1] is True
    expect(nav.locator(".staff-account button")).to_be_visible()  # sign out, in the menu
    assert nav.locator("[aria-current]").count() == 1
    assert accessibility_violations(page) == []
    screenshot(page, f"staff-menu-open-keyboard-phone-{language}", full_page=False)
    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("() => document.activeElement.closest('details') !== null")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # and closed again
    expect(current).to_be_hidden()
    page.reload()
    summary.tap()  # a finger opens it too
    expect(current).to_be_visible()
    page.wait_for_timeout(500)  # the tap's highlight fades
    screenshot(page, f"staff-menu-open-phone-{language}", full_page=False)


def test_on_a_desktop_the_staff_navigation_stays_open(app, staff, live_server, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, live_server.url, staff("admin"))
    page.goto(live_server.url + "/staff/coverage")
    nav = page.locator("nav.staff-nav")
    expect(nav.locator("summary")).to_be_hidden()
    expect(nav.get_by_role("link", name="Coverage")).to_have_attribute("aria-current", "page")
    for name in ("Workspace", "Dashboard", "Invitations by e-mail", "Participation dashboard"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    # Everything of the navigation on one screen above the heading, as before the menu.
    box = page.locator("main h1").bounding_box()
    assert box is not None and box["y"] + box["height"] < DESKTOP["height"] / 2
    page.goto(live_server.url + "/")
    expect(page.locator("nav.site-nav summary")).to_be_hidden()
    expect(page.locator("nav.site-nav").get_by_role("link", name="Home")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_public_page_of_the_navigation_on_a_phone(live_server, new_context, language):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{live_server.url}/?lang={language}")
    paths = page.locator("nav.site-nav a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(paths) >= 5
    problems = {}
    # The navigation's own pages, and one inside a section (marked as its section's page).
    for path in [*paths, "/contributions/new"]:
        page.goto(live_server.url + path)
        found = phone_problems(page, page.evaluate(MEASURES), lambda _href: True)
        if not page.evaluate(MEASURES)["current"]:
            found.append("no link marked current")
        found += accessibility_violations(page)
        if found:
            problems[path] = found
    assert problems == {}
    page.goto(live_server.url + "/contributions/new")
    expect(page.locator("nav.site-nav [aria-current=true]")).to_have_count(1)
    if language != "en":
        page.locator("nav.site-nav summary").click()
        screenshot(page, f"public-menu-open-phone-{language}", full_page=False)
