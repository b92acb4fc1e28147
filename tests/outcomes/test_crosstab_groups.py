"""The public cross-tabulation's small groups (crosstab.public_crosstab, the one chokepoint of the
staff page's "as it could be published" view and its CSV and XLSX downloads).

Each row is a group spread over the columns, each column a group spread over the rows. A line of
fewer than the group limit shows no cell, not even a zero ("6, 0, 0" would say what a region of
six answered); and no hidden cell or total can be worked out by a reader from the row, column
and grand totals shown beside it, knowing that a shown line hides no zero.
"""

from __future__ import annotations

import pytest

from consult.outcomes import disclosure
from consult.outcomes.crosstab import public_crosstab

T, LIMIT = 5, 10
BIG = [[20, 10, 8], [15, 12, 9]]


def _table(counts, *, row_totals=None, column_totals=None, total=None) -> dict:
    """A staff crosstab of ``counts``; a multiple choice side passes its own totals."""
    rows = row_totals or [sum(line) for line in counts]
    columns = column_totals or [sum(c) for c in zip(*counts, strict=True)]
    return {
        "rows": {"question": "q1", "options": [f"r{i}" for i in range(len(rows))]},
        "columns": {"question": "q2", "options": [f"c{j}" for j in range(len(columns))]},
        "counts": [list(line) for line in counts],
        "row_totals": rows,
        "column_totals": columns,
        "total": total if total is not None else sum(rows),
    }


def _exclusive(totals, total) -> bool:
    return sum(totals) == total


def _reader(shown: dict, truth: dict) -> set:
    """What a reader works out, on their own: every hidden cell and total that the shown
    figures pin. A hidden cell is at least 1 unless its row or column shows no cell at all
    (then it may be a hidden zero), at most its row's and column's sizes; lines add up to their
    totals when the other side is a single choice; the shown totals add up to the grand total."""
    counts = shown["counts"]
    everyone = truth["total"]
    unknown: dict = {}
    facts: list = []
    blank_rows = {i for i, line in enumerate(counts) if all(n is None for n in line)}
    blank_columns = {j for j in range(len(counts[0])) if all(line[j] is None for line in counts)}
    for i, line in enumerate(counts):
        for j, n in enumerate(line):
            if n is None:
                low = 0 if i in blank_rows or j in blank_columns else 1
                high = min(
                    everyone,
                    shown["row_totals"][i] if shown["row_totals"][i] is not None else everyone,
                    shown["column_totals"][j]
                    if shown["column_totals"][j] is not None
                    else everyone,
                )
                unknown[(i, j)] = (low, max(low, high))
    sides = (
        ("r", shown["row_totals"], [list(line) for line in counts], "row", "column"),
        (
            "c",
            shown["column_totals"],
            [list(c) for c in zip(*counts, strict=True)],
            "column",
            "row",
        ),
    )
    for kind, totals, lines, own, other in sides:
        other_exclusive = _exclusive(truth[f"{other}_totals"], everyone)
        for k, line in enumerate(lines):
            key = (kind, k)
            cells = {
                ((k, j) if kind == "r" else (j, k)): 1 for j, n in enumerate(line) if n is None
            }
            rest = sum(n or 0 for n in line)
            if totals[k] is None:
                unknown[key] = (max(1, max((n or 0 for n in line), default=0)), everyone)
                if other_exclusive:
                    facts.append(disclosure.equal({**cells, key: -1}, -rest))
            elif other_exclusive:
                facts.append(disclosure.equal(cells, totals[k] - rest))
        if shown["total"] is not None and _exclusive(truth[f"{own}_totals"], everyone):
            hidden = {(kind, k): 1 for k, n in enumerate(totals) if n is None}
            facts.append(disclosure.equal(hidden, everyone - sum(n or 0 for n in totals)))
    if all(
        n is None or not (shown["row_totals"][i] and shown["column_totals"][j])
        for i, line in enumerate(counts)
        for j, n in enumerate(line)
    ):
        # Nothing shown but margins (and the zeros of an empty line): cells free within their
        # lines fill any margins that add up, so only the totals are left to solve for (a search
        # over every blank cell would run out of steps and call everything pinned).
        ones = {}
        for (i, j), (low, _high) in [(k, v) for k, v in unknown.items() if isinstance(k[0], int)]:
            ones[("r", i)] = ones.get(("r", i), 0) + low
            ones[("c", j)] = ones.get(("c", j), 0) + low
        unknown = {
            k: (max(low, ones.get(k, 0)), high)
            for k, (low, high) in unknown.items()
            if isinstance(k[0], str)
        }
        facts = [f for f in facts if all(isinstance(c[0], str) for c in f.coefficients)]
    return set(disclosure.determined(unknown, facts))


