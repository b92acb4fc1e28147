"""The intervals of a number question's histogram, and how a public summary shows its ends.

An interval's edge is never one respondent's answer: edges are round multiples of a round step
(1, 2, 2.5 or 5 times a power of ten; no 2.5 for whole numbers), and the outer edges are the
question's own bounds (its ``min`` and ``max`` in the questionnaire) where the rounding would
pass them, so that a year question never gets an interval after its last possible year. The
step is the smallest that covers the answers in at most ``BINS`` intervals.

Intervals run from their start (included) to their end (excluded), the last one closed (for
whole numbers [2015, 2020) is labelled "2015 – 2019", and the last [2020, 2024] "2020 – 2024").

On a public summary, an end interval holding fewer than the threshold's number of answers (but
some) is merged into its neighbour until it holds enough (``merge_small_ends``): otherwise it
would say that one or two respondents answered that far out. The ends are then left open
("under 1990", "2020 or later"; suppression._number_extremes). No Flask here.
"""

from __future__ import annotations

import math
from collections.abc import MutableSequence
from typing import Any

import pandas as pd

from consult.questionnaires.definition import Question

#: The most intervals a histogram has.
BINS = 8
#: The round steps, times a power of ten.
STEPS = (1.0, 2.0, 2.5, 5.0)


def round_steps(span: float, integer: bool):
    """The round steps from the smallest that could cover ``span`` in BINS intervals, upwards."""
    exponent = math.floor(math.log10(span / BINS)) if span > 0 else 0
    if integer:
        exponent = max(exponent, 0)
    while True:
        for factor in STEPS:
            step = factor * 10.0**exponent
            if integer and not step.is_integer():
                continue
            yield step
        exponent += 1


def edges_for(low: float, high: float, question: Question) -> list[float]:
    """The edges of the intervals covering the answers from ``low`` to ``high``: round, within
    the question's bounds, at most BINS intervals. The last edge is included: for whole numbers
    it is the last whole number of its step ([2020, 2024]), so that every interval of a year
    question spans the same years."""
    for step in round_steps(high - low, question.integer):
        first = math.floor(low / step)
        last = math.floor(high / step) + 1
        edges = [k * step for k in range(first, last + 1)]
        if question.integer:
            edges[-1] -= 1
        # The question's own bounds, where the rounding passes them (an answer outside them,
        # stored before a bound changed, keeps the round edge: it must fall in an interval).
        if question.min is not None and edges[0] < question.min <= low:
            edges[0] = float(question.min)
        if question.max is not None and edges[-1] > question.max >= high:
            edges[-1] = float(question.max)
        if len(edges) - 1 <= BINS:
            return edges
    raise AssertionError("unreachable: the steps grow without bound")


def histogram(numbers: pd.Series, question: Question) -> list[dict[str, Any]]:
    """Counts of the answers in round intervals (see the module's docstring)."""
    edges = edges_for(float(numbers.min()), float(numbers.max()), question)
    values = numbers.to_numpy(dtype=float)
    intervals = []
    for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
        closed = index == len(edges) - 2
        inside = (values >= start) & ((values <= end) if closed else (values < end))
        intervals.append({"from": float(start), "to": float(end), "count": int(inside.sum())})
    return intervals


def merge_small_ends(intervals: MutableSequence[dict[str, Any]], threshold: int) -> None:
    """Merge an end interval holding some answers but fewer than ``threshold`` into its
    neighbour, from each end, until each end holds enough or one interval is left (in place).
    An empty end says nothing of anyone and stays."""
    while len(intervals) > 1 and 0 < (intervals[0]["count"] or 0) < threshold:
        first = intervals.pop(0)
        intervals[0] = {**intervals[0], "from": first["from"], "count": _sum(first, intervals[0])}
    while len(intervals) > 1 and 0 < (intervals[-1]["count"] or 0) < threshold:
        last = intervals.pop()
        intervals[-1] = {**intervals[-1], "to": last["to"], "count": _sum(intervals[-1], last)}


def _sum(one: dict[str, Any], other: dict[str, Any]) -> int:
    return (one["count"] or 0) + (other["count"] or 0)
