"""A chart's text alternative (read out by screen readers) says a hidden figure in words, "not
shown" in the page's language, never a dash or an empty list: a row with nothing shown is said
once ("Row: not shown"), a hidden mean "mean not shown", a hidden median "median not shown"
(figure_charts.said / entry_said, the chokepoint of every chart description). Walked over every
chart builder, each given hidden figures."""

from __future__ import annotations

import html
import inspect
import re

import pytest
from flask_babel import force_locale

from consult.outcomes import figure_charts
from tests.outcomes import frames

NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}

SCALE = [
    {"key": "vh", "label": {"en": "Very relevant"}, "score": 4},
    {"key": "r", "label": {"en": "Relevant"}, "score": 3},
    {"key": "dk", "label": {"en": "Don't know"}, "score": None},
]
HIDDEN_ROW = {
    "key": "r1",
    "label": {"en": "I. Right to the city"},
    "mean": None,
    "distribution": [{"key": k, "share": None, "count": None} for k in ("vh", "r", "dk")],
}
HALF_ROW = {
    "key": "r2",
    "label": {"en": "II. Equality"},
    "mean": None,
    "distribution": [
        {"key": "vh", "share": 0.44, "count": 11},
        {"key": "r", "share": 0.41, "count": 10},
        {"key": "dk", "share": None, "count": None},
    ],
}
HIDDEN_OPTION = {"key": "b", "label": {"en": "Beta"}, "count": None, "share": None}
HIDDEN_ENTRY = {"key": "africa", "count": None, "share": None, "suppressed": True}
SUMMARY = {
    "region_labels": {"africa": {"en": "Africa"}, "europe": {"en": "Europe"}},
    "article_titles": {"art01": {"en": "I. Right to the city"}},
    "questionnaires": [],
    "contributions": {
        "total": 3,
        "by_article": [{"key": "art01", "count": 3, "share": 1.0}],
        "themes": [{"label": {"en": "Housing"}, "share": 1.0, "count": 3}],
    },
}
QUESTION = {"key": "q", "type": "single_choice", "label": {"en": "A question"}, "answered": 7}
PARTICIPATION = {
    "participation": {
        "by_region": [HIDDEN_ENTRY, {"key": "europe", "count": 12, "share": 1.0}],
        "by_population_band": [{**HIDDEN_ENTRY, "label": {"en": "Under 50,000"}}],
        "per_day": [{"date": "2026-11-02", "cumulative": 12}],
    }
}

#: Every chart builder, each given figures hidden the way a public summary hides them.
CHARTS = {
    "contribution_articles_chart": lambda: figure_charts.contribution_articles_chart(SUMMARY),
    "contribution_themes_chart": lambda: figure_charts.contribution_themes_chart(SUMMARY),
    "choice_chart": lambda: figure_charts.choice_chart(
        {
            **QUESTION,
            "options": [
                {"key": "a", "label": {"en": "Alpha"}, "count": 7, "share": 1.0},
                {**HIDDEN_OPTION, "suppressed": True},
            ],
        },
        SUMMARY,
    ),
    "matrix_chart": lambda: figure_charts.matrix_chart(
        {
            **QUESTION,
            "type": "matrix",
            "scale": SCALE,
            "rows": [HIDDEN_ROW, HALF_ROW],
            "ordinal": True,
        }
    ),
    "ranking_chart": lambda: figure_charts.ranking_chart(
        {
            **QUESTION,
            "type": "ranking",
            "places": 2,
            "max_borda": None,
            "options": [
                {"key": "a", "label": {"en": "Public space for everyone"}, "borda": None},
                {"key": "b", "label": {"en": "Climate justice"}, "borda": None},
            ],
        }
    ),
    "histogram_chart": lambda: figure_charts.histogram_chart(
        {
            **QUESTION,
            "type": "number",
            "median": None,
            "histogram": [
                {"from": None, "to": 10, "count": None},
                {"from": 10, "to": 20, "count": 7},
                {"from": 20, "to": None, "count": None},
            ],
        }
    ),
    "themes_chart": lambda: figure_charts.themes_chart(
        {
            **QUESTION,
            "type": "long_text",
            "themes": [
                {"label": {"en": "Housing"}, "share": None, "count": None, "suppressed": True}
            ],
        }
    ),
    "breakdown_chart": lambda: figure_charts.breakdown_chart(
        "By region",
        PARTICIPATION["participation"]["by_region"],
        "region",
        SUMMARY,
    ),
    "population_chart": lambda: figure_charts.population_chart(PARTICIPATION, SUMMARY),
    "timeline_chart": lambda: figure_charts.timeline_chart(PARTICIPATION),
    "region_tiles": lambda: figure_charts.region_tiles([PARTICIPATION], SUMMARY),
}
#: The builders whose data above hides a figure (the others have none to hide: contributions
#: are public texts, the timeline is cumulative).
HIDING = set(CHARTS) - {
    "contribution_articles_chart",
    "contribution_themes_chart",
    "timeline_chart",
}


