"""No hidden cell can be worked out from what the public pages publish beside it.

A table of cases for each rule of consult.outcomes.suppression (totals, means, Borda scores,
average choices, a number question's mean, the answers with no theme), then a property test:
for random small datasets, an attacker written here (brute force, sharing no code with
consult.outcomes.disclosure) reads everything the public summary and the Charter page's ratings
publish (what the pages and the downloads print) and solves for every hidden cell. It fails
if any hidden cell is determined exactly.
"""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.outcomes import disclosure
from consult.outcomes.charter_figures import published_article_ratings
from consult.outcomes.suppression import _question, public_summary, suppress_cells

T = 5
SCALE = [("vh", 4), ("h", 3), ("l", 2), ("n", 1), ("dk", None)]
REGIONS = ["africa", "asia", "europe", "latam"]
CHOICES = ["a", "b", "c"]
THEMES = ["t1", "t2", "t3"]
RANKED = ["r1", "r2", "r3", "r4", "r5"]
PLACES = 3


def _entries(counts):
    total = sum(counts) or 1
    return [{"key": str(i), "count": c, "share": c / total} for i, c in enumerate(counts)]


def _words(entries):
    return [
        "W"
        if e.get("withheld")
        else "S"
        if e.get("secondary")
        else "-"
        if e["count"] is None
        else e["count"]
        for e in entries
    ]


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([20, 3, 10], [20, "-", "S"]),  # a lone small cell takes a partner
        ([20, 1, 1], ["S", "-", "-"]),  # two "fewer than 5" adding up to 2 would be 1 and 1
        ([20, 1, 5], ["S", "-", "S"]),  # 1 + a partner of exactly 5 adds up to 6: both pinned
        ([30, 2, 7, 6], [30, "-", 7, "S"]),  # 2 + 6: the small one is 1, 2 or 3
        ([1, 1, 1, 1, 1, 0], ["W"] * 6),  # five ones and nothing to hide: the table is withheld
        ([4, 4], ["W", "W"]),  # two "fewer than 5" adding up to 8 are 4 and 4
        ([3, 4], ["-", "-"]),  # 3 + 4: each is 3 or 4
        ([12, 9, 0], [12, 9, 0]),
    ],
)
def test_protect_total_cases(counts, shown):
    entries = _entries(counts)
    suppress_cells(entries, T, exclusive=True)
    assert _words(entries) == shown


@pytest.mark.parametrize(
    ("bounds", "facts", "pinned"),
    [
        ({"x": (1, 4), "y": (5, 30)}, [disclosure.equal({"x": 1, "y": 1}, 6)], {"x", "y"}),
        ({"x": (1, 4), "y": (5, 30)}, [disclosure.equal({"x": 1, "y": 1}, 8)], set()),
        # Sum 13 and weighted sum 2x + 3y = 35: x = 4, y = 9.
        (
            {"x": (1, 4), "y": (5, 30)},
            [disclosure.equal({"x": 1, "y": 1}, 13), disclosure.equal({"x": 2, "y": 3}, 35)],
            {"x", "y"},
        ),
        ({"x": (1, 4), "y": (1, 4)}, [disclosure.at_least({"x": 1, "y": 1}, 8)], {"x", "y"}),
        ({"x": (1, 4)}, [], set()),
        ({"x": (0, 10**6), "y": (0, 10**6)}, [disclosure.equal({"x": 1}, 3)], {"x"}),
        # Twenty cells of 0 or 1 whose doubles add up to an odd number: no solution, and a
        # search too long to prove it; either way, every cell counts as pinned.
        (
            {f"c{i}": (0, 1) for i in range(20)},
            [disclosure.equal({f"c{i}": 2 for i in range(20)}, 21)],
            {f"c{i}" for i in range(20)},
        ),
    ],
)
def test_determined_cases(bounds, facts, pinned):
    """A wide range alone pins nothing; the last case is too long to search."""
    assert disclosure.determined(bounds, facts, limit=2_000) == pinned


