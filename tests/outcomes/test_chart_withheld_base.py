"""A chart whose question's answered count is withheld (a few skipped it, and the difference
would count them: consult.outcomes.skipped) says so in its text alternative, and never prints a
dash as the number who answered (figure_charts.withheld_answered, the chokepoint of every chart
description that starts with a count of answers). Walked over every such chart builder."""

from __future__ import annotations

import inspect
import re

import pytest
from flask import Flask
from flask_babel import Babel

from consult.outcomes import figure_charts

LABEL = {"en": "A question"}
OPTIONS = [
    {"key": "a", "label": {"en": "Alpha"}, "count": 12, "share": 0.6, "borda": 30},
    {"key": "b", "label": {"en": "Beta"}, "count": 8, "share": 0.4, "borda": 20},
]
SCALE = [
    {"key": "high", "label": {"en": "High"}, "score": 2},
    {"key": "low", "label": {"en": "Low"}, "score": 1},
]
ROW = {
    "key": "r1",
    "label": {"en": "Row"},
    "mean": 1.6,
    "distribution": [{"key": "high", "share": 0.6}, {"key": "low", "share": 0.4}],
}
HISTOGRAM = [{"from": None, "to": 10, "count": 7}, {"from": 10, "to": None, "count": 9}]
THEMES = [{"label": {"en": "Housing"}, "share": 0.5, "count": 9}]

#: Every chart builder whose description counts the question's answers, with a question.
CHARTS = {
    "choice": lambda q: figure_charts.choice_chart({**q, "options": OPTIONS}, {}),
    "matrix": lambda q: figure_charts.matrix_chart(
        {**q, "scale": SCALE, "rows": [ROW], "ordinal": True}
    ),
    "ranking": lambda q: figure_charts.ranking_chart(
        {**q, "options": OPTIONS, "places": 2, "max_borda": 40}
    ),
    "histogram": lambda q: figure_charts.histogram_chart(
        {**q, "histogram": HISTOGRAM, "median": None}
    ),
    "themes": lambda q: figure_charts.themes_chart({**q, "themes": THEMES}),
}


@pytest.fixture(scope="module")
def app():
    bare = Flask(__name__)
    Babel(bare)
    return bare


def test_every_chart_that_counts_answers_is_walked():
    counting = {
        name.removesuffix("_chart")
        for name, function in inspect.getmembers(figure_charts, inspect.isfunction)
        if name.endswith("_chart") and 'number(question["answered"])' in inspect.getsource(function)
    }
    assert counting == set(CHARTS)


@pytest.mark.parametrize("kind", sorted(CHARTS))
@pytest.mark.parametrize("answered", [20, None])
def test_a_withheld_answered_count_is_said_not_printed_as_a_dash(app, kind, answered):
    question = {"key": "q", "type": "single_choice", "label": LABEL, "answered": answered}
    with app.test_request_context("/"):
        svg = str(CHARTS[kind](question))
    said = "How many answered is not shown: a few skipped this question" in svg
    assert said is (answered is None)
    assert not re.search(r"–\s+(respondents?|answers?)\b", svg)
    if answered is not None:
        assert re.search(r"\b20 (respondents|answers)\b", svg)
