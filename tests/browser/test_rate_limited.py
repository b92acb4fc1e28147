"""A rate limit's refusal keeps what was typed and says truthfully how long to wait: the
contribution form without JavaScript (desktop and phone, Spanish), and the autosave."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.browser.test_respond_flow import field, start

TEXT = "Las ciudades necesitan un derecho a la vivienda digna, escrito con calma."


@pytest.fixture
def app(make_app):
    return make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_RATE_LIMIT="1 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
        QUESTIONNAIRE_RESPONSE_SAVE_RATE_LIMIT="3 per minute",
    )


def _send(visitor, base: str, text: str) -> None:
    visitor.goto(base + "/contributions/new?lang=es")
    visitor.locator("#text").fill(text)
    visitor.locator("input[name=kind]").first.check()
    visitor.locator("input[name=organisation_type]").first.check()
    visitor.locator("main form button.primary[type=submit]").last.click()


@pytest.mark.parametrize(("device", "options"), [("desktop", {}), ("phone", {"viewport": PHONE})])
def test_a_refused_contribution_comes_back_with_the_real_wait(
    live_server, new_context, device, options
):
    context = new_context(locale="es-ES", **options)
    visitor = context.new_page()
    _send(visitor, live_server.url, "Una primera contribución sobre el agua.")
    visitor.wait_for_url("**/contributions/status/**")
    _send(visitor, live_server.url, TEXT)
    visitor.get_by_role("heading", name="No enviado").wait_for()
    alert = visitor.locator("[role=alert]").inner_text()
    assert re.search(r"dentro de (5[89]|60) minutos|dentro de 1 hora", alert), alert
    assert "Espere un momento" not in visitor.content()
    assert TEXT in visitor.locator("details.typed").inner_text()
    expect(visitor.get_by_role("button", name="Enviar de nuevo")).to_be_visible()
    assert accessibility_violations(visitor) == [], visitor.url
    screenshot(visitor, f"rate-limited-contribution-{device}-es")


def test_a_refused_autosave_keeps_the_text_and_says_how_long(live_server, page):
    start(page, live_server.url, "partners")
    name = field(page, "q.organisation_name")
    status = page.locator(".autosave-status")
    for n in range(4):  # this response's three saves a minute, and one more
        with page.expect_response(lambda r: r.url.endswith("/autosave")) as saved:
            name.fill(f"Red de ciudades {n}")
        assert saved.value.status == (429 if n == 3 else 200), n
    expect(status).to_contain_text(re.compile(r"send it again in \d+ seconds"))
    expect(status).to_contain_text("Your text is still here.")
    page.wait_for_timeout(6000)  # a plain failure would have been retried (and said so) by now
    expect(status).to_contain_text("Your text is still here.")
    expect(name).to_have_value("Red de ciudades 3")
    assert accessibility_violations(page) == [], page.url
    screenshot(page, "rate-limited-autosave")
