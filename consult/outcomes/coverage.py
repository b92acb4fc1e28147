"""Which channels of the consultation each summary filter covers: the one rule the summary, the
freeze, the pages and the downloads follow. No Flask here.

The consultation has two channels: questionnaire responses and open contributions. Every filter
applies to the responses. For the contributions:
- a region, a country, a language or a period applies to them too (a contribution has a
  region, a country, the language it is written in and a date written);
- a type of respondent applies when contributions know that type (the partners' organisation
  types: civil society, academia, ...); a local-government subtype (municipality, metropolis,
  ...) does not exist for a contribution, whose author says only "local government", so the
  view leaves contributions out rather than show a false zero;
- a questionnaire filter does not apply: contributions belong to no questionnaire, and the view
  shows them all (as filtered by the other conditions);
- an answer to a closed question does not apply either: a contribution answers no question, so
  the view leaves contributions out and says how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from consult.contributions.models import ORGANISATION_TYPES
from consult.outcomes.filters import SummaryFilter

#: The channels, in the order the pages list them.
CHANNELS = ("responses", "contributions")
#: How a filter treats a channel.
APPLIED = "applied"  # the channel's figures are narrowed by the filter
NOT_APPLIED = "not_applied"  # the channel is shown, but the filter does not narrow it
LEFT_OUT = "left_out"  # the filter cannot apply: the view shows nothing of the channel


@dataclass(frozen=True)
class FilterCoverage:
    """One condition of a filter and how it treats each channel."""

    #: questionnaire, region, respondent_type, submitted_from, submitted_to or answer.
    kind: str
    #: The condition's value (an answer condition as "question:option").
    value: str
    responses: str
    contributions: str


def _type_reaches_contributions(respondent_type: str) -> bool:
    return respondent_type in ORGANISATION_TYPES


def coverage(filters: SummaryFilter) -> list[FilterCoverage]:
    """Each condition of ``filters`` with how it treats responses and contributions."""
    rows = []
    if filters.questionnaire:
        rows.append(FilterCoverage("questionnaire", filters.questionnaire, APPLIED, NOT_APPLIED))
    if filters.region:
        rows.append(FilterCoverage("region", filters.region, APPLIED, APPLIED))
    if filters.country:
        rows.append(FilterCoverage("country", filters.country, APPLIED, APPLIED))
    if filters.language:
        rows.append(FilterCoverage("language", filters.language, APPLIED, APPLIED))
    if filters.respondent_type:
        reach = APPLIED if _type_reaches_contributions(filters.respondent_type) else LEFT_OUT
        rows.append(FilterCoverage("respondent_type", filters.respondent_type, APPLIED, reach))
    if filters.submitted_from:
        day = filters.submitted_from.isoformat()
        rows.append(FilterCoverage("submitted_from", day, APPLIED, APPLIED))
    if filters.submitted_to:
        day = filters.submitted_to.isoformat()
        rows.append(FilterCoverage("submitted_to", day, APPLIED, APPLIED))
    for condition in filters.answers:
        rows.append(FilterCoverage("answer", condition.as_text(), APPLIED, LEFT_OUT))
    return rows


def covers_contributions(filters: SummaryFilter) -> bool:
    """Whether a view with ``filters`` shows open contributions at all."""
    return all(row.contributions != LEFT_OUT for row in coverage(filters))


def contribution_filter(filters: SummaryFilter) -> SummaryFilter:
    """The part of ``filters`` that can narrow contributions (region, dates, a known type)."""
    respondent_type = filters.respondent_type
    if respondent_type and not _type_reaches_contributions(respondent_type):
        respondent_type = None
    return replace(filters, questionnaire=None, respondent_type=respondent_type, answers=())
