"""The slides a filtered deck changes on stage, in a real browser: the contributions slide of a
view that leaves them out (the coverage sentence), the map without the regions the filter
excludes, and the quotes slide saying the quotes chosen are outside the view, in en/fr/es; each
fits its slide (nothing cut off)."""

from __future__ import annotations

import pytest

from consult.db import db, writing
from consult.outcomes.filters import SummaryFilter
from consult.staff.operations import create_user
from tests.browser.conftest import screenshot
from tests.browser.test_outcomes_deck import sign_in
from tests.conftest import STAFF_PASSWORD
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_deck_on_stage import _freeze, _star_six, add_contributions

SLIDES = ("participation", "contributions", "quotes")


@pytest.fixture
def filtered_deck(app):
    """A snapshot of Latin American associations: contributions not covered, quotes outside."""
    with app.app_context(), writing():
        create_user(db.session, "walk@cisdp.test", "admin", STAFF_PASSWORD, one_time=False)
        db.commit()
    fill_demo(app, 160, seed=11)
    add_contributions(app)
    _star_six(app)
    filters = SummaryFilter(
        questionnaire="local-governments", region="latin_america", respondent_type="association"
    )
    return app, _freeze(app, "Latin American associations", filters)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_slides_of_a_filtered_view_fit_and_say_what_it_covers(
    filtered_deck, serve, new_context, language
):
    app, snapshot = filtered_deck
    server = serve(app)
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    sign_in(page, server.url, "walk@cisdp.test")
    page.goto(f"{server.url}/staff/outcomes/{snapshot}/deck?lang={language}")
    for key in SLIDES:
        slide = page.locator(f'.slide[data-slide="{key}"]')
        assert slide.count() == 1, key
        number = int(slide.get_attribute("id").removeprefix("slide-"))
        page.goto(f"{server.url}/staff/outcomes/{snapshot}/deck?lang={language}#slide-{number}")
        page.wait_for_function(
            f"() => document.querySelector('.slide.current')?.id === 'slide-{number}'"
        )
        screenshot(page, f"deck-filtered-{key}-{language}", full_page=False)
        spill = page.evaluate(
            "() => { const i = document.querySelector('.slide.current .slide-inner');"
            " return [i.scrollHeight - i.clientHeight, i.scrollWidth - i.clientWidth]; }"
        )
        assert spill[0] <= 1 and spill[1] <= 1, (key, language, spill)
