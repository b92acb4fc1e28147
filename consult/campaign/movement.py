"""The movement in figures: what the public pages, the outcomes snapshot and the export share.

Every public figure of the campaign is computed here, by one function, from plain signatory
records (``Signatory``): the public campaign page builds them from the verified pledges, the
snapshot freezes the figures they give, and a test rebuilds the records from the campaign
export and checks that it finds the same figures. Only verified pledges ever become records.

No Flask here: it runs the same from a view, the command line or a test.

The public small-cell rule (hide figures based on fewer than 5 people) does not apply: a
signatory is an institution whose joining is a public act, listed by name on the campaign
page; a count of them gives away nothing the list does not already show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from consult.campaign.figures import MILESTONES, milestones_from, verified_pledges
from consult.campaign.models import OWN_COMMITMENT_KEY, CommitmentOption, Pledge

#: How many of the most chosen commitments the deck slide and the outcomes section show.
TOP_COMMITMENTS = 5


@dataclass(frozen=True)
class Signatory:
    """A verified signatory as the public sees it (no contact data)."""

    pledge_id: int
    institution_name: str
    level: str
    country: str
    region: str
    population_band: str | None
    joined_on: date
    is_pioneer: bool
    #: Keys of the staff's commitment options the institution took.
    commitments: tuple[str, ...] = ()
    own_commitment: str = ""
    signatory_name: str = ""
    signatory_office: str = ""
    #: Latest progress year reported, and commitment key -> (status, text) for that year.
    progress_year: int | None = None
    progress: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def signatory(pledge: Pledge) -> Signatory:
    """Return the public record of a verified pledge."""
    latest = max((report.year for report in pledge.reports), default=None)
    return Signatory(
        pledge_id=pledge.id,
        institution_name=pledge.institution_name,
        level=pledge.level,
        country=pledge.country,
        region=pledge.region,
        population_band=pledge.population_band,
        joined_on=pledge.joined_on or (pledge.decided_at or pledge.created_at).date(),
        is_pioneer=pledge.is_pioneer,
        commitments=tuple(choice.option.key for choice in pledge.commitments),
        own_commitment=pledge.own_commitment,
        signatory_name=pledge.signatory_name,
        signatory_office=pledge.signatory_office,
        progress_year=latest,
        progress={
            report.commitment_key: (report.status, report.text)
            for report in pledge.reports
            if report.year == latest
        },
    )


@dataclass(frozen=True)
class Filters:
    """The public page's filters (each None for "all")."""

    region: str | None = None
    level: str | None = None
    country: str | None = None

    def keep(self, record: Signatory) -> bool:
        """Tell whether ``record`` passes every filter that is set."""
        return (
            (self.region is None or record.region == self.region)
            and (self.level is None or record.level == self.level)
            and (self.country is None or record.country == self.country)
        )

    @property
    def is_set(self) -> bool:
        """Tell whether any filter is set."""
        return any((self.region, self.level, self.country))


def select(records: Iterable[Signatory], filters: Filters) -> list[Signatory]:
    """Return the records that pass ``filters``, in joining order."""
    return sorted((r for r in records if filters.keep(r)), key=lambda r: (r.joined_on, r.pledge_id))


def _counts(values: Iterable[str]) -> dict[str, int]:
    # Most first, then by key: the same order wherever the figures are shown.
    counted = Counter(values)
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def figures(records: Sequence[Signatory], option_keys: Sequence[str] = ()) -> dict[str, Any]:
    """Return every figure of the movement from its verified signatories (JSON-ready).

    ``option_keys`` lists the staff's commitment options, so that one nobody chose still
    appears with 0. The institution's own words count as the key ``own`` when not empty.
    """
    chosen = Counter(key for r in records for key in r.commitments)
    own = sum(1 for r in records if r.own_commitment.strip())
    commitments = {key: chosen.get(key, 0) for key in option_keys}
    commitments.update({key: n for key, n in chosen.items() if key not in commitments})
    ordered = dict(sorted(commitments.items(), key=lambda item: (-item[1], item[0])))
    dates = [r.joined_on for r in records]
    return {
        "total": len(records),
        "pioneers": sum(1 for r in records if r.is_pioneer),
        "countries": len({r.country for r in records}),
        "milestones": [
            {"target": m.target, "reached_on": m.reached_on.isoformat() if m.reached_on else None}
            for m in milestones_from(dates, MILESTONES)
        ],
        "by_region": _counts(r.region for r in records),
        "by_level": _counts(r.level for r in records),
        "by_country": _counts(r.country for r in records),
        "commitments": ordered,
        "own_commitments": own,
        "first_joined_on": min(dates).isoformat() if dates else None,
        "last_joined_on": max(dates).isoformat() if dates else None,
    }


def next_milestone(figures_: Mapping[str, Any]) -> int | None:
    """Return the first milestone not reached yet (None once 1,000 are reached)."""
    for milestone in figures_["milestones"]:
        if milestone["reached_on"] is None:
            return milestone["target"]
    return None


def top_commitments(figures_: Mapping[str, Any], limit: int = TOP_COMMITMENTS) -> list[tuple]:
    """Return the ``limit`` most chosen commitments (key, count), leaving out those at 0."""
    return [(key, n) for key, n in figures_["commitments"].items() if n][:limit]


def frozen_figures(session: Session, as_of: datetime) -> dict[str, Any]:
    """Return the movement's figures as of ``as_of``, to be frozen with an outcomes snapshot.

    The institutions verified by that day (UTC), with the commitment labels in the three
    languages as they read now and the pledge ids counted, so that a later change of a label
    or a status never changes a frozen figure, and the figures can be traced to the export.
    """
    day = as_of.astimezone(UTC).date()
    records = [
        signatory(pledge)
        for pledge in verified_pledges(session)
        if pledge.joined_on is not None and pledge.joined_on <= day
    ]
    options = session.scalars(
        sql_select(CommitmentOption).order_by(CommitmentOption.position, CommitmentOption.id)
    ).all()
    result = figures(records, [option.key for option in options])
    result["labels"] = {
        option.key: {language: option.label(language) for language in ("en", "fr", "es")}
        for option in options
    }
    result["pledge_ids"] = [record.pledge_id for record in records]
    result["as_of"] = day.isoformat()
    return result


__all__ = [
    "OWN_COMMITMENT_KEY",
    "Filters",
    "Signatory",
    "figures",
    "frozen_figures",
    "next_milestone",
    "select",
    "signatory",
    "top_commitments",
]