def _matrix(counts: dict[str, int]) -> dict:
    scores = dict(SCALE)
    answered = sum(counts.values())
    scored = [scores[k] for k, n in counts.items() for _ in range(n) if scores[k] is not None]
    return {
        "key": "art01",
        "label": {"en": "Article I"},
        "answered": answered,
        "base": answered,
        "counts": {k: n for k, n in counts.items() if n},
        "distribution": [
            {"key": k, "label": {"en": k}, "count": counts.get(k, 0), "share": None}
            for k, _s in SCALE
        ],
        "scored": len(scored),
        "unscored": answered - len(scored),
        "mean": statistics.fmean(scored) if scored else None,
    }


def _matrix_question(rows: list[dict]) -> dict:
    answered = max((r["answered"] for r in rows), default=0)
    return {
        "key": "article_relevance",
        "type": "matrix",
        "label": {"en": "Relevance"},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
        "scale": [{"key": k, "label": {"en": k}, "score": s} for k, s in SCALE],
        "ordinal": True,
        "score_range": [1, 4],
        "rows": rows,
    }


@pytest.mark.parametrize(
    ("counts", "mean_shown"),
    [
        ({"vh": 20, "h": 3, "l": 10, "n": 7}, False),  # two hidden scores: the mean gives both
        ({"vh": 20, "h": 3, "l": 10, "dk": 7}, False),
        ({"vh": 20, "h": 3, "l": 10, "n": 2, "dk": 7}, False),  # h and n: 2 facts, 2 cells
        ({"vh": 20, "h": 3, "l": 2, "n": 2, "dk": 7}, True),  # 3, 2, 2 or 2, 4, 1
        ({"vh": 20, "h": 30}, True),
    ],
)
def test_a_row_mean_is_withheld_where_it_pins_a_cell(counts, mean_shown):
    question = _matrix_question([_matrix(counts)])
    _question(question, T)
    assert (question["rows"][0]["mean"] is not None) is mean_shown


def _ranking(first_ranked_borda: list[tuple[int, int, int]], places: int) -> dict:
    answered = sum(f for f, _r, _b in first_ranked_borda)
    return {
        "key": "priorities",
        "type": "ranking",
        "label": {"en": "Priorities"},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
        "places": places,
        "max_borda": places * answered,
        "options": [
            {
                "key": f"o{i}",
                "label": {"en": f"o{i}"},
                "first": first,
                "ranked": ranked,
                "borda": float(borda),
                "mean_rank": places + 1 - borda / ranked,
                "share_first": first / answered,
                "share_ranked": ranked / answered,
                "counts": {},
            }
            for i, (first, ranked, borda) in enumerate(first_ranked_borda)
        ],
    }


def test_a_borda_score_that_gives_a_hidden_first_place_away_is_withheld():
    # Two places: Borda = 2 * first + second = first + ranked, so Borda - ranked = first.
    question = _ranking([(12, 14, 26), (3, 9, 12), (9, 13, 22)], places=2)
    _question(question, T)
    hidden = [o for o in question["options"] if o["first"] is None]
    assert len(hidden) == 2
    assert all(o["borda"] is None and o["mean_rank"] is None for o in hidden)
    # Three places: first places of 3 and 9 are each bounded by ranked and Borda, not pinned.
    question = _ranking([(12, 14, 38), (3, 9, 18), (9, 13, 32)], places=3)
    _question(question, T)
    assert all(o["borda"] is not None for o in question["options"])
    assert [o["first"] for o in question["options"]] == [12, None, None]


def test_mean_choices_number_mean_and_uncoded_are_withheld_where_they_pin_a_cell():
    options = [
        {"key": k, "label": {}, "count": n, "share": None}
        for k, n in zip("abc", (6, 2, 0), strict=True)
    ]
    choice = {"type": "multiple_choice", "answered": 6, "options": options, "mean_choices": 8 / 6}
    _question(choice, T)
    assert choice["options"][1]["count"] is None and choice["mean_choices"] is None
    histogram = [{"from": v, "to": v + 1, "count": n} for v, n in ((0, 6), (1, 2), (2, 0))]
    histogram[-1]["to"] = 2  # the last interval is closed
    number = {"type": "number", "answered": 8, "count": 8, "histogram": histogram, "mean": 0.25}
    number.update(median=0, q1=0, q3=0.25, min=0, max=1)
    _question(number, T)
    assert number["mean"] is None  # 0.25 * 8 = 2: the hidden interval [1, 2) holds 2
    themes = [{"key": k, "label": {}, "count": n, "share": None} for k, n in (("t1", 3),)]
    text = {"type": "long_text", "answered": 9, "themes": themes, "uncoded": 6, "languages": {}}
    _question(text, T)
    assert themes[0]["count"] is None and text["uncoded"] is None  # 9 - 6 = 3 coded


