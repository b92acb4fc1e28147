"""Numbers, percentages and dates on outcome pages and charts follow the page's language
(CLDR through Babel), in text and inside the SVG charts."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes import presenting

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
