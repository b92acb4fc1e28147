"""A number question's histogram never reveals one answer: its intervals have round edges within
the question's own bounds (number_bins), whole numbers are labelled by the values they hold, a
public summary merges an end interval holding one or two answers into its neighbour and leaves
the ends open with truthful words ("before 2018", "2020 or later"), in en/fr/es, on the chart,
the table and the downloads alike (formatting.interval_label)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from flask_babel import force_locale

from consult.outcomes import downloads
from consult.outcomes.formatting import interval_label
from consult.outcomes.number_bins import BINS, histogram, merge_small_ends
from consult.outcomes.suppression import _question
from consult.questionnaires.definition import Question
from tests.outcomes import frames

T = 5


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs: the labels need no database."""
    return frames.catalog_app()


def _question_of(low, high, integer=True):
    return Question(
        key="q", type="number", label={"en": "Q"}, section_key="s", min=low, max=high,
        integer=integer,
    )  # fmt: skip


ADOPTION = _question_of(2011, 2027)  # the local governments' "year the Charter was adopted"
STAFF = _question_of(0, 100000)  # "how many staff members"
SINCE = _question_of(1900, 2030)  # the partners' "since what year"
SHARE = _question_of(None, None, integer=False)  # no bounds, decimals

#: (question, answers, staff labels)
CASES = [
    (
        ADOPTION,
        [2013] + [2016] * 6 + [2018] * 5 + [2021] * 7 + [2026],
        ["2012 – 2013", "2014 – 2015", "2016 – 2017", "2018 – 2019", "2020 – 2021",
         "2022 – 2023", "2024 – 2025", "2026 – 2027"],
    ),
    # a bound the rounding passes is the interval's edge: never a year before 2011
    (
        ADOPTION,
        [2011, 2011, 2014, 2019, 2026, 2026],
        ["2011 – 2014", "2015 – 2019", "2020 – 2024", "2025 – 2027"],
    ),
    (SINCE, [1985, 2000, 2010, 2021], [
        "1985 – 1989", "1990 – 1994", "1995 – 1999", "2000 – 2004", "2005 – 2009",
        "2010 – 2014", "2015 – 2019", "2020 – 2024"]),
    (STAFF, [0] * 6 + [3] * 4 + [12] * 5 + [60, 250],
     ["0 – 49", "50 – 99", "100 – 149", "150 – 199", "200 – 249", "250 – 299"]),
    (STAFF, [7] * 6, ["7"]),
    (SHARE, [0.13, 0.9, 2.71], ["0 – 0.5", "0.5 – 1", "1 – 1.5", "1.5 – 2", "2 – 2.5", "2.5 – 3"]),
]  # fmt: skip


def _summary_question(question: Question, answers: list[float]) -> dict:
    numbers = pd.Series(answers, dtype=float)
    return {
        "key": question.key,
        "type": "number",
        "label": {"en": "Q"},
        "asked": len(answers),
        "answered": len(answers),
        "count": len(answers),
        "year": question.is_year,
        "integer": question.integer,
        "histogram": histogram(numbers, question),
        "median": float(numbers.median()),
        "q1": float(numbers.quantile(0.25)),
        "q3": float(numbers.quantile(0.75)),
        "min": float(numbers.min()),
        "max": float(numbers.max()),
        "mean": float(numbers.mean()),
    }


def _labels(question: dict) -> list[str]:
    intervals = question["histogram"]
    return [
        interval_label(question, e, i == len(intervals) - 1).replace("\u202f", " ")
        for i, e in enumerate(intervals)
    ]


@pytest.mark.parametrize(("question", "answers", "labels"), CASES)
def test_intervals_are_round_and_within_the_questions_bounds(app, question, answers, labels):
    summary = _summary_question(question, answers)
    intervals = summary["histogram"]
    with app.test_request_context("/"), force_locale("en"):
        assert _labels(summary) == labels
    assert len(intervals) <= BINS
    assert sum(e["count"] for e in intervals) == len(answers)
    edges = [intervals[0]["from"], *(e["to"] for e in intervals)]
    if question.min is not None:
        assert edges[0] >= question.min
    if question.max is not None:
        assert edges[-1] <= question.max
    # the edges are round (a multiple of the step, or one less for the last whole number) or
    # the question's own bounds, never an answer that is not round
    step = intervals[0]["to"] - intervals[0]["from"] if len(intervals) > 1 else None
    if step:
        step = intervals[1]["to"] - intervals[1]["from"] if len(intervals) > 2 else step
        for edge in edges:
            round_edge = any(
                abs((edge + d) / step - round((edge + d) / step)) < 1e-9 for d in (0, 1)
            )
            assert round_edge or edge in (question.min, question.max), edge


PUBLIC = {
    "en": ["before 2018", "2018 – 2019", "2020 or later"],
    "fr": ["avant 2018", "2018 – 2019", "2020 ou après"],
    "es": ["antes de 2018", "2018 – 2019", "2020 o después"],
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_public_histogram_merges_small_ends_and_leaves_them_open(app, language):
    """2013 and 2026 are one answer each: on the public page they are merged into their
    neighbours, and neither year, nor any year after the cut-off, is printed."""
    staff = _summary_question(*CASES[0][:2])
    public = copy.deepcopy(staff)
    _question(public, T)
    with app.test_request_context("/"), force_locale(language):
        labels = _labels(public)
        summary = {"questionnaires": [{"key": "x", "questions": [public]}]}
        table = downloads.figure(summary, "x", "question:q", T, public=True)
    assert labels == PUBLIC[language]
    assert [e["count"] for e in public["histogram"]] == [7, 5, 8]
    assert all(e["count"] >= T for e in public["histogram"][:: len(public["histogram"]) - 1])
    said = " ".join(labels)
    assert "2013" not in said and "2026" not in said and "2027" not in said
    assert [row[0].replace("\u202f", " ") for row in table.rows] == labels


@pytest.mark.parametrize(
    ("counts", "merged"),
    [
        ((6, 2, 0, 9), (6, 2, 0, 9)),  # the ends hold enough: nothing merged
        ((1, 0, 3, 9), (13,)),  # a lone answer at the bottom, joined until enough
        ((1, 0, 5, 9), (6, 9)),
        ((9, 0, 2), (11,)),  # an empty neighbour adds nothing: merged on
        ((9, 6, 0, 2), (9, 8)),
        ((9, 4, 1), (9, 5)),
        ((1, 1), (2,)),  # never fewer than one interval
        ((0, 9, 0), (0, 9, 0)),  # an empty end says nothing of anyone
    ],
)
def test_small_ends_are_merged_until_they_hold_enough(counts, merged):
    intervals = [{"from": i, "to": i + 1, "count": n} for i, n in enumerate(counts)]
    merge_small_ends(intervals, T)
    assert tuple(e["count"] for e in intervals) == merged
    assert intervals[0]["from"] == 0 and intervals[-1]["to"] == len(counts)


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "all answers"), ("fr", "toutes les réponses"), ("es", "todas las respuestas")],
)
def test_a_public_histogram_left_with_one_interval_names_no_edge(app, language, label):
    """Six answers of 2018 to 2024 by year merge into one interval: "2018 – 2024" would give
    the lowest and highest answers."""
    public = _summary_question(ADOPTION, [2018, 2019, 2020, 2021, 2022, 2024])
    _question(public, T)
    with app.test_request_context("/"), force_locale(language):
        assert _labels(public) == [label]
    assert [e["count"] for e in public["histogram"]] == [6]
