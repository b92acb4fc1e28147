"""Open contributions in a real browser: contribute -> moderate -> published -> reply ->
report, with script payloads that must stay text, and axe-core on every page of the flow."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.conftest import STAFF_PASSWORD

PAYLOAD = (
    "Cities need a right to clean air.\n\n"
    '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> '
    '<svg onload="window.pwned = 3"></svg> javascript:window.pwned=4 '
    '<a href="javascript:window.pwned=5">x</a>\n\n'
    "More at https://www.uclg-cisdp.org/en and in Ñandú 住房权."
)


@pytest.fixture
def app(make_app):
    """Immediate sends (a robot types fast) and hiding after two distinct reports."""
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0, REPORT_HIDE_THRESHOLD=2)


def _watch(page) -> list[str]:
    """Collect console errors and any dialog a payload might open."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    return problems


def _no_script_ran(page) -> None:
    assert page.evaluate("typeof window.pwned") == "undefined", page.url


def _clean(page, name: str) -> None:
    _no_script_ran(page)
    assert serious_accessibility_violations(page) == [], page.url
    screenshot(page, name)


def test_contribute_moderate_publish_reply_report(live_server, new_context, staff):
    base = live_server.url
    visitor = new_context().new_page()
    problems = _watch(visitor)

    visitor.goto(base + "/charter")
    _clean(visitor, "charter-index")
    visitor.get_by_role("link", name="X. Right to housing and domicile").click()
    assert visitor.url.endswith("/charter/art10")
    _clean(visitor, "charter-article-empty")
    visitor.locator("a[href='/contributions/new?article=art10&part=action_plan']").click()
    assert visitor.locator("#article").input_value() == "art10"
    assert visitor.locator("#part").input_value() == "action_plan"
    _clean(visitor, "contribution-form")

    visitor.get_by_label("Proposed new right").check()
    visitor.get_by_label("Your contribution").fill(PAYLOAD)
    assert "characters" in visitor.locator("#text-counter").inner_text()
    visitor.get_by_label("Civil society organisation").check()
    visitor.get_by_label("Name of your organisation or institution (optional)").fill(
        "Habitat Watch <b>"
    )
    visitor.get_by_label("Country (optional)").select_option("SN")
    assert visitor.locator("#region").input_value() == "africa"  # follows the country
    visitor.get_by_role("button", name="Send my contribution").click()
    visitor.wait_for_url("**/contributions/status/**")
    assert "awaits moderation" in visitor.content()
    assert "<script>window.pwned = 1</script>" in visitor.locator(".quoted").inner_text()
    _clean(visitor, "contribution-status-pending")
    status_url = visitor.url.split("?")[0]

    moderator = new_context().new_page()
    _watch(moderator)
    email = staff("moderator")
    moderator.goto(base + "/staff/login")
    moderator.get_by_label("E-mail").fill(email)
    moderator.get_by_label("Password").fill(STAFF_PASSWORD)
    moderator.get_by_role("button", name="Sign in").click()
    moderator.goto(base + "/staff/moderation/")
    assert "window.pwned = 2" in moderator.locator(".moderation-item").first.inner_text()
    _clean(moderator, "moderation-queue")
    moderator.get_by_role("button", name="Approve #1").click()
    assert "Approved: 1 contribution." in moderator.content()

    visitor.goto(base + "/contributions")
    card = visitor.locator(".contribution-card").first
    assert "<img src=x" in card.inner_text()
    link = card.get_by_role("link", name="https://www.uclg-cisdp.org/en")
    assert link.get_attribute("rel") == "nofollow ugc noopener"
    assert card.locator("a[href^='javascript']").count() == 0
    _clean(visitor, "contributions-list")
    visitor.goto(base + "/charter/art10")
    assert "Ñandú 住房权" in visitor.content()
    _clean(visitor, "charter-article")

    visitor.goto(base + "/contributions/1")
    visitor.get_by_role("button", name="I agree").click()
    assert "your support is counted" in visitor.content()
    visitor.get_by_label("Your reply", exact=True).fill("Agreed <script>window.pwned=6</script>")
    visitor.get_by_label("Sign as (optional, shown publicly)").fill("Dakar residents")
    visitor.get_by_role("button", name="Send my reply").click()
    assert "once a moderator has approved it" in visitor.content()
    _clean(visitor, "contribution-detail")

    moderator.goto(base + "/staff/moderation/")
    moderator.get_by_role("button", name="Approve reply #1").click()
    visitor.goto(base + "/contributions/1")
    assert "Agreed <script>window.pwned=6</script>" in visitor.locator(".reply").inner_text()
    _no_script_ran(visitor)

    for address in range(2):  # two readers in two browsers (distinct cookies)
        reader = new_context(extra_http_headers={"X-Reader": str(address)}).new_page()
        reader.goto(base + "/contributions/1")
        reader.get_by_text("Report this contribution to the moderators").click()
        reader.get_by_label("It is offensive, hateful or abusive").check()
        reader.get_by_role("button", name="Send the report").click()
        assert "Moderators will look at" in reader.content()
    # Both readers share the loopback address: distinct people need distinct addresses, so
    # the contribution is still public. (The threshold itself is tested with addresses.)
    assert visitor.goto(base + "/contributions/1").status == 200

    visitor.goto(status_url)
    assert "Your contribution is public." in visitor.content()
    visitor.get_by_role("button", name="Withdraw my contribution").click()
    assert "Your contribution is withdrawn" in visitor.content()
    # Its public page says what happened (withdrawn by its author), nothing of what it said.
    assert visitor.goto(base + "/contributions/1").status == 410
    assert "withdrawn by its author" in visitor.content()
    assert problems == [] or all("410" in p for p in problems)


