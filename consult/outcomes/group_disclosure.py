"""Group disclosure: no public table of a small group says that all, or all but a few, of it
gave one answer. No Flask here.

Small-cell suppression (consult.outcomes.cells) hides the counts of 1 to T - 1 (T: the small-cell
threshold) and every cell that could be worked out from them, but a zero is not small: a group of
6 reading "Very relevant 6, the others 0" passes it, and anyone who knows which institutions of
that group answered (the campaign and the concept note make participants public) learns each
one's answer. The same table shows through every figure derived from it: a mean at the end of
the scale, a share of 100 %, a heat map cell, a Charter page's ratings, a mean rank of 1, a
number question's intervals. Statistical agencies call this group disclosure and protect
frequency tables from it with a dominance rule; this is that rule for the public outcomes.

The rule. A published distribution of a group of n respondents is withheld when
- n is under the limit (GROUP_DISCLOSURE_LIMIT, 2 x T by default), and
- the respondents outside its largest answer number fewer than T (0 to T - 1): the reader
  would learn that all of the group, or all but a handful, gave that answer.

A distribution is any table whose cells are the group's answers (``tables``): a question's
options (single choice, yes/no); each option of a multiple choice as chose / did not; a matrix
row's scale (the row's respondents: each row is decided on its own); a ranking's first places,
each option's places with "not ranked" as one more, and each option as ranked / not; a number
question's intervals (once its small ends are merged: one interval left has no edges and says
nothing); a text question's themes and frequent words (each as used / not used) and the
languages of its answers.

A withheld table reads like any other withheld table: every cell "not shown", and no word of
why (saying that the group agreed would tell it). Every figure derived from it is withheld with
it: suppression.public_summary applies the rule to each question before it protects any cell,
and the heat map, the Charter pages, the deck, the public page and its downloads take their
figures from the public question. The group's size stays printed: it is the participation.

Why 2 x T. In a group of fewer than 2 x T, a table whose answers outside the largest reach T
has a largest answer under T too: every cell of it is small and hidden already. So at the
default limit a group under 2 x T never shows the count of any answer, and a withheld table
tells a reader nothing that the group's size did not. From 2 x T on, a group can hold two
answers of at least T each, and its agreement is a finding about a group rather than a list of
its members' answers: "all 60 respondents rated it very relevant" is the consultation's result,
and stays shown. A higher limit protects larger groups, at a cost: a table withheld in a group
between 2 x T and the limit then hints that one answer dominates it (though not which).

Not covered: the participation breakdowns (region, country, type, language of the interface)
describe who took part, which the campaign publishes; the rule protects what each one answered.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from consult.outcomes.cells import hide
from consult.outcomes.distribution import MEAN_CHOICES
from consult.outcomes.number_bins import merge_small_ends

#: The figures of a question derived from its table, withheld with it.
DERIVED = ("mean", "median", "q1", "q3", "min", "max", "uncoded", *MEAN_CHOICES)


def default_limit(threshold: int) -> int:
    """The group size from which a table may say that everyone gave one answer: 2 x T."""
    return 2 * threshold


def limit_in_force(limit: int | None, threshold: int) -> int:
    """The configured limit (GROUP_DISCLOSURE_LIMIT), or the default when none is set."""
    return default_limit(threshold) if limit is None else int(limit)


def dominated(counts: Iterable[int | None], group: int | None, threshold: int, limit: int) -> bool:
    """Whether a distribution of ``group`` respondents over ``counts`` tells that all or all but
    a few (fewer than ``threshold``) gave its largest answer, in a group under ``limit``."""
    if not group or group >= limit:
        return False
    largest = max((int(c or 0) for c in counts), default=0)
    return group - largest < threshold


def _either(count: int | None, group: int) -> list[int]:
    """A non-exclusive answer (an option ticked, a theme found) as the table of its group."""
    count = int(count or 0)
    return [count, max(group - count, 0)]


def tables(question: Mapping[str, Any], threshold: int) -> list[tuple[list[int], int]]:
    """The distributions a question's public figures print, each as (cells, group); a matrix
    question's rows are decided one by one (row_table)."""
    kind = question["type"]
    answered = int(question.get("answered") or 0)
    options = question.get("options") or []
    if kind in ("single_choice", "yes_no"):
        return [([o.get("count") or 0 for o in options], answered)]
    if kind == "multiple_choice":
        found = []
        for option in options:
            group = int(option.get("base") or answered)
            found.append((_either(option.get("count"), group), group))
        return found
    if kind == "ranking":
        found = [([o.get("first") or 0 for o in options], answered)]
        for option in options:
            ranked = int(option.get("ranked") or 0)
            places = [int(n or 0) for n in (option.get("counts") or {}).values()]
            found.append(([*places, max(answered - ranked, 0)], answered))
            found.append((_either(ranked, answered), answered))
        return found
    if kind == "number":
        intervals = copy.deepcopy(list(question.get("histogram") or []))
        merge_small_ends(intervals, threshold)
        if len(intervals) < 2:
            return []  # one interval: "all answers", printed without its edges
        return [([e.get("count") or 0 for e in intervals], int(question.get("count") or 0))]
    if kind in ("short_text", "long_text"):
        themes = question.get("themes") or []
        found = [(_either(t.get("count"), answered), answered) for t in themes]
        for pairs in (question.get("terms") or {}).values():
            found.extend((_either(n, answered), answered) for _term, n in pairs)
        languages = list((question.get("languages") or {}).values())
        if languages:
            found.append((languages, answered))
        return found
    return []


