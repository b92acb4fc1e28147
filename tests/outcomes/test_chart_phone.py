"""Every chart a page shows comes with its phone drawing (charts.paired, the chokepoint): the
same title and text alternative, about a phone's width, no text set under 13 units, no text
past its edges by the width estimate; a download takes the wide drawing alone, and a slide has
only its own. Walked over every chart builder and the article heat map."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from consult.outcomes import charts, figure_charts, heat
from tests.outcomes import frames
from tests.outcomes.test_chart_hidden_figures import CHARTS, PARTICIPATION, SUMMARY

HEAT_SUMMARY = {
    **SUMMARY,
    "article_titles": {
        "art01": {"en": "I. Right to the city"},
        "art08": {"en": "VIII. Right to peaceful meeting, association and to form a trade union"},
    },
    "article_short_titles": {
        "art01": {"en": "I. Right to the city"},
        "art08": {"en": "VIII. Meeting and association"},
    },
    "articles": {
        "articles": ["art01", "art08"],
        "columns": [
            {
                "kind": "count",
                "question": "contributions",
                "values": {"art01": 3, "art08": 12},
                "bases": {"art01": 15, "art08": 15},
            }
        ]
        * 5,
    },
}
PAGE_CHARTS = {**CHARTS, "article_heat_map": lambda: heat.article_heat_map(HEAT_SUMMARY)}
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


@pytest.fixture(scope="module")
def app():
    return frames.catalog_app()


def _drawings(chart: str) -> tuple[str, str]:
    drawings = SVG.findall(chart)
    assert len(drawings) == 2, chart
    wide, narrow = drawings
    assert "chart-narrow" not in wide.split(">", 1)[0]
    assert "chart-narrow" in narrow.split(">", 1)[0]
    return wide, narrow


@pytest.mark.parametrize("builder", sorted(PAGE_CHARTS))
def test_every_page_chart_has_a_phone_drawing(app, builder):
    with app.test_request_context("/"), force_locale("fr"):
        chart = str(PAGE_CHARTS[builder]())
    assert chart.startswith('<div class="chart-pair">')
    wide, narrow = _drawings(chart)
    width = float(re.search(r'viewBox="-2 0 ([\d.]+) ', narrow).group(1)) - 4
    assert width == charts.NARROW
    # the same title and text alternative: a screen reader hears the same, whichever is shown
    for tag in ("title", "desc"):
        found = [
            re.search(rf"<{tag} id=[^>]*>(.*?)</{tag}>", d, re.S).group(1) for d in (wide, narrow)
        ]
        assert found[0] == found[1]
    # its text is set large enough to print at 12 px or more when drawn 332 px wide or more
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', narrow)]
    assert sizes and min(sizes) >= 13, sizes
    for attributes, text in re.findall(r"<text ([^>]*)>(?:<tspan[^>]*>)?([^<]*)", narrow):
        x = float(re.search(r'\bx="([\d.-]+)"', attributes).group(1))
        anchor = re.search(r'text-anchor="(\w+)"', attributes)
        shift = {"end": 1, "middle": 0.5}.get(anchor.group(1) if anchor else "", 0)
        # (the estimate is generous: bold and wide glyphs counted wide)
        width = charts._text_width(text) * 0.85
        left = x - width * shift
        assert left >= -1 and left + width <= charts.NARROW + 1, (text, attributes)
    # a download is the wide drawing alone
    download = charts.standalone_svg(chart)
    assert download.count("<svg") == 1 and "chart-narrow" not in download
    assert 'width="724"' in download


def test_a_slide_draws_its_chart_once(app):
    """The deck's frame is fixed (1280x720 scaled): its charts have no phone drawing."""
    with app.test_request_context("/"), force_locale("en"):
        tiles = str(figure_charts.region_tiles([PARTICIPATION], SUMMARY, large=True))
        deck_map = str(heat.deck_heat_map(HEAT_SUMMARY))
    for chart in (tiles, deck_map):
        assert chart.count("<svg") == 1 and "chart-narrow" not in chart


def test_the_heat_map_names_articles_by_short_title_with_the_full_one_in_a_tooltip(app):
    with app.test_request_context("/"), force_locale("en"):
        for chart in (
            str(heat.article_heat_map(HEAT_SUMMARY)),
            str(heat.deck_heat_map(HEAT_SUMMARY)),
        ):
            for drawing in SVG.findall(chart):
                rows = re.findall(
                    r'<g class="heat-row"><title>(.*?)</title><text[^>]*>(.*?)</text>', drawing
                )
                assert [title for title, _label in rows] == [
                    "I. Right to the city",
                    "VIII. Right to peaceful meeting, association and to form a trade union",
                ]
                labels = [" ".join(re.findall(r">([^<]+)</tspan>", label)) for _t, label in rows]
                assert labels == ["I. Right to the city", "VIII. Meeting and association"]
        # a summary frozen before short titles: the full titles, on as many lines as allowed
        old = {k: v for k, v in HEAT_SUMMARY.items() if k != "article_short_titles"}
        assert "Right to peaceful meeting" in re.sub(
            r"</tspan><tspan[^>]*>", " ", str(heat.article_heat_map(old))
        )


@pytest.mark.parametrize(
    ("labels", "fits"),
    [
        (["XII. Sustainable urban development"], True),
        (["XII. Développement urbain durable", "VIII. Réunion et association"], True),
        (["VIII. Right to peaceful meeting, association and to form a trade union"], False),
    ],
)
def test_the_deck_heat_map_keeps_room_for_its_longest_short_title(labels, fits):
    """At the deck's sizes, a short title of up to 30 characters is never cut: the labels'
    width gives way to the headers only down to what the longest label needs."""
    columns = [["A heading long enough to take many lines in a narrow column of figures"]] * 6
    chart = str(
        charts.heat_map(
            labels,
            columns,
            [[(0.5, "3.4")] * 6] * len(labels),
            "T",
            "D",
            style=charts.DECK_HEAT_MAP,
        )
    )
    assert ("…" not in chart) is fits


def test_the_phone_drawing_names_articles_by_their_short_titles(app):
    summary = {
        **HEAT_SUMMARY,
        "contributions": {
            "total": 3,
            "by_article": [{"key": "art08", "count": 3, "share": 1.0}],
            "themes": [],
        },
    }
    with app.test_request_context("/"), force_locale("en"):
        wide, narrow = _drawings(str(figure_charts.contribution_articles_chart(summary)))
    assert (
        ">VIII. Meeting and association<" in narrow and "peaceful" not in narrow.split("</desc>")[1]
    )
    assert "peaceful" in wide.split("</desc>")[1]
