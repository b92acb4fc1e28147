"""A chart that draws only the first entries of a long list (themes, countries, a breakdown)
never splits a tie: an entry level with the last one drawn is drawn too, so no bar seems ahead
of one with the same figure. It says how many it leaves out, under its bars and in its text
alternative (figure_charts.drawn and not_drawn, the chokepoint of every such chart). Walked over
every chart builder that cuts a list."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale

from consult.outcomes import figure_charts
from consult.outcomes.figure_charts import drawn
from tests.outcomes import frames


def _entries(*counts) -> list[dict]:
    return [
        {"key": f"k{i:02d}", "count": n, **({"suppressed": True} if n is None else {})}
        for i, n in enumerate(counts)
    ]


@pytest.mark.parametrize(
    ("counts", "limit", "kept", "left_out"),
    [
        # fits: everything, hidden ones included
        ((9, None, 3), 3, [0, 1, 2], 0),
        # a plain cut
        ((9, 8, 7, 6), 2, [0, 1], 2),
        # a tie at the cut is kept whole
        ((9, 8, 8, 8, 2), 2, [0, 1, 2, 3], 1),
        # a hidden entry is never drawn past the cut (its count is not known to be large)
        ((9, None, 8, 7), 2, [0, 2], 2),
        # given order kept (a fixed order, not sorted by count)
        ((3, 9, 9, 1), 2, [1, 2], 2),
        # a tie at the very top larger than the room is drawn whole
        ((5, 5, 5, 5), 2, [0, 1, 2, 3], 0),
    ],
)
def test_drawn_cases(counts, limit, kept, left_out):
    entries = _entries(*counts)
    chosen, missing = drawn(entries, limit)
    assert [entries.index(e) for e in chosen] == kept
    assert missing == left_out


@pytest.fixture(scope="module")
def app():
    return frames.catalog_app()


def _themes(counts) -> list[dict]:
    return [
        {"key": f"t{i:02d}", "label": {"en": f"Theme {i:02d}"}, "count": n, "share": n / 40}
        for i, n in enumerate(counts)
    ]


def _countries(counts) -> list[dict]:
    return [
        {"key": f"C{i:02d}", "label": None, "count": n, "share": n / 90}
        for i, n in enumerate(counts)
    ]


#: Eleven level at 3 after nine larger: the cut at 10 falls inside the tie.
THEMES = _themes([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 3, 3, 2])
#: Seventeen countries, the fifteenth and sixteenth level.
COUNTRIES = _countries([20, 10, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 1, 1, 0])
SUMMARY = {"region_labels": {}, "contributions": {"total": 40, "themes": THEMES}}

#: Every builder that cuts a list, with the labels it must draw and how many it leaves out.
CUTTING = {
    "themes_chart": (
        lambda: figure_charts.themes_chart(
            {"key": "q", "type": "long_text", "label": {"en": "Q"}, "answered": 40}
            | {"themes": THEMES}
        ),
        [f"Theme {i:02d}" for i in range(12)],
        1,
    ),
    "contribution_themes_chart": (
        lambda: figure_charts.contribution_themes_chart(SUMMARY),
        [f"Theme {i:02d}" for i in range(12)],
        1,
    ),
    "choice_chart (country)": (
        lambda: figure_charts.choice_chart(
            {
                "key": "country",
                "type": "country",
                "label": {"en": "Country"},
                "answered": 90,
                "options": COUNTRIES,
            },
            SUMMARY,
        ),
        [f"C{i:02d}" for i in range(16)],
        0,
    ),
    "breakdown_chart": (
        lambda: figure_charts.breakdown_chart("By country", COUNTRIES, "country", SUMMARY),
        [f"C{i:02d}" for i in range(12)],
        5,
    ),
}


def _texts(svg: str) -> tuple[str, str]:
    description = html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))
    drawn_text = html.unescape(" ".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", svg)))
    return description, drawn_text


@pytest.mark.parametrize("builder", sorted(CUTTING))
def test_a_cut_chart_keeps_ties_and_says_what_it_leaves_out(app, builder):
    build, labels, left_out = CUTTING[builder]
    with app.test_request_context("/"), force_locale("en"):
        description, text = _texts(str(build()))
    for label in labels:
        assert label in description, (label, description)
    drawn_labels = re.findall(r"(?:Theme|C)\s?\d\d", description)
    assert len(drawn_labels) == len(labels), description
    if left_out:
        note = f"{left_out} more {'is' if left_out == 1 else 'are'} not drawn"
        assert note in description
        assert note in text, "the note is printed under the bars"
    else:
        assert "not drawn" not in description


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_note_is_translated(app, language):
    with app.test_request_context("/"), force_locale(language):
        one = figure_charts.not_drawn(1)
        many = figure_charts.not_drawn(5)
    assert one and many and "not drawn" not in one + many
    assert "5" in many