def row_table(row: Mapping[str, Any]) -> tuple[list[int], int]:
    """A matrix row's distribution: its scale's counts, over the row's respondents."""
    return [e.get("count") or 0 for e in row.get("distribution") or []], int(row["answered"] or 0)


def question_withheld(question: Mapping[str, Any], threshold: int, limit: int) -> bool:
    """Whether any table of a question (its rows apart) gives its small group's answer away."""
    return any(dominated(c, n, threshold, limit) for c, n in tables(question, threshold))


def row_withheld(row: Mapping[str, Any], threshold: int, limit: int) -> bool:
    """Whether a matrix row's table gives its small group's answer away."""
    counts, group = row_table(row)
    return dominated(counts, group, threshold, limit)


def _withhold_cells(entries: Sequence[MutableMapping[str, Any]], *fields: str) -> None:
    """Every cell "not shown", as a table withheld whole (cells.protect_total) reads."""
    for entry in entries:
        hide(entry, *fields)
        entry.pop("secondary", None)
        entry["withheld"] = True


def withhold_tables(question: MutableMapping[str, Any]) -> None:
    """Withhold a question's tables and every figure derived from them, keeping how many were
    asked and answered (the group's size, which a withheld table prints as any other)."""
    question["table_withheld"] = True
    for field in DERIVED:
        if question.get(field) is not None:
            question[field] = None
    if "uncoded" in question:
        question["uncoded_withheld"] = True
    kind = question["type"]
    options = question.get("options") or []
    if kind == "ranking":
        for option in options:
            option["counts"] = {}
            for field in ("ranked", "first"):
                option.update({field: None, f"share_{field}": None, f"{field}_withheld": True})
                option.pop(f"{field}_secondary", None)
            option.update(borda=None, mean_rank=None, suppressed=True)
        if question.get("max_borda") is not None:
            question["max_borda"] = None
    else:
        _withhold_cells(options)
    if "other_texts" in question:
        question["other_texts"] = []
    if question.get("histogram"):
        _withhold_cells(question["histogram"])
        # Open-ended, as a shown histogram's (derived_cells.protect_number_extremes).
        question["histogram"][0]["from"] = question["histogram"][-1]["to"] = None
    if question.get("themes"):
        for theme in question["themes"]:
            theme["quotes"] = []
        _withhold_cells(question["themes"])
    if "terms" in question:
        question["terms"] = {}
    if question.get("languages"):
        question["languages_withheld"] = sorted(question["languages"])
        question["languages_secondary"] = []
        question["languages"] = dict.fromkeys(question["languages"])


def withhold_row(row: MutableMapping[str, Any]) -> None:
    """Withhold a matrix row's table and its mean, keeping how many answered the row."""
    row["table_withheld"] = True
    _withhold_cells(row.get("distribution") or [])
    row["counts"] = {}
    row["mean"] = None
    row["scored"] = row["unscored"] = None


def withheld_table(entry: Mapping[str, Any]) -> bool:
    """Whether a public question or matrix row had its table withheld by this rule (for the
    outputs that carry its figures elsewhere: the heat map, the cross-tabulation)."""
    return bool(entry.get("table_withheld"))
