"""Cross-tabulation of two closed questions: counts, row and column percentages, and the
public version with small cells suppressed. No Flask here.

A respondent counts in a cell when they gave the row answer to the first question and the
column answer to the second; with a multiple choice question a respondent can count in several
cells of a row or column. The table covers the respondents who answered both questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

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
    """Cross-tabulate two questions given as (question key, option keys in order).

    Returns JSON-ready data: the option keys, ``counts[r][c]``, row and column totals
    (respondents with that answer who answered the other question), the grand total
    (respondents who answered both), and row and column percentages.
    """
    row_key, row_options = rows
    column_key, column_options = columns
    left = chosen(answers, row_key)
    right = chosen(answers, column_key)
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


def public_crosstab(table: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """Return a copy fit for public output: small cells and totals hidden (None), and enough
    further cells hidden that none can be recovered from a row's or a column's total."""
    counts: list[list[int | None]] = [list(line) for line in table["counts"]]
    row_total: list[int | None] = list(table["row_totals"])
    column_total: list[int | None] = list(table["column_totals"])
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
    hidden = {(i, j) for i, line in enumerate(counts) for j, n in enumerate(line) if n is None}
    original = table["counts"]

    def protect(cells: list[tuple[int, int]]) -> bool:
        """Hide one more cell of a line whose lone hidden cell its total would give away."""
        lone = [cell for cell in cells if cell in hidden]
        if len(lone) != 1:
            return False
        candidates = [c for c in cells if c not in hidden and original[c[0]][c[1]] > 0]
        if not candidates:
            return False
        smallest = min(candidates, key=lambda c: original[c[0]][c[1]])
        hidden.add(smallest)
        counts[smallest[0]][smallest[1]] = None
        return True

    changed = True
    while changed:
        changed = False
        for i in range(len(counts)):
            if row_total[i] is not None:
                changed |= protect([(i, j) for j in range(len(column_total))])
        for j in range(len(column_total)):
            if column_total[j] is not None:
                changed |= protect([(i, j) for i in range(len(counts))])
    total = table["total"]
    return {
        **table,
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
