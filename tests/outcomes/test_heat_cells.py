"""Every cell of the article heat map states its base (heat.heat_cell, the one chokepoint of the
page chart, its table, its downloads and the deck), and no hidden cell shows through its n."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import Babel

from consult.outcomes import heat

PUBLIC = {"suppressed_below": 5}


@pytest.fixture(scope="module")
def app():
    """A bare app for the words (English): the cells need no database."""
    bare = Flask(__name__)
    Babel(bare)
    return bare


STAFF: dict = {}


def mean_column(value, scored, answered=None):
    return {
        "kind": "mean",
        "question": "article_relevance",
        "range": [1, 4],
        "values": {"I": value},
        "bases": {"I": scored},
        "answered": {"I": answered},
    }


def share_column(value, base):
    return {
        "kind": "share",
        "question": "articles_to_update",
        "values": {"I": value},
        "bases": {"I": base},
    }


def count_column(value, total):
    return {
        "kind": "count",
        "question": "contributions",
        "values": {"I": value},
        "bases": {"I": total},
    }


CASES = [
    # (column, summary, threshold, figure, base, base text)
    (mean_column(3.4, 120), STAFF, None, "3.40", 120, "n = 120"),
    # staff pages show every figure, small bases too
    (mean_column(2.0, 3), STAFF, None, "2.00", 3, "n = 3"),
    # public: the ratings' base would reveal a small "don't know": the row's, said so
    (
        mean_column(3.1, None, answered=40),
        PUBLIC,
        None,
        "3.10",
        40,
        "n = 40 answered; “don't know” left out",
    ),
    # public: a suppressed row prints neither figure nor n
    (mean_column(None, None), PUBLIC, None, "–", None, "fewer than 5 respondents"),
    # public: a figure resting on fewer than the threshold is never printed, nor its n
    (mean_column(2.0, 3), PUBLIC, None, "–", None, "fewer than 5 respondents"),
    # the deck on stage (a staff summary with the threshold): the same rule
    (mean_column(2.0, 3), STAFF, 5, "–", None, "fewer than 5 respondents"),
    (mean_column(2.0, 30), STAFF, 5, "2.00", 30, "n = 30"),
    # public share hidden for a rare choice: the question's base is printed, the count not
    (share_column(None, 120), PUBLIC, None, "–", 120, "n = 120; fewer than 5 chose it"),
    # public share of an option only a few were offered (a version's own small base)
    (share_column(None, None), PUBLIC, None, "–", None, "fewer than 5 respondents"),
    (share_column(0.25, 80), PUBLIC, None, "25%", 80, "n = 80"),
    # contributions per article rest on the published contributions
    (count_column(7, 60), PUBLIC, None, "7", 60, "n = 60"),
    # staff: no rating at all
    (mean_column(None, 0), STAFF, None, "–", 0, "n = 0"),
    # public: no rating at all is no small cell, and no contribution yet is a true zero
    (mean_column(None, 0), PUBLIC, None, "–", 0, "n = 0"),
    (count_column(0, 0), PUBLIC, None, "0", 0, "n = 0"),
    (count_column(2, 3), PUBLIC, None, "2", 3, "n = 3"),
]


@pytest.mark.parametrize(("column", "summary", "threshold", "figure", "base", "text"), CASES)
def test_each_cell_states_its_base(app, column, summary, threshold, figure, base, text):
    with app.test_request_context("/"):
        cell = heat.heat_cell(column, "I", summary, threshold=threshold)
    assert (cell.figure, cell.base, cell.base_text) == (figure, base, text)
    # the table's short form: the same base, or "n < 5" for a hidden one
    if base is None:
        assert cell.short_text == f"n < {summary.get('suppressed_below') or threshold}"
    else:
        assert cell.short_text == f"n = {base}" + ("*" if "answered" in text else "")
    smallest = summary.get("suppressed_below") or threshold
    if smallest and column["kind"] != "count":
        # no number under the threshold in what a public cell prints
        numbers = [int(n) for n in re.findall(r"\d+", f"{cell.base_text}")]
        assert all(n >= smallest or n == 0 for n in numbers), cell


def test_a_columns_base_range_covers_only_the_cells_it_prints(app):
    column = {
        "kind": "mean",
        "question": "article_relevance",
        "range": [1, 4],
        "values": {"I": 3.0, "II": 2.5, "III": None},
        "bases": {"I": 120, "II": 3, "III": None},
    }
    with app.test_request_context("/"):
        assert heat.column_base_text(column, STAFF) == "n = 3–120"
        # the deck on stage: the small cell is hidden, and so is its base in the range
        assert heat.column_base_text(column, threshold=5) == "n = 120"


@pytest.mark.parametrize(
    ("values", "intensities"),
    [
        ({"I": 0, "II": 0}, [0.0, 0.0]),  # no contribution anywhere: drawn as zero, not mid-blue
        ({"I": 3, "II": 3}, [0.5, 0.5]),  # level figures: a middle shade
        ({"I": 0, "II": 4}, [0.0, 1.0]),
        ({"I": 2.0, "II": 3.0, "III": None}, [0.0, 1.0, None]),
    ],
)
def test_a_zero_is_drawn_as_zero(values, intensities):
    column = {"kind": "count", "values": values, "bases": dict.fromkeys(values, 10)}
    assert [heat.heat_intensity(column, v) for v in values.values()] == intensities


def _summary(columns):
    return {**PUBLIC, "articles": {"articles": ["I"], "columns": columns}}


@pytest.mark.parametrize(
    ("columns", "deck", "noted"),
    [
        ([mean_column(3.4, 120)], False, False),  # every cell has a figure: no legend line
        ([mean_column(3.4, 3)], False, True),  # too few: "–"
        ([mean_column(None, 40, 40)], False, True),  # withheld to protect a small group
        ([share_column(None, 30)], True, True),
        ([count_column(0, 0)], True, False),  # a zero is a figure
    ],
)
def test_the_withheld_symbol_has_a_legend(app, columns, deck, noted):
    """Every "–" the map draws is explained beside it (page and deck)."""
    with app.test_request_context():
        summary = _summary(columns)
        note = heat.withheld_note(summary, 5, deck=deck)
        figures = [
            heat.heat_cell(c, "I", None if deck else summary, threshold=5).figure for c in columns
        ]
    assert ("–" in figures) is noted
    assert note.startswith("–") is noted


def _means(*cells):
    """A mean column over articles I, II...: each cell (value, own base, row's respondents)."""
    names = ["I", "II", "III", "IV"][: len(cells)]
    return {
        "kind": "mean",
        "question": "article_relevance",
        "range": [1, 4],
        "values": {n: c[0] for n, c in zip(names, cells, strict=True)},
        "bases": {n: c[1] for n, c in zip(names, cells, strict=True)},
        "answered": {n: c[2] for n, c in zip(names, cells, strict=True)},
    }


#: (column, summary, threshold, the n the header prints): a range of the means' own bases only.
RANGES = [
    (_means((3.1, 173, 180), (3.2, 178, 180)), STAFF, None, "n = 173–178"),
    # a mean whose own base is withheld prints its row's 185 ("don't know" in): not its base
    (_means((3.1, 173, 180), (3.2, None, 185)), PUBLIC, None, "n = 173; some not shown"),
    (_means((3.1, 173, 180), (3.2, 178, 180), (2.9, None, 185)), PUBLIC, None,
     "n = 173–178; some not shown"),
    (_means((3.1, None, 180), (3.2, None, 185)), PUBLIC, None, "n not shown"),
    (_means((3.1, 175, 180), (3.2, 175, 185)), PUBLIC, None, "n = 175"),
    (_means((3.1, 3, 4), (3.2, 50, 60)), None, 5, "n = 50"),
    (_means((None, 0, 0), (None, 0, 0)), STAFF, None, "not shown"),
]  # fmt: skip


@pytest.mark.parametrize(("column", "summary", "threshold", "said"), RANGES)
def test_a_column_s_n_range_is_of_its_figures_own_bases(app, column, summary, threshold, said):
    with app.test_request_context("/"):
        assert heat.column_base_text(column, summary, threshold) == said
        if threshold is not None:
            assert heat.deck_heat_column(column, threshold)[-1] == said


def test_a_slide_header_stars_a_range_some_figures_go_without_and_the_legend_says_why(app):
    """On a slide the header has room for few words (a longer one shrank the heat map under
    18 px): "n = 173–178*", the star explained once in the legend."""
    column = _means((3.1, 173, 180), (3.2, 178, 180), (2.9, None, 185))
    summary = {"articles": {"columns": [column], "articles": list(column["values"])}}
    with app.test_request_context("/?lang=en"):
        assert heat.column_base_text(column, None, None, starred=True) == "n = 173–178*"
        assert heat.deck_heat_column(column)[-1] == "n = 173–178*"
        assert heat.bases_star_note(summary) == "*: some n not shown"
        whole = _means((3.1, 173, 180), (3.2, 178, 180))
        assert heat.bases_star_note({"articles": {"columns": [whole], "articles": []}}) == ""


def test_the_star_s_legend_in_french(make_app):
    app = make_app()  # the whole app, with its catalogs (this module's app speaks English)
    column = _means((3.1, 173, 180), (3.2, 178, 180), (2.9, None, 185))
    summary = {"articles": {"columns": [column], "articles": list(column["values"])}}
    with app.test_request_context("/?lang=fr"):
        assert heat.bases_star_note(summary) == "*\u00a0: n non affiché pour certains chiffres"
