"""Reading figures off a summary that may be public (consult.outcomes.reading): a sum over
hidden cells is never printed as known, and a "top N" list never splits a tie. Each sentence,
slide and list that sums cells or names the first few goes through it; their cases are here."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from consult import outcomes
from consult.outcomes import contributions, reading
from consult.outcomes.deck_campaign import campaign_notes, campaign_view
from consult.outcomes.deck_content import languages_sentence, themes_raised_most

CATALOGS = f"{outcomes.__file__.rsplit('/', 1)[0]}/translations"


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs: the sentences need no database."""
    bare = Flask(__name__)
    Babel(bare, default_translation_directories=CATALOGS)
    return bare


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def cell(key, count):
    """A published cell: None is hidden (suppressed), as the public summary writes it."""
    return {"key": key, "count": count, "suppressed": count is None}


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([], 0),
        ([cell("a", 3), cell("b", 4)], 7),
        ([cell("a", 3), cell("b", None)], None),  # never 3: the hidden cell is not 0
        ([{"key": "a", "count": 0, "suppressed": True}], None),  # flagged although 0
        ([cell("a", 0)], 0),
    ],
)
def test_a_sum_over_a_hidden_cell_is_not_known(cells, expected):
    assert reading.known_sum(cells) == expected


def test_totals_by_key_leave_out_a_key_hidden_anywhere():
    groups = [
        [cell("fr", 12), cell("en", 11), cell("es", 8)],
        [cell("fr", None), cell("en", 3)],  # es absent: 0 there, known
    ]
    assert reading.known_totals(groups) == ({"en": 14, "es": 8}, True)
    assert reading.known_totals(groups[:1]) == ({"fr": 12, "en": 11, "es": 8}, False)


def _counted(*counts):
    return [{"key": f"k{i}", "count": n} for i, n in enumerate(counts)]


@pytest.mark.parametrize(
    ("counts", "limit", "room", "kept", "more_tied"),
    [
        ((5, 4, 3, 2), 3, None, ["k0", "k1", "k2"], 0),
        # four tied at 3 for the last place kept: all four, not the first three listed
        ((3, 3, 3, 3, 1), 3, None, ["k0", "k1", "k2", "k3"], 0),
        ((6, 3, 3, 3, 3, 1), 3, None, ["k0", "k1", "k2", "k3", "k4"], 0),
        # the tie does not fit the room: the first kept, and how many level are left out
        ((6, 3, 3, 3, 3, 3, 3, 1), 3, 5, ["k0", "k1", "k2"], 4),
        ((6, 3, 3, 3), 3, 5, ["k0", "k1", "k2", "k3"], 0),
        # unsorted input, a hidden figure (None) never named, fewer items than the limit
        ((1, None, 7, 4), 5, None, ["k2", "k3", "k0"], 0),
        ((2, 2), 1, None, ["k0", "k1"], 0),
        ((), 3, None, [], 0),
        ((4, 3), 0, None, [], 0),
    ],
)
def test_a_top_list_never_splits_a_tie(counts, limit, room, kept, more_tied):
    cut = reading.top_cut(_counted(*counts), limit, "count", room)
    assert ([item["key"] for item in cut.items], cut.more_tied) == (kept, more_tied)
    if room is None:
        assert reading.top_with_ties(_counted(*counts), limit, "count") == cut.items


def _summary(*questionnaires):
    return {
        "questionnaires": [
            {"responses": sum(n or 0 for _k, n in cells) if total is None else total,
             "participation": {"by_language": [cell(k, n) for k, n in cells]}}
            for total, cells in questionnaires
        ]
    }  # fmt: skip


LANGUAGES = [
    # every cell shown: each language's share of every response
    (
        _summary((31, [("fr", 12), ("en", 11), ("es", 8)]), (9, [("fr", 3), ("en", 3), ("es", 3)])),
        "en",
        "40 responses, by language: French 38%, English 35%, Spanish 28%",
    ),
    # the reviewer's case: the second questionnaire's cells are hidden; summing them as 0 said
    # "French 30%, English 28%, Spanish 20%" (adding to 78%): none of the three is known
    (
        _summary(
            (31, [("fr", 12), ("en", 11), ("es", 8)]),
            (9, [("fr", None), ("en", None), ("es", None)]),
        ),
        "en",
        "",
    ),
    # one language hidden in one questionnaire: left out, and the sentence says so
    (
        _summary((31, [("fr", 12), ("en", 11), ("es", 8)]), (9, [("fr", None), ("en", 6)])),
        "en",
        "40 responses, by language: English 42%, Spanish 20%; the other languages are not "
        "shown, to protect respondents",
    ),
    (
        _summary((31, [("fr", 12), ("en", 11), ("es", 8)]), (9, [("fr", None), ("en", 6)])),
        "fr",
        "40 réponses, par langue : anglais 42 %, espagnol 20 % ; les autres langues ne sont pas "
        "affichées, pour protéger les répondants",
    ),
    (
        _summary((31, [("fr", 12), ("en", 11), ("es", 8)]), (9, [("fr", None), ("en", 6)])),
        "es",
        "40 respuestas, por idioma: inglés 42 %, español 20 %; los demás idiomas no se "
        "muestran, para proteger a quienes respondieron",
    ),
]


