"""Headline sentences of rankings: the option ranked first most often (first places) and the top
priority overall (Borda score), each naming its statistic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes.formatting import number, percent, t
from consult.outcomes.headline_parts import Headline, answered_base, may_lead, ties


def ranking_headlines(question: Mapping[str, Any]) -> list[Headline]:
    """The option ranked first most often (first places) and the top priority overall (Borda
    score): one sentence each, since the two can name different options."""
    # A leader with nothing (0 first places, 0 points) is no leader: a hidden option, ranked by
    # a few, is ahead of it.
    options = [o for o in question["options"] if o.get("first")]
    scored = [o for o in question["options"] if o.get("borda")]
    result = []
    if options and not may_lead(question["options"], "first"):
        first = max(options, key=lambda o: (o["first"], -_order(question, o)))
        base = first.get("base") or question["answered"]
        level = [t(o["label"]) for o in options if o is not first and o["first"] == first["first"]]
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
    if scored and not may_lead(question["options"], "borda"):
        top = max(scored, key=lambda o: (o["borda"], -_order(question, o)))
        level = [t(o["label"]) for o in scored if o is not top and o["borda"] == top["borda"]]
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
    return result


def _order(question: Mapping[str, Any], option: Mapping[str, Any]) -> int:
    """Position of an option in the question: ties go to the option listed first."""
    return [o["key"] for o in question["options"]].index(option["key"])
