"""Cross-tabulation of two closed dimensions (questions, matrix rows, or the respondent's region,
country, type or language: consult.outcomes.dimensions): counts, row and column percentages,
and the public version with small cells suppressed. No Flask here.

Each row of a table is a group (the respondents who gave its answer: a region, say) spread over
the columns, and each column a group spread over the rows. In the public version a line of a
group under the group limit (consult.outcomes.group_disclosure) shows none of its cells, not
even a zero: "6, 0, 0" for a region of six would say what each of them answered, and a zero
beside hidden cells says where the hidden ones are. Its total, the group's size, stays.

A respondent counts in a cell when they gave the row answer on the first dimension and the
column answer on the second; with a multiple choice question a respondent can count in several
cells of a row or column. The table covers the respondents who answered both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from consult.outcomes import disclosure, group_disclosure

#: Closed question types that can be cross-tabulated.
CROSSTAB_TYPES = ("single_choice", "yes_no", "multiple_choice")


def chosen(answers: pd.DataFrame, question: str) -> pd.DataFrame:
    """Return (response_id, option) pairs: the answers given to one closed question."""
    frame = answers[answers["question_key"] == question]
    single = frame.loc[frame["part_key"] == "", ["response_id", "value"]]
    ticked = frame.loc[(frame["part_key"] != "") & (frame["value"] == "1")]
    pairs = pd.concat(
        [
            single.rename(columns={"value": "option"}),
            ticked[["response_id", "part_key"]].rename(columns={"part_key": "option"}),
        ],
        ignore_index=True,
    )
    return pairs.drop_duplicates().reset_index(drop=True)


def crosstab(
    answers: pd.DataFrame,
    rows: tuple[str, Sequence[str]],
    columns: tuple[str, Sequence[str]],
) -> dict[str, Any]:
    """Cross-tabulate two questions given as (question key, option keys in order)."""
    return crosstab_pairs(chosen(answers, rows[0]), chosen(answers, columns[0]), rows, columns)


def crosstab_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    rows: tuple[str, Sequence[str]],
    columns: tuple[str, Sequence[str]],
) -> dict[str, Any]:
    """Cross-tabulate two dimensions given as (response_id, option) pairs, each named as
    (key, option keys in order).

    Returns JSON-ready data: the option keys, ``counts[r][c]``, row and column totals
    (respondents with that answer who answered the other question), the grand total
    (respondents who answered both), and row and column percentages.
    """
    row_key, row_options = rows
    column_key, column_options = columns
    both = np.intersect1d(left["response_id"].unique(), right["response_id"].unique())
    left = left[left["response_id"].isin(both)]
    right = right[right["response_id"].isin(both)]
    pairs = left.merge(right, on="response_id", suffixes=("_row", "_column"))
    table = pairs.groupby(["option_row", "option_column"])["response_id"].nunique()
    row_totals = left.groupby("option")["response_id"].nunique()
    column_totals = right.groupby("option")["response_id"].nunique()
    counts = [[int(table.get((r, c), 0)) for c in column_options] for r in row_options]
    row_total = [int(row_totals.get(r, 0)) for r in row_options]
    column_total = [int(column_totals.get(c, 0)) for c in column_options]
    return {
        "rows": {"question": row_key, "options": list(row_options)},
        "columns": {"question": column_key, "options": list(column_options)},
        "counts": counts,
        "row_totals": row_total,
        "column_totals": column_total,
        "total": int(len(both)),
        "row_shares": [
            [(n / row_total[i]) if row_total[i] else None for n in line]
            for i, line in enumerate(counts)
        ],
        "column_shares": [
            [(n / column_total[j]) if column_total[j] else None for j, n in enumerate(line)]
            for line in counts
        ],
    }


def _small(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


@dataclass(frozen=True)
class Lines:
    """Rows and columns of a table, by position."""

    rows: frozenset[int] = frozenset()
    columns: frozenset[int] = frozenset()

    def as_dict(self) -> dict[str, list[int]]:
        """JSON-ready: the positions in order."""
        return {"rows": sorted(self.rows), "columns": sorted(self.columns)}

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns)


def small_groups(table: Mapping[str, Any], threshold: int, group_limit: int | None) -> Lines:
    """The lines whose group (a row's or a column's respondents) is under the group limit, or
    small: none of their cells is published. Under twice the threshold, a line either tells
    that all or all but a few gave one answer (group_disclosure.dominated) or has every cell
    small and hidden already; what is left to hide is its zeros, which tell where the hidden
    ones are (and "0" beside one hidden cell says the whole group is in it). Hiding every
    such line, not only the dominated ones, keeps a hidden line from saying it is dominated.
    An empty line (no respondent) has nothing to tell and keeps its zeros."""
    limit = max(group_disclosure.limit_in_force(group_limit, threshold), threshold)

    def under(totals: Sequence[int]) -> frozenset[int]:
        return frozenset(k for k, n in enumerate(totals) if 0 < int(n or 0) < limit)

    return Lines(under(table["row_totals"]), under(table["column_totals"]))


def _exclusive(totals: Sequence[int], total: int) -> bool:
    """Whether each respondent counts in exactly one line of a side: its totals add up to the
    grand total (always for a single choice; for a multiple choice only when nobody ticked
    two answers, and then its lines sum like a single choice's)."""
    return sum(totals) == total


def _facts(table, counts, row_total, column_total, threshold: int):
    """What the published crosstab tells a reader: each shown total is its line's sum, and the
    totals add up to the grand total; a hidden total is one more unknown. A line sums to its
    total only when the other side is exclusive (a multiple choice's columns of one row add up
    to more than the row's respondents): no fact is assumed that the figures do not obey."""
    facts = []
    rows_exclusive = _exclusive(table["row_totals"], table["total"])
    columns_exclusive = _exclusive(table["column_totals"], table["total"])
    lines = []
    if columns_exclusive:
        lines += [
            ([(i, j) for j in range(len(column_total))], row_total[i], ("row", i))
            for i in range(len(counts))
        ]
    if rows_exclusive:
        lines += [
            ([(i, j) for i in range(len(counts))], column_total[j], ("column", j))
            for j in range(len(column_total))
        ]
    for cells, line_total, name in lines:
        coefficients = {c: 1 for c in cells if counts[c[0]][c[1]] is None}
        shown = sum(counts[i][j] or 0 for i, j in cells)
        if line_total is None:
            coefficients[name] = -1
            facts.append(disclosure.equal(coefficients, -shown))
        else:
            facts.append(disclosure.equal(coefficients, line_total - shown))
    if not _small(table["total"], threshold):
        for kind, totals, exclusive in (
            ("row", row_total, rows_exclusive),
            ("column", column_total, columns_exclusive),
        ):
            if not exclusive:
                continue
            hidden = {(kind, k): 1 for k, n in enumerate(totals) if n is None}
            facts.append(disclosure.equal(hidden, table["total"] - sum(n or 0 for n in totals)))
    return facts


def published_questions(public: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A public summary's dimensions by the catalogue's keys (consult.outcomes.dimensions), for
    public_crosstab: each questionnaire's question and matrix row on its own, withheld when it
    or its questionnaire is, with the answers it hides; and the respondent's region, type and
    language, with every group a questionnaire's participation hides."""
    found: dict[str, dict[str, Any]] = {}
    profile: dict[str, list[dict[str, Any]]] = {"region": [], "respondent_type": [], "language": []}
    for questionnaire in public["questionnaires"]:
        for question in questionnaire["questions"]:
            # A table withheld for its small group's agreement (group_disclosure) would show
            # through any cross-tabulation of the same question: withheld as a whole too.
            withheld = bool(
                question.get("suppressed")
                or questionnaire.get("suppressed")
                or question.get("table_withheld")
            )
            found[f"{questionnaire['key']}:{question['key']}"] = {
                "suppressed": withheld,
                "options": [o for o in question.get("options") or () if o.get("suppressed")],
            }
            for row in question.get("rows") or ():
                found[f"{questionnaire['key']}:{question['key']}.{row['key']}"] = {
                    "suppressed": withheld
                    or bool(row.get("suppressed") or row.get("table_withheld")),
                    "options": [e for e in row.get("distribution") or () if e.get("suppressed")],
                }
        participation = questionnaire.get("participation")
        for name, entries in profile.items() if participation else ():
            hidden = participation.get(f"by_{name}") or ()
            entries.extend(e for e in hidden if e.get("suppressed") and e.get("key"))
    if any(q.get("participation") for q in public["questionnaires"]):
        found.update({k: {"suppressed": False, "options": v} for k, v in profile.items()})
    return found


def _withheld(table: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """The table with no figure at all (``withheld``: the page says why)."""
    rows, columns = len(table["counts"]), len(table["column_totals"])
    return {
        **table,
        "counts": [[None] * columns for _row in range(rows)],
        "row_totals": [None] * rows,
        "column_totals": [None] * columns,
        "total": None,
        "row_shares": [[None] * columns for _row in range(rows)],
        "column_shares": [[None] * columns for _row in range(rows)],
        "suppressed_below": threshold,
        "withheld": True,
    }


def _cell_bounds(
    table, counts, row_total, column_total, withheld: Lines
) -> dict[tuple[int, int], tuple[int, int]]:
    """What a reader knows of each hidden cell: at least 1 (a zero is shown), or at least 0 in
    a line withheld whole (its zeros hidden too); at most its row's and its column's size
    where they are shown."""
    everyone = max(int(table["total"] or 0), 1)
    bounds = {}
    for i, line in enumerate(counts):
        for j, n in enumerate(line):
            if n is None:
                low = 0 if i in withheld.rows or j in withheld.columns else 1
                sizes = [t for t in (row_total[i], column_total[j]) if t is not None]
                bounds[(i, j)] = (low, max(low, min([everyone, *sizes])))
    return bounds


def _blank(table, counts) -> bool:
    """Whether no cell is shown but the zeros of an empty line (no respondent: nothing to
    tell, and no figure but its total of 0 needed to read them)."""
    return all(
        n is None or not (table["row_totals"][i] and table["column_totals"][j])
        for i, line in enumerate(counts)
        for j, n in enumerate(line)
    )


def _totals_only(bounds, facts):
    """With no cell shown (_blank), the cells, each free within its line, tell nothing the
    totals do not (a table of margins alone: any margins that add up can be filled): only the
    totals are solved for, each at least its line's cells known to be 1 or more. (The search
    over every blank cell would only run out of steps, and hide every total.)"""
    totals = {k: v for k, v in bounds.items() if isinstance(k[0], str)}
    ones: dict[Any, int] = {}
    for key, (low, _high) in bounds.items():
        if isinstance(key[0], int) and low:
            ones[("row", key[0])] = ones.get(("row", key[0]), 0) + 1
            ones[("column", key[1])] = ones.get(("column", key[1]), 0) + 1
    totals = {
        k: (max(low, ones.get(k, 0)), max(high, ones.get(k, 0)))
        for k, (low, high) in totals.items()
    }
    kept = [f for f in facts if all(isinstance(c[0], str) for c in f.coefficients)]
    return totals, kept


def _within_totals(counts, row_total, column_total) -> list[disclosure.Fact]:
    """A hidden total is at least each cell of its line (a reader knows it of a multiple
    choice's lines too, whose cells do not add up to it)."""
    facts = []
    for i, line in enumerate(counts):
        for j, n in enumerate(line):
            for name, total in ((("row", i), row_total[i]), (("column", j), column_total[j])):
                if total is None:
                    cell = {} if n is not None else {(i, j): -1}
                    facts.append(disclosure.at_least({name: 1, **cell}, n or 0))
    return facts


#: From this many unknowns, all of them pinned at once is taken for a search out of steps.
EXHAUSTED = 12


def _hide_all(counts, row_total, column_total) -> None:
    """Hide every cell and every line's total (the grand total stays)."""
    for line in counts:
        line[:] = [None] * len(line)
    row_total[:] = [None] * len(row_total)
    column_total[:] = [None] * len(column_total)


def _protect(
    table,
    counts,
    row_total,
    column_total,
    threshold: int,
    hidden_elsewhere=frozenset(),
    withheld: Lines | None = None,
) -> None:
    """Hide further cells until no hidden cell, nor a total of fewer than ``threshold``, can be
    worked out from what is shown (consult.outcomes.disclosure solves the lines together: two
    "not shown" in a row and the same two columns are not enough when the columns pin them).
    ``withheld``: the lines of a small group, whose hidden cells may be zeros."""
    withheld = withheld or Lines()
    original = table["counts"]
    truth = {(i, j): n for i, line in enumerate(original) for j, n in enumerate(line)}
    truth.update({("row", i): n for i, n in enumerate(table["row_totals"])})
    truth.update({("column", j): n for j, n in enumerate(table["column_totals"])})
    everyone = max(int(table["total"] or 0), 1)
    while True:
        bounds: dict[Any, tuple[int, int]] = dict(
            _cell_bounds(table, counts, row_total, column_total, withheld)
        )
        bounds.update({("row", i): (1, everyone) for i, n in enumerate(row_total) if n is None})
        bounds.update(
            {("column", j): (1, everyone) for j, n in enumerate(column_total) if n is None}
        )
        facts = _facts(table, counts, row_total, column_total, threshold)
        facts += _within_totals(counts, row_total, column_total)
        blank = _blank(table, counts)
        if blank:
            bounds, facts = _totals_only(bounds, facts)
        solved = disclosure.determined(bounds, facts)
        if not blank and len(bounds) >= EXHAUSTED and solved == set(bounds):
            # Every one of many unknowns "pinned" is the solver's answer when its search ran
            # out of steps: hiding one more cell and searching again would only run out again
            # (a search of seconds each time), until every cell is hidden. At once, then; the
            # totals are then solved for on their own (_totals_only), quickly.
            for line in counts:
                line[:] = [None] * len(line)
            continue
        pinned = [
            c
            for c in solved
            # A hidden cell is never left for subtraction (a partner neither: the page says
            # "not shown"); a hidden total is protected when it is small, or hidden on the
            # public page.
            if isinstance(c[0], int) or _small(truth[c], threshold) or c in hidden_elsewhere
        ]
        if not pinned:
            return
        cells = [c for c in pinned if isinstance(c[0], int)]
        shown = [(i, j) for (i, j) in truth if isinstance(i, int) and counts[i][j]]
        if cells:
            rows, columns = {c[0] for c in cells}, {c[1] for c in cells}
            near = [c for c in shown if c[0] in rows or c[1] in columns] or shown
        else:
            # A hidden total: the grand total less the others gives it, or its line's cells do.
            kind = pinned[0][0]
            totals = row_total if kind == "row" else column_total
            others = [k for k, n in enumerate(totals) if n]
            if others:
                smallest = min(others, key=lambda k: totals[k])
                totals[smallest] = None
                continue
            near = [c for c in shown if (c[0] if kind == "row" else c[1]) == pinned[0][1]]
            near = near or shown
        if not near:
            _hide_all(counts, row_total, column_total)
            return
        i, j = min(near, key=lambda c: truth[c])
        counts[i][j] = None


def public_crosstab(
    table: Mapping[str, Any],
    threshold: int,
    published: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    group_limit: int | None = None,
) -> dict[str, Any]:
    """Return a copy fit for public output: small cells and totals hidden (None), every cell of
    a line of fewer than the group limit hidden, zeros too (``small_groups`` names those lines:
    the page says why), and enough further cells hidden that none can be recovered from a
    row's or a column's total. ``group_limit``: GROUP_DISCLOSURE_LIMIT (None: its default).

    ``published``: the public summary's questions (published_questions), for the same
    respondents, under the keys the table's ``question`` entries name. The table
    must not print what the public page hides: a question it withholds (too few answered, or
    asked only after an answer whose count is hidden, whose asked count the table's total
    would give) withholds the whole table; an answer whose count it hides has its total here
    hidden too, and protected from subtraction like a small one.
    """
    counts: list[list[int | None]] = [list(line) for line in table["counts"]]
    row_total: list[int | None] = list(table["row_totals"])
    column_total: list[int | None] = list(table["column_totals"])
    hidden_elsewhere: set[tuple[str, int]] = set()
    if published is not None:
        sides = (("row", table["rows"], row_total), ("column", table["columns"], column_total))
        if any((published.get(side["question"]) or {}).get("suppressed") for _k, side, _t in sides):
            return _withheld(table, threshold)
        for kind, side, totals in sides:
            question = published.get(side["question"]) or {}
            hidden = {o["key"] for o in question.get("options") or () if o.get("suppressed")}
            for k, option in enumerate(side["options"]):
                if option in hidden and totals[k]:
                    totals[k] = None
                    hidden_elsewhere.add((kind, k))
    for i, line in enumerate(counts):
        for j, n in enumerate(line):
            if _small(n, threshold):
                counts[i][j] = None
    for i, n in enumerate(row_total):
        if _small(n, threshold):
            row_total[i] = None
            counts[i] = [None if c else c for c in counts[i]]
    for j, n in enumerate(column_total):
        if _small(n, threshold):
            column_total[j] = None
            for line in counts:
                if line[j]:
                    line[j] = None
    withheld = small_groups(table, threshold, group_limit)
    for i in withheld.rows:
        counts[i] = [None] * len(counts[i])
    for j in withheld.columns:
        for line in counts:
            line[j] = None
    _protect(table, counts, row_total, column_total, threshold, hidden_elsewhere, withheld)
    total = table["total"]
    return {
        **table,
        "small_groups": withheld.as_dict(),
        "group_limit": group_disclosure.limit_in_force(group_limit, threshold),
        "counts": counts,
        "row_totals": row_total,
        "column_totals": column_total,
        "total": None if _small(total, threshold) else total,
        "row_shares": [
            [(n / row_total[i]) if n is not None and row_total[i] else None for n in line]
            for i, line in enumerate(counts)
        ],
        "column_shares": [
            [
                (n / column_total[j]) if n is not None and column_total[j] else None
                for j, n in enumerate(line)
            ]
            for line in counts
        ],
        "suppressed_below": threshold,
    }
