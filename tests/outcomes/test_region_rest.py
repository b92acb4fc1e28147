"""No region's count less the countries named in it is a small figure (issue 13: no public
figure rests on fewer than the threshold, including one recovered by subtraction).

North America 16, United States 7, Canada 5 printed side by side say that 4 respondents came
from other North American countries. consult.outcomes.country_cells pools more of a region's
countries until that difference is 0 or at least the threshold, and keeps a hidden region's
count from being pinned by the countries named in it.
"""

from __future__ import annotations

import itertools
import random

import pytest

from consult.outcomes.cells import cell_bounds
from consult.outcomes.suppression import public_summary

T = 5
MAP = {
    "US": "north_america",
    "CA": "north_america",
    "BM": "north_america",
    "PM": "north_america",
    "FR": "europe",
    "DE": "europe",
    "IT": "europe",
    "NG": "africa",
    "KE": "africa",
    "JP": "asia_pacific",
    "CN": "asia_pacific",
    "IN": "asia_pacific",
}


def _entries(counts: dict[str, int]) -> list[dict]:
    total = sum(counts.values())
    return [
        {"key": k, "count": n, "share": n / total}
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _public(countries: dict[str, int], *, recorded: bool = True) -> dict:
    """The public participation of respondents from ``countries`` (regions from MAP)."""
    regions: dict[str, int] = {}
    for country, n in countries.items():
        regions[MAP[country]] = regions.get(MAP[country], 0) + n
    participation = {
        "by_region": _entries(regions),
        "by_country": _entries(countries),
        "country_regions": {c: MAP[c] for c in countries} if recorded else {},
        "per_day": [],
    }
    summary = {
        "questionnaires": [
            {"responses": sum(countries.values()), "participation": participation, "questions": []}
        ],
        "articles": {"columns": [], "articles": []},
    }
    # A summary frozen before the map was recorded: the map in force is passed instead.
    shown = public_summary(summary, T, None if recorded else MAP)
    assert "country_regions" not in shown["questionnaires"][0]["participation"]
    return shown


def _printed(shown: dict) -> tuple[dict, dict]:
    part = shown["questionnaires"][0]["participation"]
    regions = {e["key"]: e["count"] for e in part["by_region"]}
    countries = {e["key"]: e["count"] for e in part["by_country"]}
    return regions, countries


def attacker(shown: dict, mapping: dict = MAP) -> list[str]:
    """What a reader works out from each region table, the countries shown and the map: a
    region less its named countries, a hidden region at least its named countries; and the
    regions of every questionnaire together less every named country."""
    problems: list[str] = []
    problems = []
    together: dict[str, list] = {}
    named_together: dict[str, int] = {}
    for questionnaire in shown["questionnaires"]:
        part = questionnaire["participation"]
        problems += _attack(part, questionnaire["responses"], mapping)
        for entry in part["by_region"]:
            together.setdefault(entry["key"], []).append(entry["count"])
        for entry in part["by_country"]:
            if entry["count"] is not None and entry["key"] in mapping:
                region = mapping[entry["key"]]
                named_together[region] = named_together.get(region, 0) + entry["count"]
    for region, counts in together.items():
        if None not in counts and 0 < sum(counts) - named_together.get(region, 0) < T:
            problems.append(f"all questionnaires, {region}: {counts} - named")
    return problems


def _attack(part: dict, total: int, mapping: dict) -> list[str]:
    table = part["by_region"]
    named: dict[str, int] = {}
    for entry in part["by_country"]:
        if entry["count"] is not None and entry["key"] in mapping:
            named[mapping[entry["key"]]] = named.get(mapping[entry["key"]], 0) + entry["count"]
    problems = [
        f"{e['key']}: {e['count']} - named {named.get(e['key'], 0)}"
        for e in table
        if e["count"] is not None and 0 < e["count"] - named.get(e["key"], 0) < T
    ]
    hidden = [e for e in table if e["count"] is None]
    rest = total - sum(e["count"] for e in table if e["count"] is not None)
    ranges = []
    for entry in hidden:
        low, high = cell_bounds(entry, T, total)
        ranges.append(range(max(low, named.get(entry["key"], 0)), min(high, rest) + 1))
    solutions = [s for s in itertools.product(*ranges) if sum(s) == rest]
    for index, entry in enumerate(hidden):
        if len({s[index] for s in solutions}) < 2:
            problems.append(f"hidden {entry['key']} pinned: {solutions}")
    return problems


CASES = [
    # The reviewer's case: Bermuda's 4 pooled (with Europe's 5), North America 17 - 7 - 6 = 4;
    # Canada joins the pooled line.
    (
        {"US": 7, "CA": 6, "BM": 4, "FR": 20, "DE": 2, "IT": 3},
        {"north_america": 17, "europe": 25},
        {"US": 7, "FR": 20, "_other": 15},
    ),
    # Europe 23 - France 20 = 3: France joins the pooled line too.
    (
        {"US": 7, "CA": 6, "BM": 4, "FR": 20, "IT": 3},
        {"north_america": 17, "europe": 23},
        {"US": 7, "_other": 33},
    ),
    # A lone small pooled line hides a partner (Canada): North America 16 - 7 is no small rest.
    (
        {"US": 7, "CA": 5, "BM": 4, "FR": 20, "DE": 9},
        {"north_america": 16, "europe": 29},
        {"US": 7, "FR": 20, "DE": 9, "CA": None, "_other": None},
    ),
    # A region made of named countries only: nothing more to pool.
    (
        {"US": 7, "CA": 5, "FR": 20},
        {"north_america": 12, "europe": 20},
        {"FR": 20, "US": 7, "CA": 5},
    ),
    # The rest of a region is exactly the threshold: printed as is.
    (
        {"US": 7, "CA": 5, "BM": 3, "PM": 2, "FR": 20},
        {"north_america": 17, "europe": 20},
        {"FR": 20, "US": 7, "CA": 5, "_other": 5},
    ),
    # Two regions each 2 short: the smallest named country of each joins the pooled line.
    (
        {"US": 9, "CA": 6, "BM": 2, "FR": 12, "DE": 7, "IT": 3},
        {"north_america": 17, "europe": 22},
        {"FR": 12, "US": 9, "_other": 18},
    ),
    # A hidden region (Africa 1, Asia-Pacific 14 its partner: 11 to 14) named in full (Japan 7,
    # China 7) would be pinned at 14, and Africa at 1: China joins the pooled line.
    (
        {"FR": 20, "DE": 2, "IT": 3, "NG": 1, "JP": 7, "CN": 7},
        {"europe": 25, "africa": None, "asia_pacific": None},
        {"FR": 20, "JP": 7, "_other": 13},
    ),
]


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded-map", "map-in-force"])
@pytest.mark.parametrize(("countries", "regions", "printed"), CASES)
def test_region_less_named_countries(countries, regions, printed, recorded):
    shown = _public(countries, recorded=recorded)
    assert _printed(shown) == (regions, printed)
    assert attacker(shown) == []


def test_pooled_line_says_when_larger_countries_joined_it(app):
    from consult.outcomes.formatting import breakdown_label

    with app.test_request_context():
        grouped = _public(CASES[0][0])
        plain = _public({"US": 7, "CA": 5, "BM": 3, "PM": 2, "FR": 20})
        assert "grouped to protect" in breakdown_label("country", "_other", grouped)
        assert "grouped" not in breakdown_label("country", "_other", plain)


def test_no_random_dataset_leaves_a_small_rest():
    rng = random.Random(13)
    for _ in range(400):
        countries = {c: rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12]) for c in MAP}
        countries = {c: n for c, n in countries.items() if n}
        if countries:
            assert attacker(_public(countries)) == [], countries


