"""An attacker of the public figures, written apart from consult.outcomes.disclosure.

It reads what a public summary prints (counts, the words beside hidden ones, totals, means,
Borda scores, mean ranks, first places, times ranked, the asked and answered of each question,
quartiles and histogram edges) and solves by brute force for every hidden cell, including cells
never printed: the few who skipped a question, and a ranking's whole options x places table
(with its columns adding up to the respondents who answered). A problem is a small cell (1 to
T - 1) that the reader can work out exactly, or a printed figure resting on fewer than T.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

T = 5
SKIP = "_skipped"
SCALE = [("vh", 4), ("h", 3), ("l", 2), ("n", 1), ("dk", None)]


def _solutions(bounds: list[tuple[int, int]], total: int | None, accept) -> list[tuple]:
    """Every whole-number vector within ``bounds`` (adding up to ``total`` if given) that
    ``accept`` takes; ``bounds`` may carry weights as a third item."""
    found: list[tuple] = []
    weights = [b[2] if len(b) > 2 else 1 for b in bounds]

    def walk(prefix: tuple, index: int) -> None:
        if index == len(bounds):
            done = sum(w * v for w, v in zip(weights, prefix, strict=True))
            if (total is None or done == total) and accept(prefix):
                found.append(prefix)
            return
        low, high = bounds[index][0], min(bounds[index][1], 60)
        for value in range(low, high + 1):
            if total is not None:
                done = (
                    sum(w * v for w, v in zip(weights, prefix, strict=False))
                    + weights[index] * value
                )
                if done > total:
                    break
            walk((*prefix, value), index + 1)

    walk((), 0)
    return found


def label_bounds(entry: dict, total: int) -> tuple[int, int]:
    """What the words beside a hidden cell tell the reader."""
    if entry.get("range"):
        return entry["range"]
    if entry.get("withheld"):
        return 0, total
    if entry.get("secondary"):
        return T, total
    return 1, T - 1


def attack(
    where: str,
    entries: list[dict],
    truth: list[int],
    total: int | None,
    accept: Callable[[tuple], bool] = lambda v: True,
) -> list[str]:
    """Solve for the hidden cells of one table; return the problems (a pinned small cell)."""
    hidden = [i for i, e in enumerate(entries) if e["count"] is None]
    if not hidden:
        return []
    weight = [e.get("weight", 1) for e in entries]
    rest = (
        None
        if total is None
        else total
        - sum(weight[i] * entries[i]["count"] for i in range(len(entries)) if i not in hidden)
    )
    bounds = [(*label_bounds(entries[i], total or 60), weight[i]) for i in hidden]
    found = _solutions(bounds, rest, accept)
    true = tuple(truth[i] for i in hidden)
    assert true in found, f"{where}: the attacker's model rejects the truth {true}"
    return [
        f"{where}: hidden cell {entries[i]['key']} is {true[j]}, determined"
        for j, i in enumerate(hidden)
        if len({values[j] for values in found}) == 1 and 0 < true[j] < T
    ]


def skip_entry(truth: dict, shown: dict, weight: int = 1) -> tuple[list[dict], list[int]]:
    """The skippers as the page tells them: exact when both asked and answered are printed,
    1 to T - 1 when the answered is withheld ("protects a small group"); none when nobody
    skipped and the answered is printed."""
    skipped = truth["asked"] - truth["answered"]
    if shown["answered"] is not None:
        return ([{"key": SKIP, "count": skipped, "weight": weight}], [skipped])
    return ([{"key": SKIP, "count": None, "range": (1, T - 1), "weight": weight}], [skipped])


def skip_problems(where: str, truth: dict, shown: dict) -> list[str]:
    """The asked and the answered both printed, a few apart."""
    if shown.get("asked") is None or shown.get("answered") is None:
        return []
    gap = shown["asked"] - shown["answered"]
    return [f"{where}: {gap} skipped, printed by subtraction"] if 0 < gap < T else []


def ranking_table(where: str, truth: dict, shown: dict, places: int, asked: int) -> list[str]:
    """Solve the options x places table of a ranking from everything printed about it."""
    options = shown["options"]
    true_rows = {
        o["key"]: tuple(int(o["counts"].get(str(p), 0)) for p in range(1, places + 1))
        for o in truth["options"]
    }
    answered = shown["answered"]
    possible_answered = (
        [answered] if answered is not None else [asked - s for s in range(1, T) if asked - s >= 0]
    )
    top = max(possible_answered)
    candidates = []
    for option in options:
        ranked, first, borda = option["ranked"], option["first"], option["borda"]
        if ranked is None:
            ranked_range = label_bounds(
                {
                    "secondary": option.get("ranked_secondary"),
                    "withheld": option.get("ranked_withheld"),
                    "range": (0, T - 1) if option.get("base_hidden") else None,
                },
                top,
            )
        else:
            ranked_range = (ranked, ranked)
        if first is None:
            first_range = label_bounds(
                {
                    "secondary": option.get("first_secondary"),
                    "withheld": option.get("first_withheld"),
                    "range": (0, T - 1) if option.get("base_hidden") else None,
                },
                top,
            )
        else:
            first_range = (first, first)
        rows = []
        for cells in itertools.product(range(0, min(ranked_range[1], top) + 1), repeat=places):
            total = sum(cells)
            if not ranked_range[0] <= total <= ranked_range[1]:
                continue
            if not first_range[0] <= cells[0] <= first_range[1]:
                continue
            points = sum((places - p) * c for p, c in enumerate(cells))
            if borda is not None and abs(points - borda) > 1e-9:
                continue
            if option["mean_rank"] is not None and (
                not total
                or abs(sum((p + 1) * c for p, c in enumerate(cells)) / total - option["mean_rank"])
                > 1e-9
            ):
                continue
            rows.append(cells)
        assert true_rows[option["key"]] in rows, f"{where}: the model rejects {option['key']}"
        candidates.append(rows)
    # Columns: every respondent who answered fills every place (the test data ranks 3 of 5).
    forward = [{(0,) * places}]
    for rows in candidates:
        states = set()
        for state in forward[-1]:
            for row in rows:
                total = tuple(a + b for a, b in zip(state, row, strict=True))
                if max(total) <= top:  # no column holds more than those who answered
                    states.add(total)
        forward.append(states)
    finals = {(a,) * places for a in possible_answered}
    reachable = forward[-1] & finals
    feasible: list[set[tuple]] = [set() for _ in candidates]
    backward = reachable
    for index in range(len(candidates) - 1, -1, -1):
        before = set()
        for state in forward[index]:
            for row in candidates[index]:
                if tuple(a + b for a, b in zip(state, row, strict=True)) in backward:
                    before.add(state)
                    feasible[index].add(row)
        backward = before
    problems = []
    for option, rows in zip(options, feasible, strict=True):
        for place in range(places):
            values = {row[place] for row in rows}
            value = next(iter(values)) if len(values) == 1 else 0
            if 0 < value < T:
                problems.append(f"{where}: {option['key']} ranked {place + 1} by {value}: pinned")
        if option["ranked"] is not None and option["first"] is not None:
            rest = option["ranked"] - option["first"]
            if 0 < rest < T:
                problems.append(f"{where}: {option['key']} ranked but not first by {rest}")
    answers = {state[0] for state in reachable}
    if answered is None and len(answers) == 1 and 0 < asked - next(iter(answers)) < T:
        problems.append(f"{where}: the skippers are determined by the columns")
    return problems


def mean_checker(histogram: Sequence[dict], hidden: list[int], mean, count) -> Callable:
    """Whether hidden interval counts agree with a printed mean (open ends bound nothing)."""

    def ok(values) -> bool:
        if mean is None or count is None:
            return True
        counts = [e["count"] for e in histogram]
        for i, v in zip(hidden, values, strict=False):
            counts[i] = v
        last = len(histogram) - 1
        target = mean * count
        if all(e["from"] is not None for e in histogram):
            low = sum(e["from"] * c for e, c in zip(histogram, counts, strict=False))
            if low - 0.05 * count - 1e-9 > target:
                return False
        if all(e["to"] is not None for e in histogram):
            high = sum(
                (e["to"] if i == last else e["to"] - 1) * c
                for i, (e, c) in enumerate(zip(histogram, counts, strict=False))
            )
            if target > high + 0.05 * count + 1e-9:
                return False
        return True

    return ok
