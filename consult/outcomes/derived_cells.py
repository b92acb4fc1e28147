"""Small-cell suppression of derived figures: each withheld when, with the table beside it, it
pins a hidden cell (consult.outcomes.disclosure solves for them).

A matrix row's mean, the average number of choices, a number question's mean, its quantiles and
extremes, and the answers with no theme are printed beside tables whose small cells are hidden
(consult.outcomes.suppression); each of these functions withholds its figure when the figure and
the table together give a hidden cell away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from consult.outcomes import disclosure
from consult.outcomes.cells import cell_bounds, hidden_bounds, hide, sum_fact

#: The decimals of a printed mean score (consult.outcomes.formatting.MEAN_DIGITS, which imports
#: Flask): a row's mean beside hidden cells is published rounded to them.
MEAN_DIGITS = 2


def protect_row_mean(
    row: MutableMapping[str, Any],
    scale: Sequence[Mapping],
    threshold: int,
    cells: Sequence[MutableMapping[str, Any]],
    total: int,
) -> None:
    """A matrix row's mean score weighs its cells: with the row's total and two hidden cells of
    different scores, it gives both.

    The mean is kept rather than the cells: hiding it whenever one rating is rare would show
    only the rows nobody rated low, a selection by value. So while the mean pins a hidden cell,
    the next smallest shown rating is hidden beside it (secondary suppression, as for a total);
    the mean is withheld only when no rating is left to hide and it still pins one."""
    if row.get("mean") is None or not any(e.get("suppressed") for e in cells):
        return
    scores = {p["key"]: p.get("score") for p in scale}
    before = [dict(e) for e in cells]
    # Published as printed: a mean kept to every decimal would weigh the cells more finely.
    row["mean"] = round(row["mean"], MEAN_DIGITS)
    while _mean_pins(row["mean"], scores, threshold, cells, total):
        shown = [
            e
            for e in cells
            if not e.get("suppressed") and scores.get(e["key"]) is not None and e.get("count")
        ]
        if not shown:
            for entry, kept in zip(cells, before, strict=True):
                entry.clear()
                entry.update(kept)
            row["mean"] = None
            row["mean_withheld"] = True
            return
        partner = min(shown, key=lambda e: e["count"])
        hide(partner)
        partner["secondary"] = True


def _mean_pins(
    mean: float,
    scores: Mapping[str, float | None],
    threshold: int,
    entries: Sequence[Mapping[str, Any]],
    total: int,
) -> bool:
    """Whether a row's mean as printed (``MEAN_DIGITS`` decimals: the true mean lies within half
    a unit of it), with its total and shown cells, gives a small hidden cell away."""
    half = 0.5 * 10**-MEAN_DIGITS + disclosure.EPSILON
    low_weights: dict[int, float] = {}
    high_weights: dict[int, float] = {}
    low_rest = high_rest = 0.0
    scored_shown = 0
    for index, entry in enumerate(entries):
        score = scores.get(entry["key"])
        if score is None:
            continue  # "don't know": counted in the row, left out of the mean
        if entry.get("suppressed"):
            low_weights[index] = score - (mean - half)
            high_weights[index] = score - (mean + half)
        else:
            low_rest += (score - (mean - half)) * (entry["count"] or 0)
            high_rest += (score - (mean + half)) * (entry["count"] or 0)
            scored_shown += entry["count"] or 0
    # A printed mean rests on at least ``threshold`` ratings (else it is not printed), and a
    # reader who knows the rule knows that too: with a hidden base, it bounds the hidden cells.
    facts = [
        sum_fact(entries, total),
        disclosure.at_least(low_weights, -low_rest),  # the mean is at least its low end
        disclosure.at_most(high_weights, -high_rest),  # and at most its high end
        disclosure.at_least(dict.fromkeys(low_weights, 1), threshold - scored_shown),
    ]
    pinned = disclosure.determined(hidden_bounds(entries, threshold, total), facts)
    # A partner hidden to protect a small cell is not small itself: known, it harms only when
    # a small cell then follows, which the solver finds too.
    return any(not entries[i].get("secondary") for i in pinned)


def protect_mean_choices(question: MutableMapping[str, Any], threshold: int) -> None:
    """The average number of options chosen is printed with its base (the respondents who
    chose a substantive option, consult.outcomes.closed.mean_choices): both are withheld when
    that base is under the threshold, or when they pin a hidden option. The mean, printed to
    one decimal, bounds the substantive options' sum; the base, against the answered count,
    bounds the exclusive options' sum ("None of these": what the answerers are, beside the
    base, with those who only wrote an "Other" answer)."""
    mean, base = question.get("mean_choices"), question.get("mean_choices_base")
    if not mean or not base or base < threshold:
        question["mean_choices"] = question["mean_choices_base"] = None
        return
    rounded = round(mean, 1)
    question["mean_choices"] = rounded
    options = question["options"]
    exclusive = set(question.get("exclusive_options") or ())
    if not any(o.get("suppressed") for o in options if o["key"] != "other"):
        return
    bounds = hidden_bounds(options, threshold, question["answered"] or 0)
    facts = []
    kinds = {"substantive": [], "exclusive": []}
    for i, option in enumerate(options):
        if option["key"] != "other":
            kinds["exclusive" if option["key"] in exclusive else "substantive"].append(i)
    shown = {k: sum(options[i]["count"] or 0 for i in v) for k, v in kinds.items()}
    hidden = {k: {i: 1 for i in v if options[i].get("suppressed")} for k, v in kinds.items()}
    if hidden["substantive"]:
        low, high = (rounded - 0.05) * base, (rounded + 0.05) * base
        rest = shown["substantive"]
        facts.append(disclosure.Fact(hidden["substantive"], low - rest, high - rest))
    answered = question.get("answered")
    if hidden["exclusive"] and answered is not None:
        other = next((o for o in options if o["key"] == "other"), None)
        if other is None:
            others = 0
        elif other.get("suppressed"):
            others = cell_bounds(other, threshold, answered)[1]
        else:
            others = other["count"] or 0
        rest = answered - base - shown["exclusive"]
        facts.append(disclosure.Fact(hidden["exclusive"], rest - others, rest))
    if disclosure.determined(bounds, facts):
        question["mean_choices"] = question["mean_choices_base"] = None


def protect_number_mean(question: MutableMapping[str, Any], threshold: int) -> None:
    """The mean of a number question, printed to one decimal, weighs its intervals: withheld
    when, with the answers count, it pins a hidden interval (narrow intervals of whole numbers)."""
    histogram = question.get("histogram") or []
    if question.get("mean") is None:
        return
    rounded = round(question["mean"], 1)
    question["mean"] = rounded
    if not any(e.get("suppressed") for e in histogram):
        return
    answers = question["count"]
    low_weights, high_weights = {}, {}
    low_rest = high_rest = 0.0
    for index, entry in enumerate(histogram):
        whole = float(entry["from"]).is_integer() and float(entry["to"]).is_integer()
        top = entry["to"] - 1 if whole and index < len(histogram) - 1 else entry["to"]
        if entry.get("suppressed"):
            low_weights[index], high_weights[index] = entry["from"], top
        else:
            low_rest += entry["from"] * entry["count"]
            high_rest += top * entry["count"]
    facts = [
        sum_fact(histogram, answers),
        disclosure.at_most(low_weights, (rounded + 0.05) * answers - low_rest),
        disclosure.at_least(high_weights, (rounded - 0.05) * answers - high_rest),
    ]
    if disclosure.determined(hidden_bounds(histogram, threshold, answers), facts):
        question["mean"] = None


def quantile_shown(answers: int, fraction: float, threshold: int) -> bool:
    """Whether a quantile (linear interpolation) of ``answers`` values rests on enough of them:
    at least ``threshold`` answers at or below it and as many at or above it. A median of 5 is
    the third answer, one respondent's value with two on either side: not shown."""
    if answers <= 0:
        return False
    position = (answers - 1) * fraction
    below = math.floor(position) + 1
    above = answers - math.ceil(position)
    return below >= threshold and above >= threshold


