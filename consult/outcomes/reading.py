"""Two rules for reading figures off a summary that may be public (small cells hidden):

- a sum over cells is known only when every cell is shown (``known_sum``): a hidden cell
  (``count`` None, flagged ``suppressed``) is never counted as 0;
- a "top N" list never splits a tie (``top_with_ties``): everything level with the last item
  kept is kept too, so that no item is named a leader over one with the same figure.

Every sentence, slide and list that sums published cells or names the first few goes through
these two. No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Item = TypeVar("Item")


def is_hidden(cell: Mapping[str, Any]) -> bool:
    """Whether a published cell's count is withheld (None, or flagged so)."""
    return cell.get("count") is None or bool(cell.get("suppressed"))


def known_sum(cells: Iterable[Mapping[str, Any]]) -> int | None:
    """The sum of the cells' counts, or None when any of them is hidden (then it is not known)."""
    total = 0
    for cell in cells:
        if is_hidden(cell):
            return None
        total += int(cell["count"])
    return total


def known_totals(
    groups: Iterable[Sequence[Mapping[str, Any]]],
) -> tuple[dict[Any, int], bool]:
    """Add up cells by key over several breakdowns (e.g. each questionnaire's responses by
    language): the totals of the keys whose every cell is shown, and whether a key was left out
    because one of its cells is hidden. A key absent from a breakdown counts 0 there (known)."""
    cells: dict[Any, list[Mapping[str, Any]]] = {}
    for group in groups:
        for cell in group:
            cells.setdefault(cell.get("key"), []).append(cell)
    totals = {key: known_sum(found) for key, found in cells.items()}
    known = {key: total for key, total in totals.items() if total is not None}
    return known, len(known) < len(totals)


def responses_total(summary: Mapping[str, Any]) -> int | None:
    """Every questionnaire's responses together; None on a public summary that hides one
    questionnaire's small count (the total would give it back: consult.outcomes.suppression)."""
    counts = [q["responses"] for q in summary["questionnaires"]]
    return None if None in counts else sum(counts)


def _figure_of(figure: str | Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A figure given as a field name (templates) or as a function."""
    if callable(figure):
        return figure
    return lambda item: item.get(figure) if isinstance(item, Mapping) else getattr(item, figure)


def top_with_ties(
    items: Iterable[Item], limit: int, figure: str | Callable[[Item], Any]
) -> list[Item]:
    """The ``limit`` items with the largest figure, and every further item level with the last
    of them (a tie is never split); items without a figure (None) are left out. Items level
    with each other keep their given order."""
    return top_cut(items, limit, figure).items


@dataclass(frozen=True)
class TopCut:
    """The first items of a list cut where a tie allows it."""

    #: The items kept, largest figure first.
    items: list[Any]
    #: How many items level with the last one kept are left out (only when a tie would not fit
    #: the room): the list must then say so ("and 3 more at the same figure").
    more_tied: int = 0


def top_cut(
    items: Iterable[Item],
    limit: int,
    figure: str | Callable[[Item], Any],
    room: int | None = None,
) -> TopCut:
    """The ``limit`` items with the largest figure and those tied with the last of them; when
    the tie would take more than ``room`` items (a slide), the first ``limit`` and how many are
    left out although level with the last one kept."""
    value = _figure_of(figure)
    ranked = sorted((i for i in items if value(i) is not None), key=value, reverse=True)
    if limit <= 0 or not ranked:
        return TopCut([])
    kept = ranked[:limit]
    last = value(kept[-1])
    tied = [item for item in ranked[limit:] if value(item) == last]
    if room is not None and len(kept) + len(tied) > room:
        return TopCut(kept, len(tied))
    return TopCut(kept + tied)
