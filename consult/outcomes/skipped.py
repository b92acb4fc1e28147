"""The respondents who were offered a question and skipped it, as a cell of its table.

A question's public line says how many were asked and how many answered; the difference is the
number who skipped it. Asked = answered + skipped is a table like any other: when the skippers
are a small group (1 to threshold - 1), printing both figures would single them out, and the
asked cannot be hidden (for a question every respondent saw, it is the questionnaire's count of
responses). So the skippers become one more hidden cell of the question's own table (the options
of a single choice, the intervals of a number, the languages of a text, a matrix row's scale, a
ranking's columns), protected by a partner like any small cell, and every figure that gives the
number who answered back (the answered count, the shares of it, a Borda maximum, an average
number of choices, a mean of numbers, the answers with no theme) is withheld. Pages say "not
shown (protects a small group)". No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from consult.outcomes.cells import is_small
from consult.outcomes.distribution import MEAN_CHOICES

#: The key of the skippers' cell (never printed: the pages say the answered count is withheld).
SKIPPED = "_skipped"


def small_skip(asked: int | None, answered: int | None, threshold: int) -> int:
    """The number who were asked and did not answer, when it is a small group; else 0."""
    if asked is None or not answered:
        return 0  # nobody answered: no figure is printed but "no answers yet"
    skipped = asked - answered
    return skipped if is_small(skipped, threshold) else 0


def skip_cells(skipped: int, weight: int = 1) -> list[dict[str, Any]]:
    """The skippers as one more cell of a table adding up to the asked (none when 0).

    ``weight``: how often a skipper counts in the table's total (a ranking's places filled).
    """
    return [{"key": SKIPPED, "count": skipped, "weight": weight}] if skipped else []


def withhold_answered(question: MutableMapping[str, Any]) -> None:
    """Withhold every figure of a question that gives the number who answered it back."""
    question["answered"] = question["base"] = None
    question["not_answered"] = None
    question["answered_secondary"] = True
    for field in ("count", "mean", "max_borda", "uncoded", *MEAN_CHOICES):
        if question.get(field) is not None:
            question[field] = None
    if "uncoded" in question:
        question["uncoded_withheld"] = True
    for entries in ("options", "themes"):
        for entry in question.get(entries) or []:
            for field in ("share", "share_first", "share_ranked"):
                if field in entry:
                    entry[field] = None


def withhold_row_answered(row: MutableMapping[str, Any]) -> None:
    """The same for a matrix row, whose shares are of the row's own respondents."""
    row["answered"] = row["base"] = None
    row["scored"] = row["unscored"] = None
    row["answered_secondary"] = True
    for entry in row["distribution"]:
        entry["share"] = None


def withheld_answered(question: Mapping[str, Any]) -> bool:
    """Whether a question's number who answered is withheld to protect the few who skipped it."""
    return bool(question.get("answered_secondary"))
