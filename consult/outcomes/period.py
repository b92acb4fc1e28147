"""The consultation period an outcome covers: from when its questionnaires opened to its cut-off.

What an audience means by "period" is how long the consultation ran, not the days the first
and the last response came in: those are one respondent's each, and saying them tells when
that person answered. The period starts on the day the questionnaires opened (their
definitions' ``opens_at``, the earliest version's) and ends at the snapshot's cut-off, or on
the day they closed when that came first; a snapshot the analyst limited to responses
submitted between two days covers those days (within that). A summary frozen before it kept
the opening days starts at the month of its first released running total instead (never a
day). Every output that states a period (the deck's methodology slide, its speaker notes, and
through the deck its PPTX and PDF) takes it from here. Needs a request (or test request)
context for the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from consult.i18n import format_month
from consult.outcomes.formatting import data_time, long_date


@dataclass(frozen=True)
class Period:
    """The consultation period of a summary, in the snapshot's time zone."""

    #: The day the first questionnaire opened, or (``start_is_month``) a day of the month of
    #: the first released running total; None when neither is known.
    start: date | None
    #: The cut-off's day, or the day the last questionnaire closed when that came first.
    end: date
    #: The start is known only to the month (a summary frozen without the opening days).
    start_is_month: bool = False
    #: Every questionnaire had closed by the cut-off (the end is their closing day).
    closed: bool = False
    #: The snapshot covers only the responses submitted between two days the analyst chose
    #: (its filters): the period is those days, within the consultation's.
    limited: bool = False


def _moment(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def consultation_period(
    summary: Mapping[str, Any], data_as_of: str | datetime, timezone: str
) -> Period:
    """Return the period ``summary`` covers, its cut-off being ``data_as_of``."""
    zone = ZoneInfo(timezone)
    cut_off = _moment(data_as_of).astimezone(zone)
    questionnaires = summary.get("questionnaires") or []
    opens = [_moment(q["opens_at"]) for q in questionnaires if q.get("opens_at")]
    closes = [_moment(q["closes_at"]) for q in questionnaires if q.get("closes_at")]
    closed = bool(closes) and len(closes) == len(questionnaires) and max(closes) < cut_off
    end = (max(closes).astimezone(zone) if closed else cut_off).date()
    filters = summary.get("filters") or {}
    chosen_from, chosen_to = filters.get("submitted_from"), filters.get("submitted_to")
    if chosen_to and date.fromisoformat(chosen_to) < end:
        end, closed = date.fromisoformat(chosen_to), False
    if opens:
        start = min(opens).astimezone(zone).date()
        if chosen_from and date.fromisoformat(chosen_from) > start:
            start = date.fromisoformat(chosen_from)
        limited = bool(chosen_from or chosen_to)
        return Period(start, end, closed=closed and not limited, limited=limited)
    # Frozen before the opening days were kept: the month of the first total shown.
    days = [
        q["participation"]["per_day"][0]["date"]
        for q in questionnaires
        if (q.get("participation") or {}).get("per_day")
    ]
    start = date.fromisoformat(min(days)[:10]) if days else None
    return Period(start, end, start_is_month=True, closed=closed)


def _start_text(period: Period) -> str:
    assert period.start is not None
    if period.start_is_month:
        return format_month(period.start)
    return long_date(period.start)


def _kept_together(text: str) -> str:
    """A date whose day stays with its month at a line break ("4 / décembre" reads badly)."""
    return text.replace(" ", "\u00a0", 1)


def period_text(period: Period) -> str:
    """The period as the methodology slide writes it: "15 November 2021 to 22 February 2022"
    (each day held to its month by a no-break space)."""
    end = _kept_together(long_date(period.end))
    if period.start is None:
        return _("Until %(end)s", end=end)
    start = _kept_together(_start_text(period))
    if period.start_is_month:
        return _("%(month)s to %(last)s", month=start, last=end)
    return _("%(first)s to %(last)s", first=start, last=end)


def period_note(period: Period, data_as_of: str | datetime, timezone: str) -> str:
    """The speaker's sentence on the period and the cut-off (the methodology slide's notes)."""
    cut_off = data_time(data_as_of, timezone)
    if period.start is None:
        return _(
            "The figures stop at %(cut_off)s, and anything submitted later is not in them.",
            cut_off=cut_off,
        )
    start = _start_text(period)
    if period.limited:
        return _(
            "These outcomes cover only the responses submitted from %(start)s to %(end)s; the "
            "figures stop at %(cut_off)s.",
            start=start,
            end=long_date(period.end),
            cut_off=cut_off,
        )
    if period.start_is_month:
        return _(
            "Responses came in from %(start)s; the figures stop at %(cut_off)s, and anything "
            "submitted later is not in them.",
            start=start,
            cut_off=cut_off,
        )
    if period.closed:
        return _(
            "The questionnaires were open from %(start)s to %(end)s; the figures include "
            "everything submitted until they closed (cut-off %(cut_off)s).",
            start=start,
            end=long_date(period.end),
            cut_off=cut_off,
        )
    return _(
        "The questionnaires opened on %(start)s and were still open at the cut-off, "
        "%(cut_off)s: anything submitted later is not in the figures.",
        start=start,
        cut_off=cut_off,
    )
