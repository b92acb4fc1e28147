"""A summary spanning two questionnaire versions: an option added in version 2 is a share of
the respondents who were offered it, and the pages say which versions a summary spans."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from consult.outcomes.filters import SummaryFilter
from consult.outcomes.summary import find_question, summarise
from consult.outcomes.suppression import public_summary
from tests.outcomes import frames


@pytest.fixture
def two_versions():
    raw = {**frames.partners_raw(), "version": 1}
    first = frames.definition(raw)
    second_raw = frames.add_option(
        raw, "other_frameworks", "cities_for_adequate_housing", "Housing"
    )
    # top_themes ranks the choices of new_themes (options_from): offer water in both.
    second_raw = frames.add_option(second_raw, "new_themes", "water", "Water")
    second_raw = frames.add_option(second_raw, "top_themes", "water", "Water")
    second = frames.definition({**second_raw, "version": 2})
    people = (
        [
            (
                1,
                {
                    "other_frameworks": {"european_charter": "1"},
                    "top_themes": {"care": "1", "health": "2", "mobility": "3"},
                },
            )
            for _ in range(10)
        ]
        + [
            (
                2,
                {
                    "other_frameworks": {"cities_for_adequate_housing": "1"},
                    "top_themes": {"water": "1", "care": "2", "health": "3"},
                },
            )
            for _ in range(6)
        ]
        + [
            (
                2,
                {
                    "other_frameworks": {"european_charter": "1"},
                    "top_themes": {"care": "1", "water": "2", "health": "3"},
                },
            )
            for _ in range(2)
        ]
    )
    responses, answers = frames.frames(people)
    summary = summarise(
        responses, answers, current={"partners": second}, definitions={1: first, 2: second}
    )
    return summary


def _option(question, key):
    return next(o for o in question["options"] if o["key"] == key)


def test_an_option_added_in_a_later_version_is_a_share_of_those_offered_it(two_versions):
    frameworks = find_question(two_versions, "partners", "other_frameworks")
    added = _option(frameworks, "cities_for_adequate_housing")
    assert frameworks["answered"] == 18
    assert (added["count"], added["base"], added["offered_in"]) == (6, 8, [2])
    assert added["share"] == pytest.approx(6 / 8)
    kept = _option(frameworks, "european_charter")
    assert kept["share"] == pytest.approx(12 / 18) and "base" not in kept
    ranking = find_question(two_versions, "partners", "top_themes")
    water = _option(ranking, "water")
    assert (water["first"], water["base"]) == (6, 8)
    assert water["share_first"] == pytest.approx(6 / 8)
    assert water["share_ranked"] == pytest.approx(8 / 8)
    questionnaire = two_versions["questionnaires"][0]
    assert questionnaire["versions"] == [1, 2]


def test_a_small_version_base_is_suppressed_in_public(two_versions):
    shown = public_summary(two_versions, 10)
    added = _option(
        find_question(shown, "partners", "other_frameworks"), "cities_for_adequate_housing"
    )
    assert added["base"] is None and added["share"] is None and added["count"] is None


def test_the_pages_say_which_versions_a_summary_spans(two_versions, app):
    from flask import render_template

    from consult.outcomes import presenting

    with app.test_request_context("/"):
        html = render_template(
            "outcomes/_summary_body.html",
            summary=two_versions,
            p=presenting,
            threshold=5,
            region_names={},
            filters=SummaryFilter(),
            filter_query={},
            cached=SimpleNamespace(
                from_cache=True, computed_at=datetime.now(UTC), compute_seconds=0
            ),
        )
    assert "This summary spans versions 1 and 2 of the questionnaire." in html
    assert "offered in version 2 only: share of its 8 respondents" in html