# -- the property test ----------------------------------------------------------------------------

respondent = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "choice": st.sampled_from(CHOICES),
        "rating": st.sampled_from([k for k, _s in SCALE]),
        "ranking": st.permutations(RANKED).map(lambda p: tuple(p[:PLACES])),
        "chosen": st.sets(st.sampled_from(CHOICES), min_size=1),
        "number": st.integers(0, 5),
        "themes": st.sets(st.sampled_from(THEMES), max_size=2),
    }
)


def _options(counts: Counter, keys, answered: int) -> list[dict]:
    return [
        {"key": k, "label": {"en": k}, "count": counts[k], "share": counts[k] / answered}
        for k in keys
    ]


def _base(key: str, kind: str, answered: int) -> dict:
    return {
        "key": key,
        "type": kind,
        "label": {"en": key},
        "asked": answered,
        "answered": answered,
        "not_answered": 0,
        "base": answered,
    }


def _questionnaire(key: str, people: list[dict]) -> dict:
    n = len(people)
    choice = _base("choice", "single_choice", n)
    choice["options"] = _options(Counter(p["choice"] for p in people), CHOICES, n)
    several = _base("several", "multiple_choice", n)
    several["options"] = _options(Counter(c for p in people for c in p["chosen"]), CHOICES, n)
    several["mean_choices"] = statistics.fmean(len(p["chosen"]) for p in people)
    several["other_texts"] = []
    matrix = _matrix_question([_matrix(Counter(p["rating"] for p in people))])
    ranking = _base("priorities", "ranking", n)
    ranking.update(places=PLACES, max_borda=PLACES * n, options=[])
    for option in RANKED:
        ranks = [p["ranking"].index(option) + 1 for p in people if option in p["ranking"]]
        borda = float(sum(PLACES + 1 - r for r in ranks))
        ranking["options"].append(
            {
                "key": option,
                "label": {"en": option},
                "ranked": len(ranks),
                "first": ranks.count(1),
                "borda": borda,
                "mean_rank": statistics.fmean(ranks) if ranks else None,
                "share_ranked": len(ranks) / n,
                "share_first": ranks.count(1) / n,
                "counts": Counter(str(r) for r in ranks),
            }
        )
    values = sorted(p["number"] for p in people)
    number = _base("staff", "number", n)
    low, high = values[0], values[-1]
    edges = list(range(low, high + 1)) if high > low else [low]
    histogram = [
        {"from": a, "to": a + 1, "count": sum(1 for v in values if a <= v < a + 1)}
        for a in edges[:-1]
    ] or [{"from": low, "to": high, "count": n}]
    if high > low:
        histogram[-1]["count"] += values.count(high)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if n > 1 else values * 3
    number.update(count=n, median=median, q1=q1, q3=q3, min=low, max=high, histogram=histogram)
    number.update(mean=statistics.fmean(values), year=False)
    text = _base("ideas", "long_text", n)
    per_theme = Counter(t for p in people for t in p["themes"])
    text.update(
        themes=[
            {"key": t, "label": {"en": t}, "count": per_theme[t], "share": None, "quotes": []}
            for t in THEMES
            if per_theme[t]
        ],
        uncoded=sum(1 for p in people if not p["themes"]),
        languages={},
        terms={},
    )
    return {
        "key": key,
        "title": {"en": key},
        "responses": n,
        "participation": {
            "submitted": n,
            "by_region": _options(Counter(p["region"] for p in people), REGIONS, n),
            "by_country": [],
            "per_day": [],
        },
        "questions": [choice, several, matrix, ranking, number, text],
    }


