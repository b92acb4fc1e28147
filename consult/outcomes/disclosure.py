"""Whether a hidden cell can be worked out from what is published: a small exact solver.

A published table gives linear facts about its hidden cells: they add up to the shown total less
the shown cells; a mean, a Borda score or an average number of choices weighs them; each label
bounds them ("fewer than 5" is 1 to 4, "not shown (protects a small group)" is at least 5).
`determined` enumerates the whole numbers each hidden cell can take under those facts and names
the cells left with a single value: those the reader can work out exactly.

The suppression rules (consult.outcomes.suppression) ask it before publishing a table or a
figure derived from one. No Flask here.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

#: Tolerance on a fact's bounds: means are stored as floating-point numbers.
EPSILON = 1e-6
#: Past this many steps of the search, every cell counts as determined (the safe answer).
STEP_LIMIT = 60_000


@dataclass(frozen=True)
class Fact:
    """A published linear fact: ``low <= sum(coefficient * cell) <= high``."""

    coefficients: Mapping[Hashable, float]
    low: float
    high: float


def equal(coefficients: Mapping[Hashable, float], value: float, tolerance: float = 0.0) -> Fact:
    """A fact such as "the hidden cells add up to 9" (within ``tolerance``, for a rounded one)."""
    return Fact(dict(coefficients), value - tolerance, value + tolerance)


def at_least(coefficients: Mapping[Hashable, float], value: float) -> Fact:
    """A fact such as "the hidden themes were found in at least 3 answers"."""
    return Fact(dict(coefficients), value, math.inf)


def at_most(coefficients: Mapping[Hashable, float], value: float) -> Fact:
    """A fact such as "the hidden intervals hold values adding up to at most 41"."""
    return Fact(dict(coefficients), -math.inf, value)


class _Stop(Exception):
    """The step limit was reached."""


def _limits(coefficient: float, low: float, high: float) -> tuple[float, float]:
    """The values of x allowed by ``low <= coefficient * x <= high``."""
    if coefficient > 0:
        return low / coefficient, high / coefficient
    return high / coefficient, low / coefficient


class _Search:
    """A depth-first search for one whole-number solution, each cell's range narrowed by every
    fact given the cells already set and the bounds of the others (interval propagation)."""

    def __init__(self, cells: list[Hashable], facts: Sequence[Fact], limit: int) -> None:
        self.cells = cells
        self.facts = facts
        self.limit = limit
        self.steps = 0

    def solve(self, bounds: Mapping[Hashable, tuple[int, int]]) -> dict[Hashable, int] | None:
        """Return one solution within ``bounds``, or None when there is none."""
        value: dict[Hashable, int] = {}
        return dict(value) if self._search(0, bounds, value) else None

    def _range(self, index: int, bounds, value) -> tuple[int, int]:
        cell = self.cells[index]
        low, high = bounds[cell]
        for fact in self.facts:
            a = fact.coefficients.get(cell, 0)
            if not a:
                continue
            fixed = sum(fact.coefficients.get(c, 0) * value[c] for c in self.cells[:index])
            rest_low = rest_high = 0.0
            for other in self.cells[index + 1 :]:
                b = fact.coefficients.get(other, 0)
                lo, hi = bounds[other]
                rest_low += min(b * lo, b * hi)
                rest_high += max(b * lo, b * hi)
            lo, hi = _limits(
                a, fact.low - fixed - rest_high - EPSILON, fact.high - fixed - rest_low + EPSILON
            )
            if lo > -math.inf:
                low = max(low, math.ceil(lo - EPSILON))
            if hi < math.inf:
                high = min(high, math.floor(hi + EPSILON))
        return int(low), int(high)

    def _search(self, index: int, bounds, value) -> bool:
        self.steps += 1
        if self.steps > self.limit:
            raise _Stop
        if index == len(self.cells):
            return all(
                f.low - EPSILON
                <= sum(a * value[c] for c, a in f.coefficients.items() if c in value)
                <= f.high + EPSILON
                for f in self.facts
            )
        low, high = self._range(index, bounds, value)
        for candidate in range(low, high + 1):
            value[self.cells[index]] = candidate
            if self._search(index + 1, bounds, value):
                return True
        value.pop(self.cells[index], None)
        return False


def determined(
    bounds: Mapping[Hashable, tuple[int, int]],
    facts: Sequence[Fact],
    limit: int = STEP_LIMIT,
) -> set[Hashable]:
    """Return the cells whose value the facts pin down (every cell when the search is too long
    or finds no solution at all, which only a wrong fact can cause: the safe answers).

    One solution is found; then, for each cell not yet seen with two values, a solution where
    it is lower, or higher, than in the first. A cell with neither is determined.
    """
    cells = sorted(bounds, key=lambda k: (bounds[k][1] - bounds[k][0], str(k)))
    if not cells:
        return set()
    facts = [f for f in facts if any(f.coefficients.get(c) for c in cells)]
    search = _Search(cells, facts, limit)
    try:
        first = search.solve(bounds)
        if first is None:
            return set(cells)
        seen: dict[Hashable, set[int]] = {c: {first[c]} for c in cells}
        for cell in cells:
            if len(seen[cell]) > 1:
                continue
            low, high = bounds[cell]
            for narrowed in ((low, first[cell] - 1), (first[cell] + 1, high)):
                if narrowed[0] > narrowed[1]:
                    continue
                other = search.solve({**bounds, cell: narrowed})
                if other is not None:
                    for c in cells:
                        seen[c].add(other[c])
                    break
    except _Stop:
        return set(cells)
    return {c for c, values in seen.items() if len(values) == 1}
