"""Countries are listed in the alphabetical order of their names in the page's language, with
accents and case breaking ties only ("Égypte" among the E), never by ISO code: one key
(geography.collation_key) for the lists of names, one tie order (formatting.in_name_order) for
lists ranked by a count. A table of cases in three languages, then the pages."""

from __future__ import annotations

import re

import pytest

from consult.geography import collation_key, countries_by_name, country_names
from tests.outcomes.conftest import fill_demo


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["Égypte", "El Salvador", "Émirats arabes unis", "Équateur", "Espagne", "Zambie"]),
        ("fr", ["île", "Île", "ilot"]),
        ("es", ["Pakistán", "Perú", "Polonia"]),
        ("es", ["Nueva Zelanda", "Ñandú", "Oman"]),
        ("en", ["Åland Islands", "Albania", "Côte d’Ivoire", "Croatia", "Curaçao", "Cyprus"]),
        ("en", ["Norway", "Oman", "Ørsted"]),
    ],
)
def test_names_sort_by_their_letters_accents_breaking_ties(language, names):
    assert sorted(reversed(names), key=lambda n: collation_key(n, language)) == names


@pytest.mark.parametrize(
    ("language", "before", "after"),
    [
        ("fr", "EG", "ES"),  # Égypte before Espagne (a plain casefold put É after Z)
        ("fr", "AE", "ER"),  # Émirats arabes unis before Érythrée
        ("fr", "EC", "ZM"),  # Équateur before Zambie
        ("es", "PE", "PL"),  # Perú before Polonia
        ("en", "AX", "AL"),  # Åland Islands before Albania
    ],
)
def test_every_country_list_follows_the_page_language(language, before, after):
    codes = list(country_names(language))
    assert codes.index(before) < codes.index(after)
    assert countries_by_name([after, before], language) == [before, after]


def _country_rows(page: str) -> list[tuple[str, str]]:
    """(country, count) of the "Responses by country" tables of a page."""
    rows = []
    for table in re.findall(
        r"<caption>[^<]*(?:country|pays|país)[^<]*</caption>(.*?)</table>", page, re.S | re.I
    ):
        for name, count in re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', table
        ):
            rows.append((name.strip(), count.strip()))
    return rows


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_country_tables_put_ties_in_name_order(app, login, language):
    fill_demo(app, 160)
    admin = login(app.test_client(), "admin")
    checked = 0
    for path in ("/staff/outcomes/", "/staff/outcomes/dashboard"):
        page = admin.get(f"{path}?lang={language}").get_data(as_text=True)
        rows = _country_rows(page)
        assert rows, path
        for (name, count), (next_name, next_count) in zip(rows, rows[1:], strict=False):
            if count == next_count and "(" not in name + next_name:
                checked += 1
                assert collation_key(name, language) <= collation_key(next_name, language), (
                    path,
                    name,
                    next_name,
                )
    assert checked, "the dataset must have countries level on their count"