def _solutions(bounds: list[tuple[int, int]], total: int | None, accept) -> list[tuple]:
    """Every whole-number vector within ``bounds`` (adding up to ``total`` if given) that
    ``accept`` takes."""
    found: list[tuple] = []

    def walk(prefix: tuple, index: int) -> None:
        if index == len(bounds):
            if (total is None or sum(prefix) == total) and accept(prefix):
                found.append(prefix)
            return
        low, high = bounds[index]
        high = min(high, 60)
        if total is not None:
            left = total - sum(prefix)
            low = max(low, left - sum(min(h, 60) for _l, h in bounds[index + 1 :]))
            high = min(high, left - sum(lo for lo, _h in bounds[index + 1 :]))
        for value in range(low, high + 1):
            walk((*prefix, value), index + 1)

    walk((), 0)
    return found


def _label_bounds(entry: dict, total: int) -> tuple[int, int]:
    if entry.get("withheld"):
        return 0, total
    if entry.get("secondary"):
        return T, total
    return 1, T - 1


def _attack(where: str, entries: list[dict], truth: list[int], total, accept=lambda v: True):
    """Solve for the hidden cells of one table; return the problems (a pinned cell)."""
    hidden = [i for i, e in enumerate(entries) if e["count"] is None]
    if not hidden:
        return []
    rest = (
        None
        if total is None
        else total - sum(entries[i]["count"] for i in range(len(entries)) if i not in hidden)
    )
    bounds = [_label_bounds(entries[i], total or 60) for i in hidden]
    found = _solutions(bounds, rest, accept)
    true = tuple(truth[i] for i in hidden)
    assert true in found, f"{where}: the attacker's model rejects the truth {true}"
    return [
        f"{where}: hidden cell {entries[i]['key']} is {true[j]}, determined"
        for j, i in enumerate(hidden)
        if len({values[j] for values in found}) == 1
    ]


def _attack_questionnaire(staff: dict, public: dict) -> list[str]:
    problems = []
    n = staff["responses"]
    if public.get("suppressed"):
        return problems
    regions = staff["participation"]["by_region"]
    problems += _attack(
        "region", public["participation"]["by_region"], [e["count"] for e in regions], n
    )
    for truth, shown in zip(staff["questions"], public["questions"], strict=True):
        if shown.get("suppressed"):
            continue
        kind = shown["type"]
        if kind == "single_choice":
            problems += _attack(
                "choice", shown["options"], [o["count"] for o in truth["options"]], n
            )
        elif kind == "multiple_choice":
            hidden = [i for i, o in enumerate(shown["options"]) if o["count"] is None]
            visible = sum(o["count"] for o in shown["options"] if o["count"] is not None)
            mean = shown["mean_choices"]

            def choices(values, mean=mean, visible=visible):
                # Every respondent chose at least one option: the mean's base is the n shown.
                return mean is None or abs((visible + sum(values)) / n - mean) <= 0.05 + 1e-9

            problems += _attack(
                "several", shown["options"], [o["count"] for o in truth["options"]], None, choices
            )
        elif kind == "matrix":
            row, true_row = shown["rows"][0], truth["rows"][0]
            if row.get("suppressed"):
                continue
            scores = [s for _k, s in SCALE]
            cells = row["distribution"]
            hidden = [i for i, e in enumerate(cells) if e["count"] is None]

            def mean_ok(values, row=row, cells=cells, hidden=hidden, scores=scores):
                counts = [e["count"] for e in cells]
                for i, v in zip(hidden, values, strict=True):
                    counts[i] = v
                scored = [(s, c) for s, c in zip(scores, counts, strict=True) if s is not None]
                total = sum(c for _s, c in scored)
                if row["mean"] is None or not total:
                    return row["mean"] is None or not total
                return abs(sum(s * c for s, c in scored) / total - row["mean"]) < 1e-9

            problems += _attack(
                "matrix",
                cells,
                [e["count"] for e in true_row["distribution"]],
                row["answered"],
                mean_ok,
            )
        elif kind == "ranking":
            problems += _attack_ranking(truth, shown, n)
        elif kind == "number":
            problems += _attack_number(truth, shown)
        elif kind == "long_text":
            problems += _attack_text(truth, shown)
    return problems


