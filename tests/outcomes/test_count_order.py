"""A list ordered by count (regions, countries, respondent types, languages, themes) must not
say where a hidden count lies by where it stands: the public summary puts the shown cells first,
in their order, and the hidden ones after them by key (cells.hidden_last, applied to every list
suppression.COUNT_ORDERED names).

Without it, a cell hidden to protect a smaller one (always the smallest shown, the first of a
tie) stood before the shown cell it tied with, which pinned it: Africa at 8 before Latin America
at 8, so Asia-Pacific was the total less the rest, 3. Two truths that print the same figures
must print the same page."""

from __future__ import annotations

import pytest

from consult.outcomes.cells import hidden_last
from consult.outcomes.suppression import COUNT_ORDERED, public_summary
from tests.outcomes import frames

T = 5


def _entries(*pairs) -> list[dict]:
    return [
        {"key": key, "count": count, **({"suppressed": True} if count is None else {})}
        for key, count in pairs
    ]


@pytest.mark.parametrize(
    ("pairs", "last", "order"),
    [
        # nothing hidden: untouched
        ((("b", 9), ("a", 7)), None, ["b", "a"]),
        # a hidden cell before a shown one moves after it
        ((("e", 20), ("a", None), ("l", 8), ("s", None)), None, ["e", "l", "a", "s"]),
        # hidden cells by key, not by their former place
        ((("z", None), ("b", None), ("m", 3)), None, ["m", "b", "z"]),
        # a whole table withheld: every cell by key
        ((("x", None), ("c", None), ("a", None)), None, ["a", "c", "x"]),
        # the pooled line stays last, shown or hidden
        ((("FR", 9), ("_other", 6), ("BR", None)), "_other", ["FR", "BR", "_other"]),
        ((("_other", None), ("FR", None), ("SN", 12)), "_other", ["SN", "FR", "_other"]),
        # "Not answered" (no key) sorts first among the hidden
        ((("x", None), (None, None), ("a", 6)), None, ["a", None, "x"]),
    ],
)
def test_hidden_last_cases(pairs, last, order):
    assert [e["key"] for e in hidden_last(_entries(*pairs), last=last)] == order


def _public(regions: dict[str, int], types: dict[str, int] | None = None) -> dict:
    """The public partners summary of respondents by region (and respondent type)."""
    count = sum(regions.values())
    responses, answers = frames.frames([(1, {"knows_charter": {"": "yes"}})] * count)
    responses["region"] = [r for r, n in regions.items() for _ in range(n)]
    responses["country"] = [f"C{i % 3}" for i in range(count)]
    if types:
        responses["respondent_type"] = [t for t, n in types.items() for _ in range(n)]
    return public_summary(frames.partners_summary(responses, answers), T)


def _lists(public: dict) -> dict[str, list]:
    """Every count-ordered list of a public summary, by where it stands."""
    found = {}
    for questionnaire in public["questionnaires"]:
        for name in COUNT_ORDERED["participation"]:
            found[f"participation.{name}"] = questionnaire["participation"].get(name)
        for question in questionnaire["questions"]:
            for name in COUNT_ORDERED["question"]:
                found[f"{question['key']}.{name}"] = question.get(name)
    return found


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Africa ties Latin America at 8 and is hidden as the partner of Asia-Pacific's 3; the
        # other truth has Africa at 7, Asia-Pacific at 4: the same figures are printed.
        (
            {"europe": 20, "africa": 8, "latin_america": 8, "asia_pacific": 3},
            {"europe": 20, "africa": 7, "latin_america": 8, "asia_pacific": 4},
        ),
        # a table withheld whole: its order told which region answered most
        ({"europe": 3, "africa": 2}, {"europe": 2, "africa": 3}),
    ],
)
def test_truths_that_print_the_same_figures_print_the_same_lists(first, second):
    one, two = _public(first), _public(second)
    regions = one["questionnaires"][0]["participation"]["by_region"]
    assert any(e.get("suppressed") for e in regions), "the case hides a region"
    assert _lists(one)["participation.by_region"] == _lists(two)["participation.by_region"]


def test_every_count_ordered_list_puts_its_hidden_cells_last():
    public = _public(
        {"europe": 20, "africa": 8, "latin_america": 8, "asia_pacific": 3},
        {"local_government": 20, "academia": 8, "civil_society": 8, "other": 3},
    )
    walked = 0
    for where, entries in _lists(public).items():
        if not entries:
            continue
        hidden = [e.get("suppressed", False) for e in entries if e.get("key") != "_other"]
        assert hidden == sorted(hidden), f"{where}: a hidden cell before a shown one"
        keys = [str(e.get("key") or "") for e in entries if e.get("suppressed")]
        keys = [k for k in keys if k != "_other"]
        assert keys == sorted(keys), f"{where}: hidden cells out of key order"
        walked += 1
    assert walked >= 4


def test_a_ranking_puts_a_withheld_borda_score_last():
    """Found by a reviewer: "Rights of persons with disabilities: –" stood between 79 and 61
    points, which with its shown first places bounded its hidden places."""
    from consult.outcomes.suppression import _hidden_last

    options = [
        {"key": "housing", "borda": 79.0},
        {"key": "disability", "borda": None, "borda_withheld": True},
        {"key": "care", "borda": 61.0},
        {"key": "migrants", "borda": None, "suppressed": True},
        {"key": "water", "borda": 51.0},
    ]
    question = {"key": "priorities", "type": "ranking", "options": options}
    summary = {"questionnaires": [{"participation": {}, "questions": [question]}]}
    _hidden_last(summary)
    keys = [o["key"] for o in question["options"]]
    assert keys == ["housing", "care", "water", "disability", "migrants"]
