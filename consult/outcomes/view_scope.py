"""What a view holds of each thing the outcomes show, and what they say when they show none of
it: the one rule for every zero or absence the deck (and the pages' region map) states.

A filtered snapshot is a view of part of the consultation. Something it shows nothing of is one
of three cases, and each is said differently:
- the view covers it and there is none ("No published contribution yet", or "... matches these
  filters" of a filtered view);
- the view does not cover it (open contributions under a filter that cannot apply to them:
  consult.outcomes.coverage): said with the coverage sentence the snapshot page prints, never
  as "0 published";
- it exists, but outside the view (the quotes chosen for the deck, all from respondents the
  filter leaves out; a region the filter excludes): said as outside, or not listed, never as
  "none yet" or "0".
Nothing to show and nothing to say (no quote chosen at all) leaves the slide out.

The deck's figures (snapshot_views.deck_figures) record what the public summary drops and these
sentences need (``summary["view_scope"]``, see ``scope_record``). Needs a request (or test
request) context for the language, like ``presenting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.outcomes import coverage
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.formatting import number

#: Questions whose answer fixes the respondent's region (a condition on them excludes regions).
GEOGRAPHIC_QUESTIONS = ("region", "country")


def scope_record(staff_summary: Mapping[str, Any], contributions_left_out: int | None) -> dict:
    """What the deck's sentences need that the public summary does not keep: how many published
    contributions a view that leaves them out would have matched (the snapshot page's count),
    and how many quotes chosen for the deck fall outside the view."""
    return {
        "contributions_left_out": contributions_left_out,
        "quotes_outside": sum(
            1 for quote in staff_summary.get("quotes") or () if quote.get("status") == "outside"
        ),
    }


def _filters(summary: Mapping[str, Any]) -> SummaryFilter:
    return SummaryFilter.from_dict(summary.get("filters"))


def is_filtered(summary: Mapping[str, Any]) -> bool:
    """Whether the summary is of part of the consultation only."""
    return any((summary.get("filters") or {}).values())


def covers_contributions(summary: Mapping[str, Any]) -> bool:
    """Whether the view shows open contributions at all (consult.outcomes.coverage's rule)."""
    return coverage.covers_contributions(_filters(summary))


def contributions_left_out_text(count: int | None) -> str:
    """The sentence of a view that leaves the contributions out: the snapshot page's, with how
    many published contributions match the other filters (without it when not known)."""
    if count is None:
        return _(
            "Open contributions are not covered by this view: a contribution answers no "
            "questionnaire question, and its author gives only a broad type."
        )
    return ngettext(
        "Open contributions are not covered by this view: a filter marked “left out of this "
        "view” cannot apply to them (a contribution answers no questionnaire question, and its "
        "author gives only a broad type). %(n)s published contribution matches the other "
        "filters; it is counted in the unfiltered outcomes.",
        "Open contributions are not covered by this view: a filter marked “left out of this "
        "view” cannot apply to them (a contribution answers no questionnaire question, and its "
        "author gives only a broad type). %(n)s published contributions match the other "
        "filters; they are counted in the unfiltered outcomes.",
        count,
        n=number(count),
    )


def contributions_count(summary: Mapping[str, Any]) -> int | None:
    """How many published contributions the view counts; None when it does not cover them
    (never a 0 that would read as "none were published")."""
    if not covers_contributions(summary):
        return None
    return (summary.get("contributions") or {}).get("total") or 0


def no_contribution_text(summary: Mapping[str, Any]) -> str:
    """What the contributions slide says when it shows none: not covered, none in this view,
    or none yet."""
    if not covers_contributions(summary):
        record = summary.get("view_scope") or {}
        return contributions_left_out_text(record.get("contributions_left_out"))
    if is_filtered(summary):
        return _("No published contribution matches these filters.")
    return _("No published contribution yet.")


def quotes_absence(summary: Mapping[str, Any]) -> str:
    """What the quotes slide says when it has no quote to show: that the quotes chosen fall
    outside this view; "" when none was chosen (the slide is then left out: a slide with
    nothing to show says nothing to an audience)."""
    outside = (summary.get("view_scope") or {}).get("quotes_outside") or 0
    if not outside:
        return ""
    if is_filtered(summary):
        return ngettext(
            "The %(n)s quote chosen by UCLG CISDP comes from outside this view: it is not "
            "shown here.",
            "The %(n)s quotes chosen by UCLG CISDP come from outside this view: none is shown "
            "here.",
            outside,
            n=number(outside),
        )
    return ngettext(
        "The %(n)s quote chosen by UCLG CISDP was given after the data time: it is not shown here.",
        "The %(n)s quotes chosen by UCLG CISDP were given after the data time: none is shown here.",
        outside,
        n=number(outside),
    )


def regions_in_view(summary: Mapping[str, Any]) -> set[str] | None:
    """The UCLG regions a view can hold responses from (None: every region). A filter on a
    region keeps that one; on a country (or an answer fixing the region or country), the
    regions its responses come from: the others are excluded by the filter, not zero."""
    filters = _filters(summary)
    if filters.region:
        return {filters.region}
    answers = [c for c in filters.answers if c.question in GEOGRAPHIC_QUESTIONS]
    if not filters.country and not answers:
        return None
    regions = {c.option for c in answers if c.question == "region"}
    if regions:
        return regions
    return {
        entry["key"]
        for questionnaire in summary.get("questionnaires") or ()
        for entry in questionnaire["participation"]["by_region"]
        if entry.get("key") and (entry.get("count") or entry.get("suppressed"))
    }