def test_demo_public_page_and_deck(app, login):
    """300 demo responses (the reviewer's North America 16, United States 7, Canada 5), frozen
    and published: the public summary (public page, figures, Charter pages) and the deck's."""
    from consult.geography import region_map
    from consult.outcomes import snapshot_views
    from consult.outcomes.models import OutcomeSnapshot
    from consult.outcomes.public_views import published_summary
    from tests.outcomes.conftest import fill_demo
    from tests.outcomes.test_differencing import _freeze_later, _latest_snapshot
    from tests.outcomes.test_pages import publish

    fill_demo(app, 300, seed=7)
    admin = login(app.test_client(), "admin")
    _freeze_later(admin)
    snapshot_id = _latest_snapshot(app)
    assert publish(admin, snapshot_id).status_code in (302, 303)
    mapping = region_map(app.config["QUESTIONNAIRES_PATH"])
    with app.test_request_context():
        _publication, frozen, shown = published_summary()
        assert frozen.id == snapshot_id
        deck = snapshot_views.deck_figures(app_db_get(OutcomeSnapshot, snapshot_id))[0]
    for summary in (shown, deck):
        assert attacker(summary, mapping) == []
        # The country and region questions are printed as the participation's breakdowns only:
        # their own tables (downloadable by name) named Canada's 5 and a hidden Bermuda.
        for questionnaire in summary["questionnaires"]:
            for question in questionnaire["questions"]:
                if question["type"] in ("country", "region"):
                    assert question["suppressed"] and not question["options"]
    reply = admin.get("/outcomes/figure.csv?of=local-governments&name=question:country")
    assert "Bermuda" not in reply.get_data(as_text=True)
    # Not vacuous: a region is printed beside countries named in it.
    assert shown.get("countries_grouped")
    page = admin.get("/outcomes?lang=en").get_data(as_text=True)
    assert "grouped to protect a small group" in page


def app_db_get(model, key):
    from consult.db import db

    return db.session.get(model, key)
