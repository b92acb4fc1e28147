"""Numbers, percentages and dates on outcome pages and charts follow the page's language
(CLDR through Babel), in text and inside the SVG charts."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from consult.outcomes import presenting
from consult.outcomes.formatting import long_date

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("language", "share", "precise", "big", "day"),
    [
        ("en", "42%", "42.5%", "12,345.7", "10 Jan 2022"),
        ("fr", f"42{NBSP}%", f"42,5{NBSP}%", f"12{NNBSP}345,7", "10 janv. 2022"),
        ("es", f"42{NBSP}%", f"42,5{NBSP}%", "12.345,7", "10 ene 2022"),
    ],
)
def test_figures_follow_the_page_language(app, language, share, precise, big, day):
    with app.test_request_context("/"), force_locale(language):
        assert presenting.percent(0.42) == share
        assert presenting.percent_precise(0.425) == precise
        assert presenting.number(12345.678, 1) == big
        assert presenting.day("2022-01-10") == day


def test_the_timeline_chart_writes_dates_and_numbers_in_the_page_language(app):
    questionnaire = {
        "participation": {
            "per_day": [
                {"date": "2022-01-10", "count": 600, "cumulative": 600},
                {"date": "2022-02-22", "count": 900, "cumulative": 1500},
            ]
        }
    }
    with app.test_request_context("/"), force_locale("fr"):
        svg = str(presenting.timeline_chart(questionnaire))
    assert "10 janv. 2022" in svg and "22 févr. 2022" in svg
    assert f"1{NNBSP}500" in svg and "1,500" not in svg and "2022-01-10" not in svg


@pytest.mark.parametrize(
    ("language", "year", "value", "digits", "expected"),
    [
        ("en", True, 2018, 0, "2018"),
        ("fr", True, 2021.0, 1, "2021"),
        ("es", True, 2020.5, 1, "2020,5"),
        ("en", True, 2020.25, 1, "2020.2"),
        ("en", True, None, 0, "–"),
        ("en", False, 2018, 0, "2,018"),
        ("fr", False, 12500, 0, f"12{NNBSP}500"),
    ],
)
def test_a_year_is_written_as_a_year(app, language, year, value, digits, expected):
    from consult.outcomes.formatting import quantity

    with app.test_request_context(f"/?lang={language}"), force_locale(language):
        assert quantity({"year": year}, value, digits) == expected


def test_the_year_questions_of_both_questionnaires_are_years_and_counts_are_not(app):
    from consult.questionnaires.registry import current_questionnaires

    with app.app_context():
        numbers = {
            q.key: q.is_year
            for definition in current_questionnaires().values()
            for q in definition.questions
            if q.type == "number"
        }
    assert numbers["charter_adoption_year"] and numbers["human_rights_since"]
    assert not numbers["hr_staff_number"]


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        # French writes the first of a month as an ordinal (found by a reviewer: "au 1 février")
        (date(2022, 2, 1), "fr", "1er février 2022"),
        (date(2022, 2, 2), "fr", "2 février 2022"),
        (date(2022, 2, 11), "fr", "11 février 2022"),
        (date(2022, 2, 1), "en", "1 February 2022"),
        (date(2022, 2, 1), "es", "1 de febrero de 2022"),
    ],
)
def test_a_long_date_in_each_language(day, language, expected):
    assert long_date(day, language) == expected