def _attack_ranking(truth: dict, shown: dict, n: int) -> list[str]:
    options = shown["options"]
    rows = [
        {
            "key": o["key"],
            "count": o["ranked"],
            "secondary": o.get("ranked_secondary"),
            "withheld": o.get("ranked_withheld"),
        }
        for o in options
    ]
    problems = _attack("ranked", rows, [o["ranked"] for o in truth["options"]], PLACES * n)
    firsts = [
        {
            "key": o["key"],
            "count": o["first"],
            "secondary": o.get("first_secondary"),
            "withheld": o.get("first_withheld"),
        }
        for o in options
    ]
    hidden = [i for i, o in enumerate(options) if o["first"] is None]

    def borda_ok(values):
        for i, first in zip(hidden, values, strict=True):
            ranked, borda = options[i]["ranked"], options[i]["borda"]
            if ranked is None or borda is None:
                continue
            # Some second and third places complete the row: first + s + t = ranked, Borda.
            if not any(
                3 * first + 2 * s + (ranked - first - s) == borda
                for s in range(0, ranked - first + 1)
            ):
                return False
        return True

    return problems + _attack("first", firsts, [o["first"] for o in truth["options"]], n, borda_ok)


def _attack_number(truth: dict, shown: dict) -> list[str]:
    histogram = shown["histogram"]
    hidden = [i for i, e in enumerate(histogram) if e["count"] is None]
    last = len(histogram) - 1

    def mean_ok(values):
        if shown["mean"] is None:
            return True
        counts = [e["count"] for e in histogram]
        for i, v in zip(hidden, values, strict=True):
            counts[i] = v
        low = sum(e["from"] * c for e, c in zip(histogram, counts, strict=True))
        high = sum(
            (e["to"] if i == last else e["to"] - 1) * c
            for i, (e, c) in enumerate(zip(histogram, counts, strict=True))
        )
        target = shown["mean"] * shown["count"]
        return low - 0.05 * shown["count"] - 1e-9 <= target <= high + 0.05 * shown["count"] + 1e-9

    return _attack(
        "number", histogram, [e["count"] for e in truth["histogram"]], shown["count"], mean_ok
    )


def _attack_text(truth: dict, shown: dict) -> list[str]:
    themes = shown["themes"]
    if shown.get("uncoded") is None:
        return _attack("themes", themes, [t["count"] for t in truth["themes"]], None)
    coded = shown["answered"] - shown["uncoded"]
    visible = sum(t["count"] for t in themes if t["count"] is not None)

    def coverage(values):
        return visible + sum(values) >= coded and all(v <= coded for v in values)

    return _attack("themes", themes, [t["count"] for t in truth["themes"]], None, coverage)


def _attack_charter(staff: dict, public: dict) -> list[str]:
    """The article page's ratings: each questionnaire's row as on the public page, and an "all"
    row adding them; solved together."""
    ratings = published_article_ratings(staff, public, "art01", T)
    keys = [k for k, _s in SCALE]
    true = {q["key"]: q["questions"][2]["rows"][0]["counts"] for q in staff["questionnaires"]}
    shown = {row.key: row for row in ratings.rows}
    problems = []
    for key in keys:
        hidden = [q for q in true if shown[q].suppressed or shown[q].counts.get(key) is None]
        all_row = shown["all"]
        if all_row.suppressed or all_row.counts.get(key) is None or not hidden:
            continue
        if len(hidden) == 1 and true[hidden[0]].get(key, 0):
            problems.append(f"charter {key}: the all row gives {hidden[0]}'s hidden cell")
    return problems


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(respondent, min_size=5, max_size=14),
    st.lists(respondent, min_size=0, max_size=9),
)
def test_no_hidden_cell_can_be_solved_for(first, second):
    staff = {
        "questionnaires": [_questionnaire("one", first)]
        + ([_questionnaire("two", second)] if second else []),
        "articles": {"columns": []},
        "responses": len(first) + len(second),
        "contributions": None,
    }
    public = public_summary(staff, T)
    problems = []
    for truth, shown in zip(staff["questionnaires"], public["questionnaires"], strict=True):
        problems += _attack_questionnaire(truth, shown)
    problems += _attack_charter(staff, public)
    assert problems == [], "\n".join(problems)
