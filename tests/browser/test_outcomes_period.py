"""The deck's methodology slide and the public page in French, on a 1280 x 720 desktop and a
390 x 844 phone: the period is the consultation's (from the questionnaires' opening), the
average number of options chosen states its base, and the running total starts with a total."""

from __future__ import annotations

import re

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_outcomes_deck import outcomes_app, sign_in  # noqa: F401 - fixture

VIEWPORTS = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 390, "height": 844}}


def test_the_period_and_the_bases_read_in_french(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    for name, viewport in VIEWPORTS.items():
        phone = name == "phone"
        page = new_context(viewport=viewport, is_mobile=phone, has_touch=phone).new_page()
        page.set_default_timeout(90_000)  # the first summary of 400 responses, on a busy machine
        sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
        page.goto(f"{server.url}/staff/outcomes/1/deck?lang=fr")
        method = page.locator("[data-slide=methodology]")
        # the deck moves slide by slide: the methodology is the third
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert "current" in (method.get_attribute("class") or "")
        period = method.locator("dt", has_text="Période").locator("xpath=following-sibling::dd[1]")
        said = period.inner_text()
        assert re.fullmatch(r"du 15\u00a0novembre 2021 au \d+\u00a0\S+ \d{4}", said), said
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        method.screenshot(path=SCREENSHOTS / f"deck-methodology-fr-{name}.png")
        page.goto(f"{server.url}/outcomes?lang=fr")
        average = page.locator("p.mean-choices").first
        text = average.inner_text()
        assert re.search(r"sur les [\d\u202f\u00a0]+ personnes ayant choisi", text), text
        assert "«\u00a0Aucun de ces éléments pour l'instant\u00a0»" in text, text
        average.locator("xpath=ancestor::article").screenshot(
            path=SCREENSHOTS / f"public-mean-choices-fr-{name}.png"
        )
        timeline = page.locator("details.data-details", has_text="Réponses par jour").first
        timeline.locator("summary").click()
        first = timeline.locator("tbody tr").first.locator("td").last.inner_text()
        assert first.strip() not in ("", "0"), first
        timeline.locator("xpath=ancestor::figure").screenshot(
            path=SCREENSHOTS / f"public-timeline-fr-{name}.png"
        )
        page.context.close()
