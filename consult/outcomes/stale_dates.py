"""Dates a slide names that lie before its data time: the closing slide's stale claims.

The closing slide speaks of what comes next. A date it names that lies wholly before the
snapshot's data time ("UCLG World Congress, Daejeon, October 2022" on a deck of December 2026)
states the past as the future. This module finds such dates in English, French and Spanish
texts (a year, a month and year, a day, month and year, in each language's usual forms);
the closing slide's form refuses them unless staff confirm, and its page flags them.
Plain Python, no Flask.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date

from babel.dates import get_month_names

LANGUAGES = ("en", "fr", "es")


@dataclass(frozen=True)
class DateMention:
    """A date named in a text, and the last day it covers."""

    text: str
    last_day: date


@functools.cache
def _months() -> dict[str, int]:
    """Every month name of the deck's languages, lower case, to its number."""
    names: dict[str, int] = {}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, "format", language).items():
                names[name.lower().rstrip(".")] = number
    return names


@functools.cache
def _pattern() -> re.Pattern[str]:
    months = "|".join(sorted((re.escape(m) for m in _months()), key=len, reverse=True))
    day = r"(?P<day>[0-3]?\d)(?:er|º|st|nd|rd|th)?"
    return re.compile(
        rf"(?:\b{day}[\s\u00a0]+(?:de[\s\u00a0]+)?(?P<month>{months})\.?,?[\s\u00a0]+"
        rf"(?:de(?:l)?[\s\u00a0]+)?(?P<year>(?:19|20)\d\d)\b)"
        rf"|(?:\b(?P<month2>{months})\.?[\s\u00a0]+(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?,?"
        rf"[\s\u00a0]+(?P<year2>(?:19|20)\d\d)\b)"
        rf"|(?:\b(?P<month3>{months})\.?,?[\s\u00a0]+(?:de(?:l)?[\s\u00a0]+)?"
        rf"(?P<year3>(?:19|20)\d\d)\b)"
        rf"|(?:\b(?P<year4>(?:19|20)\d\d)\b)",
        re.IGNORECASE,
    )


def date_mentions(text: str) -> list[DateMention]:
    """Every date ``text`` names, each with the last day it covers, in order."""
    mentions = []
    months = _months()
    for match in _pattern().finditer(text or ""):
        groups = match.groupdict()
        try:
            if groups["year"] or groups["year2"]:
                year = int(groups["year"] or groups["year2"])
                month = months[(groups["month"] or groups["month2"]).lower()]
                last = date(year, month, int(groups["day"] or groups["day2"]))
            elif groups["year3"]:
                year, month = int(groups["year3"]), months[groups["month3"].lower()]
                last = date(year, month, calendar.monthrange(year, month)[1])
            else:
                last = date(int(groups["year4"]), 12, 31)
        except ValueError:  # "31 June 2022": no such day, but the year is still named
            year = int(next(groups[k] for k in ("year", "year2", "year3") if groups[k]))
            last = date(year, 12, 31)
        mentions.append(DateMention(match.group(0), last))
    return mentions


def past_dates(text: str, as_of: date) -> list[str]:
    """The dates ``text`` names that lie wholly before ``as_of`` (the data time's day)."""
    return [mention.text for mention in date_mentions(text) if mention.last_day < as_of]
