"""A multiple choice's average number of options chosen: substantive options only ("Other" and
the exclusive "None of these" aside), over a stated base (the respondents who chose one), and
withheld in public where that base is small or would give a hidden option's count away."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.closed import mean_choices
from consult.outcomes.formatting import mean_choices_sentence
from consult.outcomes.suppression import _question
from consult.questionnaires.definition import Option, Question
from tests.outcomes import frames

T = 5
QUESTION = Question(
    key="hr_elements",
    type="multiple_choice",
    label={"en": "Elements"},
    section_key="commitments",
    options=(
        Option("office", {"en": "An office"}),
        Option("charter", {"en": "A charter"}),
        Option("none_yet", {"en": "None of these yet", "fr": "Aucun", "es": "Ninguno"}, None, True),
    ),
    other=True,
)


@pytest.mark.parametrize(
    ("tallies", "with_parts", "mean", "base"),
    [
        # 6 chose both, 4 one: 16 choices over 10
        ({"office": 10, "charter": 6}, 10, 1.6, 10),
        # 5 said "None of these yet" (alone): neither a choice nor in the base
        ({"office": 10, "charter": 6, "none_yet": 5}, 15, 1.6, 10),
        # "Other" texts are not options chosen; who only wrote one is not in with_parts
        ({"office": 10, "charter": 6, "other": 7}, 10, 1.6, 10),
        # an option only an older version listed still counts
        ({"office": 4, "retired": 4}, 6, 8 / 6, 6),
        # everyone said "None of these yet": no average
        ({"none_yet": 8}, 8, None, 0),
        ({}, 0, None, 0),
    ],
)
def test_the_average_counts_substantive_options_over_those_who_chose_one(
    tallies, with_parts, mean, base
):
    got = mean_choices(QUESTION, tallies, with_parts)
    assert got["mean_choices_base"] == base
    assert got["mean_choices"] == pytest.approx(mean) if mean else got["mean_choices"] is None
    assert got["exclusive_options"] == ["none_yet"]


def _summary(counts: dict[str, int], answered: int, base: int, other: bool = True) -> dict:
    options = [
        {"key": k, "label": {"en": k}, "count": n, "share": n / answered} for k, n in counts.items()
    ]
    chosen = sum(n for k, n in counts.items() if k not in ("none_yet", "other"))
    return {
        "key": "q",
        "type": "multiple_choice",
        "label": {"en": "q"},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
        "options": options if other else [o for o in options if o["key"] != "other"],
        "mean_choices": chosen / base if base else None,
        "mean_choices_base": base,
        "exclusive_options": ["none_yet"],
        "other_texts": [],
    }


@pytest.mark.parametrize(
    ("counts", "answered", "base", "shown"),
    [
        # nothing hidden, a base of 20: printed, to one decimal
        ({"office": 20, "charter": 12, "none_yet": 0, "other": 0}, 20, 20, 1.6),
        # a base under the threshold: not printed, even with every option shown
        ({"office": 9, "charter": 0, "none_yet": 6, "other": 0}, 10, 4, None),
        # 3 said "None of these yet" (hidden): answered 20 less the base 17 gives them back
        ({"office": 17, "charter": 9, "none_yet": 3, "other": 0}, 20, 17, None),
        # the same with "Other" answers shown: who only wrote one is unknown, nothing is pinned
        ({"office": 17, "charter": 9, "none_yet": 3, "other": 8}, 25, 17, 1.5),
        # a hidden substantive option: the mean times a base of 5 gives its count back (1.4)
        ({"office": 5, "charter": 2, "none_yet": 0, "other": 0}, 5, 5, None),
        # over a base of 20, the rounding leaves it 1 to 3 (1.1): printed
        ({"office": 20, "charter": 2, "none_yet": 0, "other": 0}, 20, 20, 1.1),
    ],
)
def test_the_public_average_is_withheld_where_its_base_is_small_or_pins_a_cell(
    counts, answered, base, shown
):
    question = _summary(counts, answered, base)
    _question(question, T)
    assert question["mean_choices"] == shown
    assert (question["mean_choices_base"] is None) is (shown is None)


@pytest.fixture(scope="module")
def app():
    """A bare app with the app's catalogs: the sentence needs no database."""
    return frames.catalog_app()


@pytest.mark.parametrize(
    ("language", "base", "expected"),
    [
        (
            "en",
            12,
            "On average 1.6 options chosen per respondent, over the 12 respondents who chose at"
            " least one listed option. Not counted as options: “None of these yet” and “Other”.",
        ),
        (
            "fr",
            12,
            "En moyenne, 1,6 options choisies par personne, sur les 12 personnes ayant choisi au"
            " moins une option de la liste. Non comptées comme options\u00a0: «\u00a0Aucun\u00a0»"
            " et «\u00a0Autre\u00a0».",
        ),
        (
            "es",
            1,
            "De media, 1,6 opciones elegidas por persona, sobre 1 persona que eligió al menos una"
            " opción de la lista. No se cuentan como opciones: «Ninguno» y «Otro».",
        ),
    ],
)
def test_the_sentence_states_its_base_and_what_it_leaves_out(app, language, base, expected):
    question = {
        "mean_choices": 1.6,
        "mean_choices_base": base,
        "exclusive_options": ["none_yet"],
        "options": [
            {"key": "office", "label": {"en": "An office"}},
            {
                "key": "none_yet",
                "label": {"en": "None of these yet", "fr": "Aucun", "es": "Ninguno"},
            },
            {"key": "other", "label": {"en": "Other", "fr": "Autre", "es": "Otro"}},
        ],
    }
    with app.test_request_context("/"), force_locale(language):
        assert mean_choices_sentence(question) == expected
        # withheld, or a snapshot frozen before the base was kept: no sentence at all
        assert mean_choices_sentence({**question, "mean_choices_base": None}) is None
        assert mean_choices_sentence({**question, "mean_choices": None}) is None