@pytest.fixture(scope="module")
def app():
    return frames.catalog_app()


def _description(svg: str) -> str:
    found = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    assert found, svg
    return html.unescape(found.group(1))


def test_every_chart_builder_is_walked():
    builders = {
        name
        for name, function in inspect.getmembers(figure_charts, inspect.isfunction)
        if function.__module__ == figure_charts.__name__
        and (name.endswith("_chart") or name == "region_tiles")
    }
    assert builders == set(CHARTS)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("builder", sorted(CHARTS))
def test_a_hidden_figure_is_said_in_words(app, builder, language):
    with app.test_request_context("/"), force_locale(language):
        text = _description(str(CHARTS[builder]()))
    # An en dash between two figures is an interval ("10 – 20"); any other stands for a figure.
    assert "–" not in re.sub(r"\d\s*–\s*\d", "", text), text
    assert not re.search(r":\s*([;,|.]|$)", text), text  # no empty list after a label
    assert not re.search(r"[;|]\s*[;|]", text), text
    assert (NOT_SHOWN[language] in text) is (builder in HIDING), text


@pytest.mark.parametrize(
    ("builder", "language", "expected"),
    [
        # a row with nothing shown is said once; a hidden mean is said after what is shown
        (
            "matrix_chart",
            "en",
            "I. Right to the city: not shown | II. Equality: Very relevant 44%, "
            "Relevant 41%, Don't know not shown; mean not shown.",
        ),
        ("matrix_chart", "es", "I. Right to the city: no se muestra |"),
        ("matrix_chart", "fr", "moyenne non affichée"),
        ("histogram_chart", "en", "7 answers; median not shown; answers per interval: under 10:"),
        ("histogram_chart", "fr", "médiane non affichée"),
        ("histogram_chart", "es", "la mediana no se muestra"),
        (
            "ranking_chart",
            "en",
            "Public space for everyone: not shown; Climate justice: not shown.",
        ),
        ("choice_chart", "en", "Alpha: 100% (7); Beta: not shown."),
        ("region_tiles", "en", "Africa: not shown; Europe: 12"),
    ],
)
def test_what_a_chart_says_for_hidden_figures(app, builder, language, expected):
    with app.test_request_context("/"), force_locale(language):
        text = _description(str(CHARTS[builder]()))
    assert expected in text


@pytest.mark.parametrize(
    ("figures", "names", "mean", "with_mean", "expected"),
    [
        (["12"], (), None, False, "Row: 12"),
        (["–"], (), None, False, "Row: not shown"),
        ([None, ""], (), None, False, "Row: not shown"),
        (["44%", "–"], ("High", "Low"), None, False, "Row: High 44%, Low not shown"),
        (["–", "–"], ("High", "Low"), "–", True, "Row: not shown"),
        (["–", "–"], ("High", "Low"), "3.21", True, "Row: not shown; 3.21"),
        (["44%", "56%"], ("High", "Low"), "3.21", True, "Row: High 44%, Low 56%; 3.21"),
        (["44%", "56%"], ("High", "Low"), None, True, "Row: High 44%, Low 56%; mean not shown"),
        ([], (), None, False, "Row: not shown"),
    ],
)
def test_entry_said(app, figures, names, mean, with_mean, expected):
    with app.test_request_context("/"), force_locale("en"):
        said = figure_charts.entry_said("Row", figures, names, mean=mean, with_mean=with_mean)
    assert said == expected


@pytest.mark.parametrize(
    ("language", "figure", "expected"),
    [
        ("en", "–", "not shown"),
        ("fr", None, "non affiché"),
        ("es", " ", "no se muestra"),
        ("en", "7", "7"),
    ],
)
def test_said(app, language, figure, expected):
    with app.test_request_context("/"), force_locale(language):
        assert figure_charts.said(figure) == expected
