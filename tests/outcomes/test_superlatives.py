"""No headline calls an option or a row the most chosen, first, top, highest or lowest past a
figure that is hidden although it is not small (headlines.may_lead, the chokepoint of every
superlative the deck and the public page say): on a public summary, a cell protected from
subtraction or a withheld Borda score or mean may be the true leader."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from consult.outcomes.headlines import key_findings, matrix_headlines, ranking_headlines


@pytest.fixture(scope="module")
def app():
    bare = Flask(__name__)
    Babel(bare)
    return bare


def _option(key, first, borda, **flags):
    return {
        "key": key,
        "label": {"en": key},
        "first": first,
        "share_first": None if first is None else first / 40,
        "borda": borda,
        **flags,
    }


def _ranking(*options):
    return {
        "key": "priorities",
        "label": {"en": "Priorities"},
        "type": "ranking",
        "section": "revision",
        "answered": 40,
        "places": 3,
        "options": list(options),
    }


SHOWN = [_option("housing", 20, 90), _option("water", 12, 70)]


@pytest.mark.parametrize(
    ("hidden", "said"),
    [
        # everything shown: both sentences
        (None, {"first_places", "borda"}),
        # a small option (fewer than 5 ranked it): it cannot lead, both sentences stand
        (_option("care", None, None, suppressed=True), {"first_places", "borda"}),
        # its Borda score withheld (it would pin a small cell): it may be the top priority
        (_option("care", 3, None, borda_withheld=True), {"first_places"}),
        # its times ranked protected from subtraction: so is its score
        (_option("care", 3, None, ranked_secondary=True), {"first_places"}),
        (_option("care", 3, None, ranked_withheld=True), {"first_places"}),
        # its first places protected: it may have been ranked first most often
        (_option("care", None, 80, first_secondary=True), {"borda"}),
        (_option("care", None, 80, first_withheld=True), {"borda"}),
    ],
)
def test_a_ranking_leader_is_named_only_over_every_figure_that_could_lead(app, hidden, said):
    question = _ranking(*SHOWN, *([hidden] if hidden else []))
    with app.test_request_context("/"):
        headlines = ranking_headlines(question)
    assert {h.statistic for h in headlines} == said
    assert all(h.option_key == "housing" for h in headlines)


def _matrix(*rows):
    return {
        "key": "rights",
        "label": {"en": "Rights"},
        "type": "matrix",
        "ordinal": True,
        "section": "articles",
        "answered": 40,
        "score_range": (1, 4),
        "rows": [{"key": k, "label": {"en": k}, "mean": m, "scored": 40, **f} for k, m, f in rows],
    }


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (None, ["mean_high", "mean_low"]),
        # a row with too few scores is out of the comparison, as the sentences say
        (("art03", None, {"suppressed": True, "scored": None}), ["mean_high", "mean_low"]),
        # a mean withheld with enough scores may be the highest or the lowest
        (("art03", None, {"mean_withheld": True}), []),
    ],
)
def test_a_matrix_row_is_highest_or_lowest_only_over_every_mean(app, extra, said):
    rows = [("art01", 3.5, {}), ("art02", 2.1, {})] + ([extra] if extra else [])
    with app.test_request_context("/"):
        headlines = matrix_headlines(_matrix(*rows), minimum=5)
    assert [h.statistic for h in headlines] == said


def _choice(*flags):
    options = [{"key": "yes", "label": {"en": "Yes"}, "count": 30, "share": 0.75}]
    options += [
        {"key": "no", "label": {"en": "No"}, "count": None, "share": None, **f} for f in flags
    ]
    return {
        "key": "adopted",
        "label": {"en": "Adopted"},
        "type": "single_choice",
        "section": "commitments",
        "answered": 40,
        "options": options,
    }


@pytest.mark.parametrize(
    ("flags", "found"),
    [
        ([], True),
        ([{"suppressed": True}], True),  # fewer than 5 chose it
        ([{"suppressed": True, "secondary": True}], False),  # protected: perhaps more
        ([{"suppressed": True, "withheld": True}], False),  # the whole table withheld
    ],
)
def test_the_most_chosen_answer_is_a_finding_only_over_every_answer(flags, found):
    questionnaire = {"responses": 40, "questions": [_choice(*flags)]}
    assert bool(key_findings(questionnaire, minimum=5)) is found


#: A row whose mean is printed but not its base (a few skipped it, or its "don't know" is
#: hidden): the sentence could not say its n, and it may be past the row named.
UNBASED = {"scored": None, "answered_secondary": True}


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        # above every named row: no "highest"; the lowest stands
        (("art03", 3.9, UNBASED), ["mean_low"]),
        # below: no "lowest"
        (("art03", 1.2, UNBASED), ["mean_high"]),
        # level with the highest: it may be ahead
        (("art03", 3.5, UNBASED), ["mean_low"]),
        # between: both stand
        (("art03", 2.8, UNBASED), ["mean_high", "mean_low"]),
    ],
)
def test_a_mean_printed_without_its_base_is_never_passed_over(app, extra, said):
    rows = [("art01", 3.5, {}), ("art02", 2.1, {}), extra]
    with app.test_request_context("/"):
        headlines = matrix_headlines(_matrix(*rows), minimum=5)
        # the deck's choice of findings reads the same rows (it crashed on a base of None)
        findings = key_findings({"responses": 40, "questions": [_matrix(*rows)]}, minimum=5)
    assert [h.statistic for h in headlines] == said
    assert len(findings) == 1


def test_an_answer_chosen_by_none_is_never_the_most_chosen():
    # every answer chosen by someone is hidden (fewer than 5): the shown 0 % is not a finding
    question = _choice({"suppressed": True})
    question["options"][0].update(count=0, share=0.0)
    assert key_findings({"responses": 40, "questions": [question]}, minimum=5) == []


def test_an_option_never_ranked_first_is_not_ranked_first_most_often(app):
    question = _ranking(_option("housing", 0, 0.0), _option("care", None, None, suppressed=True))
    with app.test_request_context("/"):
        assert ranking_headlines(question) == []


def test_a_finding_left_without_a_sentence_is_no_finding(app):
    """A ranking whose scores may lead elsewhere and whose shown options were never ranked
    first says nothing: no empty finding reaches the deck (it failed on one)."""
    from consult.outcomes.headlines import questionnaire_headlines

    question = _ranking(
        _option("housing", 0, 40.0), _option("care", None, None, borda_withheld=True)
    )
    questionnaire = {"responses": 40, "questions": [question]}
    with app.test_request_context("/"):
        assert questionnaire_headlines(questionnaire, {}, minimum=5) == []