def protect_number_extremes(question: MutableMapping[str, Any], threshold: int) -> None:
    """A minimum or maximum is one respondent's value, and so is a quartile near either end:
    quantiles are shown only when at least the threshold's number of answers lie on each side
    (quantile_shown). The histogram's edges are round (number_bins) and its small ends were
    merged into their neighbours; its first and last intervals are still left open ("under 10",
    "40 or more"), so that not even a round edge near the lowest or highest answer is said."""
    answers = question.get("count")
    if answers is None:
        answers = sum(e.get("count") or 0 for e in question.get("histogram") or [])
    for field, fraction in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        if question.get(field) is not None and not quantile_shown(answers, fraction, threshold):
            question[field] = None
            question["quantiles_withheld"] = True
    histogram = question.get("histogram") or []
    if histogram:  # one interval left: "all answers", never its edges
        histogram[0]["from"] = None
        histogram[-1]["to"] = None


def protect_uncoded(question: MutableMapping[str, Any], threshold: int) -> None:
    """The answers with no theme: the others hold at least one theme each, so the themes add up
    to at least their number. Withheld when that pins a hidden theme."""
    themes = question.get("themes") or []
    uncoded = question.get("uncoded")
    if uncoded is None or not any(t.get("suppressed") for t in themes):
        return
    coded = question["answered"] - uncoded
    shown = sum(t["count"] or 0 for t in themes if not t.get("suppressed"))
    bounds = {
        i: (low, min(high, coded))
        for i, (low, high) in hidden_bounds(themes, threshold, coded).items()
    }
    fact = disclosure.at_least(dict.fromkeys(bounds, 1), coded - shown)
    if disclosure.determined(bounds, [fact]):
        question["uncoded"] = None
        question["uncoded_withheld"] = True
