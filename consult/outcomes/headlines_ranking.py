"""Headline sentences of rankings: the option ranked first most often (first places) and the top
priority overall (Borda score), each naming its statistic, and whether the two agree.

The two statistics can name different options (an option many put first and few ranked at all,
against one most put second). A ranking's finding therefore never names one leader alone: its
last sentence says whether both statistics name the same single option, name different ones, or
leave options level (no single leader); where one statistic may not be said (a figure withheld on
a public summary could lead it), it says which one is not said and why (``agreement``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes.formatting import number, percent, t
from consult.outcomes.headline_parts import Headline, answered_base, may_lead, ties


def ranking_headlines(question: Mapping[str, Any]) -> list[Headline]:
    """The option ranked first most often (first places) and the top priority overall (Borda
    score): one sentence each, since the two can name different options; the last one ends
    saying whether they agree (``agreement``)."""
    result = []
    first_leaders = leaders(question, "first")
    top_leaders = leaders(question, "borda")
    if first_leaders:
        first = first_leaders[0]
        base = first.get("base") or question["answered"]
        level = [t(o["label"]) for o in first_leaders if o is not first]
        result.append(
            Headline(
                "first_places",
                question["key"],
                first["key"],
                float(first["first"]),
                percent(first["share_first"]),
                t(first["label"]),
                ties(
                    ngettext(
                        "“%(option)s” was ranked first most often: first choice of %(n)s of "
                        "the %(base)s respondent who answered (%(share)s).",
                        "“%(option)s” was ranked first most often: first choice of %(n)s of "
                        "the %(base)s respondents who answered (%(share)s).",
                        base or 0,
                        option=t(first["label"]),
                        n=number(first["first"]),
                        base=number(base),
                        share=percent(first["share_first"]),
                    ),
                    level,
                ),
                t(question["label"]),
                answered_base(base),
            )
        )
    if top_leaders:
        top = top_leaders[0]
        level = [t(o["label"]) for o in top_leaders if o is not top]
        result.append(
            Headline(
                "borda",
                question["key"],
                top["key"],
                float(top["borda"]),
                _("%(points)s pts", points=number(top["borda"])),
                t(top["label"]),
                ties(
                    ngettext(
                        "“%(option)s” is the top priority overall by Borda score: %(points)s "
                        "points from the %(n)s respondent who ranked up to %(places)s options (a "
                        "first place earns %(places)s points, each next place one point less).",
                        "“%(option)s” is the top priority overall by Borda score: %(points)s "
                        "points from the %(n)s respondents who ranked up to %(places)s options (a "
                        "first place earns %(places)s points, each next place one point less).",
                        question["answered"] or 0,
                        option=t(top["label"]),
                        points=number(top["borda"]),
                        n=number(question["answered"]),
                        places=number(question["places"]),
                    ),
                    level,
                ),
                t(question["label"]),
                answered_base(question["answered"]),
            )
        )
    said = agreement(first_leaders, top_leaders)
    if result and said:
        result[-1] = replace(result[-1], sentence=f"{result[-1].sentence} {said}")
    return result


def leaders(question: Mapping[str, Any], statistic: str) -> list[Mapping[str, Any]]:
    """The options with the most first places (``statistic`` "first") or the most Borda points
    ("borda"), in the question's order; [] when no leader may be named: none has any (a hidden
    option, ranked by a few, is ahead of one with nothing) or a figure withheld although not
    small could lead (may_lead)."""
    options = [o for o in question["options"] if o.get(statistic)]
    if not options or may_lead(question["options"], statistic):
        return []
    best = max(o[statistic] for o in options)
    return [o for o in options if o[statistic] == best]


def agreement(first: list[Mapping[str, Any]], top: list[Mapping[str, Any]]) -> str:
    """Whether first places and Borda points name the same single leader, said so that a
    listener who hears one leader always hears about the other; "" when neither is said."""
    if not first and not top:
        return ""
    if not top:
        return _(
            "Which option has the most Borda points is not said: some Borda points are not "
            "shown, to protect respondents."
        )
    if not first:
        return _(
            "Which option was ranked first most often is not said: some counts of first "
            "places are not shown, to protect respondents."
        )
    if len(first) > 1 or len(top) > 1:
        return _("Options are level, so no single option leads on both measures.")
    if first[0]["key"] == top[0]["key"]:
        return _(
            "Both measures agree: “%(option)s” has both the most first places and the most "
            "Borda points.",
            option=t(first[0]["label"]),
        )
    return _(
        "The two measures disagree: “%(first)s” has the most first places, “%(top)s” the most "
        "Borda points; no single option leads on both.",
        first=t(first[0]["label"]),
        top=t(top[0]["label"]),
    )