#: counts in (a list of rows; for a multiple choice side its totals), then what each line
#: whose group is small must show: every cell None.
CASES = {
    # a region of six who all gave one answer: "6, 0, 0" no more
    "unanimous small row": dict(counts=[[6, 0, 0], *BIG]),
    # all but one alike
    "one respondent outside": dict(counts=[[5, 1, 0], *BIG]),
    "two outside, split": dict(counts=[[7, 1, 1], *BIG]),
    # a row of three (its total small): no zero beside its hidden cell says where it is
    "small row with zeros": dict(counts=[[3, 0, 0], *BIG]),
    "small row spread": dict(counts=[[1, 1, 1], *BIG]),
    # a column of three, all in one row, and one of seven all in one row
    "small column": dict(counts=[[20, 3], [15, 0], [30, 0]]),
    "column under the limit": dict(counts=[[20, 7], [15, 0], [30, 0]]),
    # two small groups crossing: every figure of both
    "small row and column": dict(counts=[[6, 0, 0], [20, 10, 0], [15, 12, 0], [0, 0, 4]]),
    # a small group in a table of large ones, among many rows
    "regions": dict(
        counts=[[60, 0, 0, 0], [200, 100, 80, 50], [6, 0, 0, 0], [50, 60, 70, 80], [7, 1, 0, 1]]
    ),
    # every line small: nothing at all
    "everything small": dict(counts=[[6, 0], [0, 3]]),
    # a multiple choice on the columns: a row's cells add up to more than its respondents
    "multiple choice columns": dict(
        counts=[[6, 6, 0], [20, 15, 12], [18, 9, 16]], row_totals=[6, 30, 25]
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_cell_of_a_small_group_and_no_hidden_figure_can_be_read(case):
    spec = CASES[case]
    table = _table(spec["counts"], row_totals=spec.get("row_totals"))
    truth = {k: table[k] for k in ("total", "row_totals", "column_totals")}
    shown = public_crosstab(table, T)
    counts = shown["counts"]
    small_rows = [i for i, n in enumerate(table["row_totals"]) if 0 < n < LIMIT]
    small_columns = [j for j, n in enumerate(table["column_totals"]) if 0 < n < LIMIT]
    assert small_rows or small_columns, "each case has a small group"
    # No figure of a small group's line, not even a zero; no small cell anywhere.
    for i in small_rows:
        assert counts[i] == [None] * len(counts[i]), (case, counts)
    for j in small_columns:
        assert [line[j] for line in counts] == [None] * len(counts), (case, counts)
    assert not any(n is not None and 0 < n < T for line in counts for n in line)
    totals = [*shown["row_totals"], *shown["column_totals"], shown["total"]]
    assert not any(n is not None and 0 < n < T for n in totals)
    # A share is printed only beside its count.
    for kind in ("row_shares", "column_shares"):
        for line, shares in zip(counts, shown[kind], strict=True):
            assert all(s is None for n, s in zip(line, shares, strict=True) if n is None)
    # Nothing hidden can be worked out from what is shown on the same page or download.
    solved = _reader(shown, truth)
    assert not solved, (case, counts, shown["row_totals"], shown["column_totals"], solved)
    # What the page says why: the lines it names are those of a small group.
    assert shown["small_groups"] == {"rows": small_rows, "columns": small_columns}
    assert shown["group_limit"] == LIMIT


@pytest.mark.parametrize(
    ("counts", "limit"),
    [
        # a group at the limit or above may say that it agreed: the finding is the finding
        ([[60, 0, 0], *BIG], None),
        ([[10, 0, 0], *BIG], None),
        # an empty row has nothing to tell: its zeros stay
        ([[0, 0, 0], *BIG], None),
        # the limit in force (GROUP_DISCLOSURE_LIMIT): at the threshold, six may be shown
        ([[6, 0, 0], *BIG], T),
    ],
)
def test_a_line_of_a_group_at_the_limit_or_empty_is_shown(counts, limit):
    shown = public_crosstab(_table(counts), T, group_limit=limit)
    assert shown["counts"][0] == counts[0]
    assert shown["small_groups"] == {"rows": [], "columns": []}


def test_a_table_whose_search_runs_out_hides_its_cells_at_once_and_keeps_its_group_sizes():
    """Many small regions: the solver runs out of steps ("all pinned"); every cell is hidden
    in one go rather than one per search of seconds, and the totals are then protected on
    their own: the lines of 2 x T or more keep their sizes."""
    counts = [[8, 0, 0, 0], [9, 15, 10, 6], [2, 0, 0, 1], [4, 8, 0, 0], [11, 9, 4, 1]]
    counts += [[23, 7, 4, 6], [0, 0, 0, 0]]
    table = _table(counts)
    shown = public_crosstab(table, T)
    assert all(n is None for line in shown["counts"][:-1] for n in line)
    # the small row's size is protected by hiding the next smallest; the others stay
    large = [n if n >= 2 * T else None for n in table["row_totals"]]
    assert [n if n and n >= 2 * T else None for n in shown["row_totals"]] == large
    assert not any(n is not None and 0 < n < T for n in shown["row_totals"])
    assert shown["column_totals"] == table["column_totals"]
    truth = {k: table[k] for k in ("total", "row_totals", "column_totals")}
    assert not _reader(shown, truth)
