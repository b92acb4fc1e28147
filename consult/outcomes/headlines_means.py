"""Headline sentences of ordinal matrices: the rows with the highest and the lowest mean score,
each saying what the mean leaves out and from how many respondents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes.formatting import mean_text, number, t
from consult.outcomes.headline_parts import Headline, may_lead, ties


def _shown_mean(row: Mapping[str, Any]) -> str:
    """A mean as every output prints it (formatting.mean_text): two rows that print the same
    are level on stage, whatever their next decimal says."""
    return mean_text(row["mean"])


def _scale_text(question: Mapping[str, Any]) -> str:
    low, high = question["score_range"]
    return _("on a scale from %(low)s to %(high)s", low=number(low), high=number(high))


def matrix_extremes(
    question: Mapping[str, Any], minimum: int = 1
) -> tuple[list[Mapping[str, Any]], Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """The rows a sentence may name (a printed mean scored by at least ``minimum``), and the
    highest and the lowest of them, each None when it may not be named: a mean hidden although
    not small (may_lead), or a mean printed without its base (a few skipped the row, or its
    "don't know" is hidden) at or past it, which may be the true highest or lowest."""
    if may_lead(question["rows"], "mean"):
        return [], None, None
    printed = [r for r in question["rows"] if r.get("mean") is not None]
    rows = [r for r in printed if (r.get("scored") or 0) >= minimum]
    if not rows:
        return [], None, None
    unbased = [r for r in printed if r.get("scored") is None]
    high = max(rows, key=lambda r: (r["mean"], r["key"]))
    low = min(rows, key=lambda r: (r["mean"], r["key"]))
    if any(r["mean"] >= high["mean"] for r in unbased):
        high = None
    if any(r["mean"] <= low["mean"] for r in unbased):
        low = None
    return rows, high, low


def matrix_headlines(question: Mapping[str, Any], minimum: int = 1) -> list[Headline]:
    """The rows with the highest and the lowest mean score of an ordinal matrix, among rows
    scored by at least ``minimum`` respondents; rows level with either are named too, and
    when every row has the same mean only one sentence is said (no row is "lowest")."""
    rows, high, low = matrix_extremes(question, minimum)
    if high is None and low is None:
        return []
    if high is not None and low is not None and _shown_mean(high) == _shown_mean(low):
        pairs = [("mean_high", high)]
    else:
        pairs = [(s, r) for s, r in (("mean_high", high), ("mean_low", low)) if r is not None]
    # A public summary hides a small "don't know" count (None): there were some all the same.
    unscored = any(r.get("unscored", 0) != 0 for r in question["rows"])
    left_out = (
        _("“don't know” answers are left out of the mean")
        if unscored
        else _("every answer carries a score")
    )
    result = []
    for statistic, row in pairs:
        figures = {
            "row": t(row["label"]),
            "mean": _shown_mean(row),
            "scale": _scale_text(question),
            "n": number(row["scored"]),
            "left_out": left_out,
        }
        sentence = (
            ngettext(
                "“%(row)s” has the highest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondent who gave it a score (%(left_out)s).",
                "“%(row)s” has the highest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s).",
                row["scored"] or 0,
                **figures,
            )
            if statistic == "mean_high"
            else ngettext(
                "“%(row)s” has the lowest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondent who gave it a score (%(left_out)s).",
                "“%(row)s” has the lowest mean score: %(mean)s %(scale)s, from the %(n)s "
                "respondents who gave it a score (%(left_out)s).",
                row["scored"] or 0,
                **figures,
            )
        )
        sentence = ties(
            sentence,
            [t(r["label"]) for r in rows if r is not row and _shown_mean(r) == _shown_mean(row)],
        )
        result.append(
            Headline(
                statistic,
                question["key"],
                row["key"],
                float(row["mean"]),
                f"{_shown_mean(row)}/{number(question['score_range'][1])}",
                t(row["label"]),
                sentence,
                t(question["label"]),
                ngettext(
                    "n = %(n)s respondent who gave a score",
                    "n = %(n)s respondents who gave a score",
                    row["scored"] or 0,
                    n=number(row["scored"]),
                ),
            )
        )
    return result
