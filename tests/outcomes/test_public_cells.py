"""No public figure rests on fewer than the threshold: the cumulative curve cannot be
subtracted into a small daily count, and Charter article pages show the published snapshot's
figures, suppressed cell by cell with secondary suppression."""

from __future__ import annotations

import random

import pytest

from consult.outcomes.suppression import cumulative_steps


def _days(counts):
    total, days = 0, []
    for n, count in enumerate(counts, start=1):
        total += count
        days.append({"date": f"2022-01-{n:02d}", "count": count, "cumulative": total})
    return days


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        # One response a day: nothing until a step of 5; the final 6 absorbs the step at 5.
        # The curve starts on the day of the first total shown: no leading row of 0.
        ([1, 1, 1, 1, 1, 1], [6]),
        ([10, 2, 3, 1], [10, 10, 10, 16]),
        ([2, 2, 2, 20], [6, 26]),
        ([30], [30]),
        ([3], []),
        ([5, 0, 0, 5, 1], [5, 5, 5, 5, 11]),
        ([0, 0, 7, 0, 6], [7, 7, 13]),
    ],
)
def test_cumulative_steps_cases(counts, shown):
    days = _days(counts)
    result = cumulative_steps(days, 5)
    assert [d["cumulative"] for d in result] == shown
    assert all(d["count"] is None for d in result)
    # the rows kept are the last days of the series, so each total stays on its own day
    assert [d["date"] for d in result] == [d["date"] for d in days[len(days) - len(shown) :]]


def test_no_difference_of_shown_totals_is_small():
    rng = random.Random(4)
    for _trial in range(300):
        counts = [rng.choice([0, 0, 1, 1, 2, 3, 4, 7, 12]) for _ in range(rng.randint(1, 40))]
        steps = cumulative_steps(_days(counts), 5)
        assert not steps or steps[0]["cumulative"] > 0, counts  # no leading empty row
        values = sorted({d["cumulative"] for d in steps} | {0})
        assert all(b - a >= 5 for a, b in zip(values, values[1:], strict=False)), counts
        if sum(counts) >= 5:
            assert values[-1] == sum(counts)


def test_a_cell_hidden_to_protect_another_is_not_called_small(app):
    from flask_babel import force_locale

    from consult.outcomes import presenting
    from consult.outcomes.suppression import suppress_cells

    entries = [{"key": k, "count": n, "share": n / 33} for k, n in (("a", 20), ("b", 3), ("c", 10))]
    suppress_cells(entries, 5, exclusive=True)
    assert [e["count"] for e in entries] == [20, None, None]
    with app.test_request_context("/"), force_locale("en"):
        shown = [presenting.entry_count(e, 5) for e in entries]
    assert shown == ["20", "fewer than 5", "not shown (protects a small group)"]
    # Five ones: nothing left to hide, the whole table is withheld, zeros too.
    entries = [{"key": k, "count": n} for k, n in zip("abcdef", (1, 1, 1, 1, 1, 0), strict=True)]
    suppress_cells(entries, 5, exclusive=True)
    with app.test_request_context("/"), force_locale("fr"):
        shown = {presenting.entry_count(e, 5) for e in entries}
    assert shown == {"non affiché"}


def test_a_lone_small_cell_gets_a_partner_in_every_exclusive_table():
    """Histogram intervals, the languages of text answers and the countries (with their pooled
    line) each add up to a shown total: one hidden cell alone could be subtracted out."""
    from consult.outcomes.suppression import _participation, _question

    number = {
        "type": "number",
        "answered": 30,
        # (a small end interval would be merged into its neighbour: the small one is inside)
        "histogram": [{"from": v, "to": v + 1, "count": n} for v, n in enumerate((20, 3, 7))],
    }
    _question(number, 5)
    assert [e["count"] for e in number["histogram"]] == [20, None, None]
    text = {"type": "long_text", "answered": 30, "languages": {"en": 20, "fr": 7, "es": 3}}
    _question(text, 5)
    assert text["languages"] == {"en": 20, "fr": None, "es": None}
    assert text["languages_secondary"] == ["fr"]
    part = {"by_country": [{"key": k, "count": n} for k, n in (("FR", 20), ("ES", 7), ("PT", 3))]}
    _participation(part, 5)
    assert [(e["key"], e["count"]) for e in part["by_country"]] == [
        ("FR", 20),
        ("ES", None),
        ("_other", None),
    ]