@pytest.mark.parametrize(("summary", "language", "expected"), LANGUAGES)
def test_the_deck_never_prints_a_language_share_summed_over_hidden_cells(
    app, summary, language, expected
):
    with app.test_request_context("/"), force_locale(language):
        assert _plain(languages_sentence(summary)) == expected


def _theme(key, count):
    return {"key": key, "label": {"en": key.title()}, "count": count}


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        # four themes tied at 3 of 14 after the first: all four are named, never three of them
        (
            [_theme(k, n) for k, n in (("participation", 5), ("children", 3), ("climate", 3),
                                       ("housing", 3), ("water", 3), ("culture", 1))],
            "The themes raised most in the 14 published contributions: Participation (5), "
            "Children (3), Climate (3), Housing (3), and Water (3).",
        ),
        (
            [_theme(k, n) for k, n in (("a", 5), ("b", 4), ("c", 3), ("d", 2))],
            "The themes raised most in the 14 published contributions: A (5), B (4), and C (3).",
        ),
        # a theme hidden on a public summary is not named
        (
            [_theme("a", 6), _theme("b", None)],
            "The themes raised most in the 14 published contributions: A (6).",
        ),
        ([], ""),
    ],
)  # fmt: skip
def test_the_themes_named_in_the_notes_include_every_tie(app, themes, expected):
    with app.test_request_context("/"), force_locale("en"):
        assert themes_raised_most(themes, 14) == expected


def _contributions(supports):
    rows = [
        (i + 1, datetime(2022, 1, 1 + i, tzinfo=UTC), "art10", "rights", "comment", "en", "FR",
         "europe", "civil_society", f"Contribution {i + 1}.", n)
        for i, n in enumerate(supports)
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=contributions.CONTRIBUTION_COLUMNS)
    return contributions.summarise_contributions(frame, ())


@pytest.mark.parametrize(
    ("supports", "listed", "more_tied"),
    [
        ((0, 0, 0), [], 0),  # no support: none is "most supported"
        ((0, 2, 0, 1), [2, 4], 0),
        ((5, 4, 3, 2, 1, 1, 1), [1, 2, 3, 4, 5, 6, 7], 0),  # tied with the fifth: kept
        ((5, 4, 3, 2, *[1] * 12), [1, 2, 3, 4, 5], 11),  # too many to list: counted
        ((1, 3, 3), [2, 3, 1], 0),  # the earliest first among equals
    ],
)
def test_most_supported_lists_supported_contributions_and_every_tie(supports, listed, more_tied):
    summary = _contributions(supports)
    assert [m["contribution_id"] for m in summary["most_supported"]] == listed
    assert summary["most_supported_more_tied"] == more_tied


def _campaign(commitments):
    return {
        "campaign": {
            "total": 9,
            "countries": 3,
            "pioneers": 0,
            "as_of": "2022-03-01",
            "by_region": {},
            "milestones": [],
            "commitments": commitments,
            "labels": {k: {"en": k.title()} for k in commitments},
        }
    }


@pytest.mark.parametrize(
    ("commitments", "kept", "note"),
    [
        (
            {"housing": 4, "water": 4, "culture": 2},
            ["housing", "water", "culture"],
            "The commitments chosen most, level: Housing and Water, each by 4 of the 9 cities "
            "and territories that joined.",
        ),
        (
            {"housing": 5, "water": 4},
            ["housing", "water"],
            "The commitment chosen most: Housing, by 5 of the 9 cities and territories that "
            "joined.",
        ),
        # a tie with the fifth is kept whole
        (
            {k: n for k, n in zip("abcdefg", (6, 5, 4, 3, 2, 2, 2), strict=True)},
            list("abcdefg"),
            "The commitment chosen most: A, by 6 of the 9 cities and territories that joined.",
        ),
    ],
)
def test_the_campaign_slide_names_every_commitment_level_with_the_last(
    app, commitments, kept, note
):
    with app.test_request_context("/"), force_locale("en"):
        view = campaign_view(_campaign(commitments), {})
        assert [c["key"] for c in view["commitments"]] == kept
        assert campaign_notes(view)[-1] == note
