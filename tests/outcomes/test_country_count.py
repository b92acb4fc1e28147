"""The number of countries on public output: withheld when, with the pooled "other countries"
line, it tells how many respondents each pooled country has (country_cells)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.outcomes.country_cells import OTHER_COUNTRIES, protect_country_count

T = 5


def _participation(named: dict[str, int], other: int | None, countries: int, larger=False):
    by_country = [{"key": k, "count": n} for k, n in named.items()]
    if other is not None or countries > len(named):
        by_country.append({"key": OTHER_COUNTRIES, "count": other})
    return {"countries": countries, "by_country": by_country, "larger_pooled": larger}


@pytest.mark.parametrize(
    ("named", "other", "countries", "shown"),
    [
        ({}, 5, 5, False),  # found by a review: 5 responses from 5 countries, one each
        ({}, 5, 4, False),  # 2, 1, 1, 1: three of them one each
        ({}, 6, 5, False),  # nearly as many countries as respondents
        ({}, 8, 2, False),  # two pooled countries of 4 each (at most 4: fewer than 5)
        ({}, 7, 3, True),  # 3, 3, 1 or 3, 2, 2 or 4, 2, 1...
        ({"FR": 20, "BR": 12}, 6, 3, False),  # one pooled country: it is the line's 6
        ({"FR": 20, "BR": 12}, 7, 4, False),  # 4 and 3: nothing else adds up to 7
        ({"FR": 20, "BR": 12}, 9, 5, True),  # 4, 4, 1 or 4, 3, 2 or 3, 3, 3
        ({"FR": 20, "BR": 12}, None, 2, True),  # every country named: nothing pooled
        ({"FR": 20, "BR": 12}, None, 4, False),  # the pooled line's count is hidden
        ({}, 12, 2, True),  # larger countries pooled too: 6 + 6 or 7 + 5...
    ],
)
def test_country_count_cases(named, other, countries, shown):
    larger = other == 12
    participation = _participation(named, other, countries, larger)
    if other is None and countries == len(named):
        participation["by_country"] = [c for c in participation["by_country"] if c["key"] in named]
    protect_country_count(participation, T)
    assert (participation["countries"] is not None) is shown


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "8 responses to the questionnaire for local governments, from several countries."),
        ("fr", "venant de plusieurs pays."),
        ("es", "de varios países."),
    ],
)
def test_a_withheld_count_reads_several_countries(language, words):
    """The participation sentence of a public summary whose count of countries is withheld."""
    from flask import Flask
    from flask_babel import Babel, force_locale

    import consult
    from consult.i18n import translation_directories
    from consult.outcomes.headlines_participation import participation_sentences

    app = Flask(__name__)
    root = Path(consult.__file__).resolve().parent
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translation_directories(root)
    Babel(app)
    summary = {
        "suppressed_below": T,
        "questionnaires": [
            {
                "key": "local-governments",
                "responses": 8,
                "participation": {
                    "countries": None,
                    "by_country": [{"key": OTHER_COUNTRIES, "count": 8}],
                },
            }
        ],
    }
    with app.test_request_context(), force_locale(language):
        sentences = participation_sentences(summary)
    assert words in sentences[0].replace("\u00a0", " ")
    assert not any(c.isdigit() for c in sentences[0].split(",")[-1])


def test_the_closed_form_gives_the_disclosure_searchs_answer():
    """Pooled countries' sizes, largest first, summing to the pooled line: the closed form says
    a size is pinned exactly when the solver does (it replaced the search, exponential in the
    number of countries, which hung a deck of 400 responses)."""
    from consult.outcomes import disclosure
    from consult.outcomes.country_cells import _size_pinned

    for pooled in range(2, 9):
        for largest in (1, 2, 3, 4, 6):
            for total in range(pooled, pooled * largest + 1):
                bounds = {i: (1, largest) for i in range(pooled)}
                order = [disclosure.at_least({i: 1, i + 1: -1}, 0) for i in range(pooled - 1)]
                facts = [disclosure.equal(dict.fromkeys(bounds, 1), total), *order]
                searched = bool(disclosure.determined(bounds, facts))
                assert _size_pinned(total, pooled, largest) == searched, (pooled, largest, total)


def test_many_pooled_countries_are_decided_at_once():
    from consult.outcomes.country_cells import _size_pinned

    assert _size_pinned(400, 400, 4)  # one each
    assert not _size_pinned(700, 300, 4)  # many splits
