"""Findings that the deck prints level are said to be level: two rows whose means print the
same ("3.50"), two answers whose shares print the same ("33%"), and a matrix whose rows all
print one mean gets one sentence; a matrix nobody scored gets none (headlines.py)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.headlines import choice_headline, matrix_headlines
from tests.outcomes import frames


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs."""
    return frames.catalog_app()


def _matrix(*means):
    return {
        "key": "relevance",
        "label": {"en": "Relevance"},
        "type": "matrix",
        "score_range": [1, 4],
        "rows": [
            {
                "key": f"r{index}",
                "label": {"en": f"Row {index}"},
                "mean": mean,
                "scored": 20 if mean is not None else 0,
                "unscored": 0 if mean is not None else 20,
            }
            for index, mean in enumerate(means, 1)
        ],
    }


@pytest.mark.parametrize(
    ("means", "sentences"),
    [
        # 3.504 and 3.496 both print 3.50: level on stage
        ((3.504, 3.496, 2.0), [("Row 1", "Tied with “Row 2”"), ("Row 3", None)]),
        ((3.506, 3.496, 2.0), [("Row 1", None), ("Row 3", None)]),
        # 2.99 and 3.00 are not level, although both round to 3.0 (the demo's III and IX)
        ((3.0, 2.99, 1.0), [("Row 1", None), ("Row 3", None)]),
        # every row prints 3.00: one sentence, no "lowest"
        ((3.004, 2.996, 3.0), [("Row 1", "Tied with")]),
        # "don't know" from everyone: no mean, no sentence
        ((None, None), []),
    ],
)
def test_matrix_rows_printed_level_are_said_level(app, means, sentences):
    with app.test_request_context("/"), force_locale("en"):
        found = matrix_headlines(_matrix(*means))
    assert len(found) == len(sentences)
    for headline, (row, tie) in zip(found, sentences, strict=True):
        assert headline.sentence.startswith(f"“{row}”")
        assert (tie in headline.sentence) if tie else "Tied" not in headline.sentence


@pytest.mark.parametrize(
    ("shares", "tied"),
    [((0.334, 0.333, 0.333), True), ((0.345, 0.33, 0.325), False), ((0.5, 0.5, 0.0), True)],
)
def test_answers_printed_level_are_said_level(app, shares, tied):
    question = {
        "key": "adopted",
        "label": {"en": "Adopted?"},
        "type": "single_choice",
        "answered": 300,
        "options": [
            {"key": f"o{index}", "label": {"en": f"Answer {index}"}, "share": share}
            for index, share in enumerate(shares, 1)
        ],
    }
    with app.test_request_context("/"), force_locale("en"):
        headline = choice_headline(question, question["options"][0], {})
    assert ("Tied with “Answer 2”" in headline.sentence) is tied
