"""The parts every headline sentence is built from: the Headline record, how ties and bases are
said, and when a leader may be named at all (``may_lead``). The sentences themselves live by
statistic family: headlines (choice shares and the choice of findings), headlines_means
(matrix means), headlines_ranking (first places and Borda points), headlines_participation
(who took part)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes.formatting import number


@dataclass(frozen=True)
class Headline:
    """One sentence stating one figure, and the parts a slide shows in large type."""

    #: Which statistic the figure is: "share", "mean_high", "mean_low", "first_places",
    #: "borda".
    statistic: str
    question_key: str
    option_key: str
    #: The figure as computed (a share 0..1, a mean, a number of first places, Borda points).
    value: float
    #: The figure as printed large ("42%", "3.6/4", "17").
    figure: str
    #: The answer it is about.
    answer: str
    #: The whole sentence, figure, statistic and base included.
    sentence: str
    #: The question's wording.
    question: str
    #: "n = 120 respondents who answered".
    base: str


def quoted(labels: list[str]) -> str:
    """Labels in the language's quotation marks, listed."""
    return ", ".join(_("“%(label)s”", label=label) for label in labels)


def ties(sentence: str, others: list[str]) -> str:
    """A sentence naming one leader, completed with those level with it (never hidden)."""
    if not others:
        return sentence
    tied = _("Tied with %(others)s.", others=quoted(others))
    return f"{sentence} {tied}"


def answered_base(count: int | None) -> str:
    return ngettext(
        "n = %(n)s respondent who answered",
        "n = %(n)s respondents who answered",
        count or 0,
        n=number(count),
    )


#: The flags a public summary puts on a figure hidden although it is not small (a cell protected
#: from subtraction, a withheld table, a mean or a Borda score withheld): it may be the largest.
MAY_LEAD = {
    "share": ("secondary", "withheld"),
    "first": ("first_secondary", "first_withheld"),
    "borda": ("borda_withheld", "ranked_secondary", "ranked_withheld"),
    "mean": ("mean_withheld",),
}


def may_lead(items: list[Mapping[str, Any]], figure: str) -> bool:
    """Whether a figure hidden among ``items`` could be above (or below) every one shown: then no
    option or row is called the most chosen, first, top, highest or lowest. A figure hidden for
    its smallness alone stays out: it rests on fewer people than a headline may."""
    return any(item.get(flag) for item in items for flag in MAY_LEAD[figure])