def test_pages_work_in_french_and_spanish(live_server, page):
    for language, heading in (("fr", "Contributions libres"), ("es", "Contribuciones abiertas")):
        page.goto(f"{live_server.url}/contributions?lang={language}")
        assert page.locator("h1").inner_text() == heading
        assert serious_accessibility_violations(page) == []


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_an_expired_form_keeps_the_text_on_a_phone_in_spanish(live_server, new_context):
    """The session ends while a contribution is being written (idle timeout, a restart): the
    text comes back with "Send again", which sends it again (Chromium's own Sec-Fetch-Site
    header is what lets the page come back)."""
    context = new_context(locale="es-ES", **PHONE)
    visitor = context.new_page()
    problems = _watch(visitor)
    visitor.goto(live_server.url + "/contributions/new?lang=es")
    visitor.locator("#text").fill(
        "Las ciudades necesitan un derecho al aire limpio, escrito sin prisa."
    )
    visitor.locator("input[name=kind]").first.check()
    visitor.locator("input[name=organisation_type]").first.check()
    context.clear_cookies()  # the session is gone: the form's token with it
    visitor.locator("main form button.primary[type=submit]").last.click()
    visitor.get_by_role("heading", name="Este formulario ha caducado").wait_for()
    assert "escrito sin prisa" in visitor.locator("details.typed").inner_text()
    _clean(visitor, "form-expired-phone-es")
    visitor.get_by_role("button", name="Enviar de nuevo").click()
    # The form's fill-time token was bound to the session that ended: the form comes back
    # filled in, asking for one more press (contributions.form_token), then it is received.
    assert "escrito sin prisa" in visitor.locator("#text").input_value()
    visitor.locator("main form button.primary[type=submit]").last.click()
    visitor.wait_for_url("**/contributions/status/**")
    assert "escrito sin prisa" in visitor.locator(".quoted").inner_text()
    # The 400 (expired) and 422 (sent again) answers are logged by Chromium; nothing else.
    assert [p for p in problems if not p.startswith("Failed to load resource")] == []
