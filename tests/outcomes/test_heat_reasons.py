"""A heat map cell without a figure says why: too few people, or withheld although enough
answered, because with the published table it would give a smaller group away
(heat.heat_cell, the chokepoint of every heat map cell)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from consult.outcomes.heat import article_figures, column_base_text, heat_cell


@pytest.fixture(scope="module")
def app():
    """A bare app with Babel: English needs no catalog."""
    bare = Flask(__name__)
    Babel(bare)
    return bare


def _column(value, base, answered):
    return {
        "kind": "mean",
        "values": {"art01": value},
        "bases": {"art01": base},
        "answered": {"art01": answered},
    }


@pytest.mark.parametrize(
    ("value", "base", "answered", "text", "short"),
    [
        (3.4, 177, 185, "n = 177", "n = 177"),
        # withheld by disclosure: 185 answered, so "fewer than 5" would be untrue
        (None, None, 185, "not shown (protects a small group)", "not shown"),
        # three gave a rating: too few, whatever the row's respondents
        (2.0, 3, 185, "fewer than 5 respondents", "n < 5"),
        (None, None, 3, "fewer than 5 respondents", "n < 5"),
        # a mean whose own base would reveal "don't know": the row's respondents, said so
        (3.1, None, 185, "n = 185 answered; “don't know” left out", "n = 185*"),
    ],
)
def test_a_cell_without_a_figure_says_why(app, value, base, answered, text, short):
    with app.test_request_context("/"):
        cell = heat_cell(_column(value, base, answered), "art01", {"suppressed_below": 5})
    assert (cell.base_text, cell.short_text) == (text, short)


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        # withheld although 185 answered: a smaller group would show through
        (_column(None, None, 185), "protects a small group"),
        # the question's answered count withheld (a few skipped it)
        ({**_column(None, None, None), "withheld": ["art01"]}, "protects a small group"),
        # three gave a rating
        (_column(None, None, 3), "fewer than 5 respondents"),
    ],
)
def test_a_charter_page_gives_the_heat_maps_reason_for_a_hidden_figure(app, column, reason):
    column = {**column, "question": "q", "label": {"en": "Q"}, "questionnaire": "partners"}
    column["scale"] = [{"key": "high", "label": {"en": "High"}, "score": 4}]
    summary = {"suppressed_below": 5, "articles": {"columns": [column], "articles": ["art01"]}}
    with app.test_request_context("/"):
        (figure,) = article_figures(summary, "art01")
        header = column_base_text(column, summary)
    # "not shown", and why once: the page brackets the reason, never "(not shown (...))"
    assert (figure["figure"], figure["base"]) == ("not shown", reason)
    # the column prints no figure at all: its header gives no base, and no dash for one
    assert header == "not shown"


def test_a_mean_the_public_row_prints_is_printed_with_its_base_not_shown(app):
    """A row a few skipped has its number who answered withheld (consult.outcomes.skipped);
    the matrix table still prints its mean, so the heat map prints the same mean, saying its
    base is not shown, instead of a dash the table contradicts. A mean the row withholds stays
    withheld."""
    from consult.outcomes.suppression import _articles

    skipped = {"answered": None, "scored": None, "answered_secondary": True}
    rows = [
        {"key": "art01", "mean": 3.21, **skipped},
        {"key": "art02", "mean": None, **skipped},
        {"key": "art03", "mean": 2.9, "answered": 42, "scored": 40},
    ]
    questionnaires = [{"key": "governments", "questions": [{"key": "relevance", "rows": rows}]}]
    keys = ("art01", "art02", "art03")
    column = {
        "kind": "mean",
        "questionnaire": "governments",
        "question": "relevance",
        "values": dict(zip(keys, (3.21, 2.5, 2.9), strict=True)),
        "bases": dict(zip(keys, (60, 61, 40), strict=True)),
        "answered": dict(zip(keys, (63, 64, 42), strict=True)),
        "range": (1, 4),
    }
    _articles({"columns": [column]}, questionnaires, 5)
    summary = {"suppressed_below": 5}
    with app.test_request_context("/"):
        cells = {a: heat_cell(column, a, summary) for a in keys}
        header = column_base_text(column, summary)
    assert (cells["art01"].figure, cells["art01"].base) == ("3.21", None)
    assert cells["art01"].base_text == "n not shown: protects a small group"
    assert cells["art01"].short_text == "n not shown"  # the figure is printed, its n is not
    assert cells["art02"].short_text == "not shown"
    assert (cells["art02"].figure, cells["art02"].base_text) == (
        "–",
        "not shown (protects a small group)",
    )
    assert (cells["art03"].figure, cells["art03"].base_text) == ("2.90", "n = 40")
    # the header's range covers the bases it prints and says some are not
    assert header == "n = 40; some not shown"
