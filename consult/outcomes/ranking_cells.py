"""Small-cell protection of a ranking question: the options x places table behind its figures.

A ranking publishes, per option, the times it was ranked, its first places, a Borda score and a
mean rank. Those are sums of a hidden table, options by places: the times ranked add up its row,
the first places are its first column, the Borda score weighs its row by place, and each column
adds up to the respondents who filled that place. With three places, first + ranked + Borda give
the second and third places of an option exactly; with the columns' totals, an option whose
Borda score is withheld can be worked out from the others. So the figures are published only
while no cell of the whole table, small (1 to threshold - 1), can be solved for:

- the times ranked and the first places are each protected as a column that adds up (with the
  skippers as one more cell when they are a small group, consult.outcomes.skipped, and options
  offered by only some versions to fewer than the threshold as hidden cells of 0 to N - 1);
- an option whose first places, with its times ranked shown, leave a small rest (ranked but not
  first) has its first places hidden as well ("not shown (protects a small group)");
- a Borda score (and its mean rank, the same fact) is withheld while, with everything else
  shown, it pins a small cell of the table (consult.outcomes.disclosure solves for them).

No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

from consult.outcomes.cells import hide, is_small, protect_total, suppress_cells
from consult.outcomes.skipped import skip_cells

#: Past this many partial column sums, or possible contents of one row, the table is not solved
#: and every small cell counts as determined (the safe answer: Borda scores are withheld).
STATE_LIMIT = 200_000
ROW_LIMIT = 200_000


def protect_ranking(
    question: MutableMapping[str, Any],
    threshold: int,
    *,
    skipped: int,
    totals: Mapping[str, int],
    places_table: Mapping[str, Mapping[str, int]],
) -> None:
    """Protect a ranking's public figures in place (see the module's rules).

    ``totals``: the true sums of the ranked and first columns (options hidden by their version
    base have lost their counts); ``places_table``: per option, the count per place (staff
    figures, never published: the solver's truth).
    """
    options = question["options"]
    places = int(question.get("places") or 0)
    columns = {}
    for field, share, weight in (("ranked", "share_ranked", places), ("first", "share_first", 1)):
        cells = [_cell(o, field, threshold) for o in options]
        table = [*cells, *skip_cells(skipped, weight)]
        suppress_cells(table, threshold, exclusive=True, total=totals[field] + weight * skipped)
        columns[field] = (table, totals[field] + weight * skipped)
        _apply(options, cells, field, share)
    _protect_rests(options, columns["first"], threshold)
    _apply(options, columns["first"][0][: len(options)], "first", "share_first")
    skips = (skipped, 1, threshold - 1) if skipped else (0, 0, 0)
    _withhold_borda(options, places, threshold, places_table, columns["first"], skips)


def _cell(option: Mapping[str, Any], field: str, threshold: int) -> dict[str, Any]:
    cell = {"key": option["key"], "count": option.get(field)}
    if option.get("base_hidden"):
        # Offered to fewer than the threshold: its figures are hidden, anywhere from 0 up.
        cell.update(count=None, suppressed=True, hidden_range=(0, threshold - 1))
    return cell


def _apply(options: Sequence[MutableMapping[str, Any]], cells, field: str, share: str) -> None:
    """Copy a protected column back onto the options."""
    for option, cell in zip(options, cells, strict=True):
        if not cell.get("suppressed") or option.get("base_hidden"):
            continue
        option.update({field: None, share: None})
        option[f"{field}_secondary"] = bool(cell.get("secondary"))
        option[f"{field}_withheld"] = bool(cell.get("withheld"))
        if field == "ranked":
            option.update(mean_rank=None, borda=None, suppressed=True)


def _protect_rests(options, first_column, threshold: int) -> None:
    """Hide the first places of an option ranked by a few more people than ranked it first
    (ranked - first is a small cell), then protect the first column again."""
    table, total = first_column
    changed = False
    for option, cell in zip(options, table, strict=False):
        if cell.get("suppressed") or option.get("ranked") is None:
            continue
        if is_small(option["ranked"] - (cell["count"] or 0), threshold):
            hide(cell)
            cell["secondary"] = True
            changed = True
    if changed:
        protect_total(table, threshold, total)


def _withhold_borda(
    options, places, threshold, places_table, first_column, skipped: tuple[int, int, int]
) -> None:
    """Withhold Borda scores (with their mean ranks) until no small cell of the options x places
    table can be solved for from what is published; first places too if that is not enough."""
    if places < 2:
        return
    while True:
        pinned = _pinned_small_cells(options, places, threshold, places_table, skipped)
        if not pinned:
            return
        scored = [o for o in options if o.get("borda") is not None]
        if scored:
            rows = {key for key, _place in pinned}
            # The options whose cells are pinned, if their scores are shown; else the smallest.
            candidates = [o for o in scored if o["key"] in rows] or [
                min(scored, key=lambda o: o["borda"])
            ]
            for option in candidates:
                option.update(borda=None, mean_rank=None, borda_withheld=True)
            continue
        table, total = first_column
        shown = [c for c in table[: len(options)] if not c.get("suppressed") and c["count"]]
        if not shown:
            _withhold_all(options)
            return
        partner = min(shown, key=lambda c: c["count"])
        hide(partner)
        partner["secondary"] = True
        protect_total(table, threshold, total)
        _apply(options, table[: len(options)], "first", "share_first")


def _pinned_small_cells(
    options, places: int, threshold: int, places_table, skipped: tuple[int, int, int]
) -> set[tuple[str, int]]:
    """The cells (option, place) a reader can solve for and that are small; ("", 0) stands for
    the few who skipped the question when a reader can count them.

    Each row's possible contents are listed from what is printed about it (times ranked,
    first places, Borda score); the columns, each adding up to the respondents who filled that
    place (and, with the skippers, to the asked), are then walked option by option, keeping the
    partial sums reachable (dynamic programming). A cell with one value over every complete
    table is determined. Past STATE_LIMIT, every small cell counts as determined (safe).

    ``skipped``: (true number, lowest and highest a reader can assume).
    """
    truth = {
        o["key"]: tuple(
            int(places_table.get(o["key"], {}).get(str(p), 0)) for p in range(1, places + 1)
        )
        for o in options
    }
    true_skip, skip_low, skip_high = skipped
    filled = tuple(sum(row[p] for row in truth.values()) for p in range(places))
    # Any count of the question is at most the asked: what a reader knows of a hidden one.
    everyone = max(max(filled) + true_skip, sum(o.get("ranked") or 0 for o in options), 1)
    small = {
        (key, p + 1)
        for key, row in truth.items()
        for p, n in enumerate(row)
        if is_small(n, threshold)
    }
    safe = small | ({("", 0)} if is_small(true_skip, threshold) else set())
    candidates = []
    for option in options:
        rows = _rows(option, places, threshold, everyone)
        if rows is None:
            return safe
        candidates.append(rows)
    # A column of every place adds up to the respondents who filled it, or (a reader may assume
    # every answer fills every place) to the asked less the skippers.
    finals = {tuple(f + true_skip - s for f in filled): s for s in range(skip_low, skip_high + 1)}
    ceiling = np.array([max(f[p] for f in finals) for p in range(places)], dtype=np.int64)
    # Partial column sums as one number each, in base ``radix`` (no digit can carry over).
    radix = int(2 * ceiling.max() + 2)
    powers = radix ** np.arange(places, dtype=np.int64)

    def encode(rows) -> np.ndarray:
        return np.asarray(rows, dtype=np.int64).reshape(-1, places) @ powers

    def fits(codes: np.ndarray) -> np.ndarray:
        digits = (codes[:, None] // powers[None, :]) % radix
        return (digits <= ceiling[None, :]).all(axis=1)

    # No cell holds more than its column's largest total: a row past it is no solution, and its
    # digit would carry over into the next place's.
    candidates = [
        [row for row in rows if all(n <= ceiling[p] for p, n in enumerate(row))]
        for rows in candidates
    ]
    coded = [encode(rows) for rows in candidates]
    forward = [np.zeros(1, dtype=np.int64)]
    for rows in coded:
        if len(forward[-1]) * len(rows) > STATE_LIMIT * 10:
            return safe
        sums = np.unique((forward[-1][:, None] + rows[None, :]).ravel())
        forward.append(sums[fits(sums)])
    ends = encode(list(finals))
    reachable = np.intersect1d(forward[-1], ends)
    if not len(reachable):
        return safe  # the truth is always a solution: a model that misses it must not decide
    values: dict[tuple[str, int], set[int]] = {}
    backward = reachable
    for index in range(len(candidates) - 1, -1, -1):
        key = options[index]["key"]
        hits = np.isin(forward[index][:, None] + coded[index][None, :], backward)
        for row_index in np.flatnonzero(hits.any(axis=0)):
            for p, n in enumerate(candidates[index][row_index]):
                values.setdefault((key, p + 1), set()).add(n)
        backward = forward[index][hits.any(axis=1)]
    skips = {finals[f] for f in finals if encode([f])[0] in set(reachable.tolist())}
    pinned = {c for c in small if len(values.get(c, ())) == 1}
    if len(skips) == 1 and is_small(true_skip, threshold):
        pinned.add(("", 0))
    return pinned


def _withhold_all(options) -> None:
    """The last resort: no figure of any option is printed."""
    for option in options:
        for field in ("ranked", "first"):
            if option.get(field) is not None:
                option.update({field: None, f"share_{field}": None, f"{field}_withheld": True})
        option.update(borda=None, mean_rank=None, suppressed=True)


def _rows(option, places: int, threshold: int, everyone: int) -> list[tuple[int, ...]] | None:
    """Every content of an option's row agreeing with what is printed about it (None: too many
    to list)."""
    ranked, first, borda = option.get("ranked"), option.get("first"), option.get("borda")
    ranked_range = (
        (ranked, ranked)
        if ranked is not None
        else _label_range(option, "ranked", threshold, everyone)
    )
    first_range = (
        (first, first) if first is not None else _label_range(option, "first", threshold, everyone)
    )
    top = ranked_range[1]
    if (top + 1) ** (places - 1) * (first_range[1] - first_range[0] + 1) > ROW_LIMIT:
        return None
    rows = []

    def walk(prefix: tuple[int, ...]) -> None:
        used = sum(prefix)
        if len(prefix) == places:
            if not ranked_range[0] <= used <= ranked_range[1]:
                return
            points = sum((places - p) * n for p, n in enumerate(prefix))
            if borda is not None and abs(points - borda) > 1e-6:
                return
            rows.append(prefix)
            return
        low, high = first_range if not prefix else (0, top)
        for n in range(low, min(high, top - used) + 1):
            walk((*prefix, n))

    walk(())
    return rows


def _label_range(option, field: str, threshold: int, total: int) -> tuple[int, int]:
    """What a hidden ranked or first count's words tell a reader."""
    if option.get("base_hidden"):
        return 0, threshold - 1
    if option.get(f"{field}_withheld"):
        return 0, total
    if option.get(f"{field}_secondary"):
        return threshold, max(threshold, total)
    return 1, threshold - 1
