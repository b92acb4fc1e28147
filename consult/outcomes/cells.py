"""The cells of a public table: which are small, what their words tell a reader, and how hidden
cells are protected from subtraction (secondary suppression). No Flask here.

A cell is a dict with a ``count``; once hidden it is flagged ``suppressed`` (its count and share
set to None), ``secondary`` when hidden only to protect a smaller one, ``withheld`` when the
whole table is. Two optional keys serve the solver and are never printed: ``weight`` (how many
times the cell counts in the table's total: a respondent who skipped a ranking leaves all its
places empty) and ``hidden_range`` (what the page says of a hidden cell when its words are not
"fewer than N", e.g. an option offered to fewer than N respondents may have been chosen by none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from consult.outcomes import disclosure


def is_small(count: int | None, threshold: int) -> bool:
    """A count that points at a few people: 1 to threshold - 1 (zero is not small)."""
    return count is not None and 0 < count < threshold


def cell_bounds(entry: Mapping[str, Any], threshold: int, total: int) -> tuple[int, int]:
    """What the page tells a reader about a hidden cell: "fewer than N" is 1 to N - 1, "not shown
    (protects a small group)" is at least N, a withheld table's "not shown" anything."""
    if entry.get("hidden_range"):
        low, high = entry["hidden_range"]
        return int(low), int(high)
    if entry.get("withheld"):
        return 0, total
    if entry.get("secondary"):
        return threshold, max(threshold, total)
    return 1, threshold - 1


def hidden_bounds(
    entries: Sequence[Mapping[str, Any]], threshold: int, total: int
) -> dict[int, tuple[int, int]]:
    """The bounds of each hidden cell of a table, by position."""
    return {
        i: cell_bounds(e, threshold, total) for i, e in enumerate(entries) if e.get("suppressed")
    }


def sum_fact(entries: Sequence[Mapping[str, Any]], total: int) -> disclosure.Fact:
    """The hidden cells of a table add up to its shown total less its shown cells."""
    rest = total - sum(
        e.get("weight", 1) * (e.get("count") or 0) for e in entries if not e.get("suppressed")
    )
    return disclosure.equal(
        {i: e.get("weight", 1) for i, e in enumerate(entries) if e.get("suppressed")}, rest
    )


def suppress_cells(
    entries: Sequence[MutableMapping[str, Any]],
    threshold: int,
    *,
    exclusive: bool,
    total: int | None = None,
) -> None:
    """Suppress small counts in place; with ``exclusive`` (the cells add up to a shown total),
    protect the hidden cells so that none can be worked out (see protect_total). ``total``: the
    table's total when some cells were hidden before (their counts are gone)."""
    if total is None:
        total = sum(e.get("weight", 1) * (e.get("count") or 0) for e in entries)
    for entry in entries:
        if is_small(entry.get("count"), threshold):
            hide(entry)
    if exclusive:
        protect_total(entries, threshold, total)


def protect_total(entries: Sequence[MutableMapping[str, Any]], threshold: int, total: int) -> None:
    """Hide more cells of a table whose cells add up to ``total`` until no hidden cell can be
    worked out from the total, the shown cells and what each hidden cell's words say.

    One hidden cell alone is recovered by subtraction; two "fewer than 5" adding up to 2 are 1
    and 1; a 1 hidden with a partner of exactly 5 is pinned too ("not shown" is at least 5). The
    next smallest shown cell is hidden as a partner until that holds; when no cell is left to
    hide, the whole table is withheld (zeros too: every cell "not shown").
    """
    while True:
        bounds = hidden_bounds(entries, threshold, total)
        if not bounds or not disclosure.determined(bounds, [sum_fact(entries, total)]):
            return
        shown = [e for e in entries if not e.get("suppressed") and (e.get("count") or 0) > 0]
        if not shown:
            for entry in entries:
                hide(entry)
                entry.pop("secondary", None)
                entry["withheld"] = True
            return
        partner = min(shown, key=lambda e: e["count"])
        hide(partner)
        # Not small itself: hidden so that the small one cannot be worked out. Pages say
        # so rather than "fewer than 5".
        partner["secondary"] = True


def hide(entry: MutableMapping[str, Any], *fields: str) -> None:
    """Hide a cell: flag it and drop its count, its share and any other ``fields``."""
    entry["suppressed"] = True
    for field in ("count", "share", *fields):
        if field in entry:
            entry[field] = None


def _suppressed(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("suppressed"))


def hidden_last(
    entries: Sequence[Mapping[str, Any]],
    *,
    last: str | None = None,
    hidden: Callable[[Mapping[str, Any]], bool] = _suppressed,
) -> list[Any]:
    """A list ordered by a figure, made safe to print once figures are hidden: the shown
    entries in their order, then the ``hidden`` ones (a suppressed cell; a ranking option whose
    Borda score is withheld) by key, then the entry keyed ``last`` (a pooled line).

    A hidden figure left in its place would say where it lies: between its neighbours', which
    narrows it, and pins it when they are level. Its key, not its figure, orders it instead.
    """
    pooled = [e for e in entries if last is not None and e.get("key") == last]
    rest = [e for e in entries if last is None or e.get("key") != last]
    shown = [e for e in rest if not hidden(e)]
    withheld = sorted((e for e in rest if hidden(e)), key=lambda e: str(e.get("key") or ""))
    return [*shown, *withheld, *pooled]
