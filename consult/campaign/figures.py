"""Campaign figures every public page derives from: the verified pledges and the milestones.

Plain queries, no Flask: the public pages, the outcomes snapshot and the export read the same
figures from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult.campaign.models import VERIFIED, Pledge, PledgeCommitment

#: The campaign's milestones: 10 pioneers, 100 by the Daejeon Congress, 1,000 by 2030.
MILESTONES = (10, 100, 1000)


@dataclass(frozen=True)
class Milestone:
    """A milestone, and the day it was reached (None while it is not)."""

    target: int
    reached_on: date | None

    @property
    def is_reached(self) -> bool:
        """Tell whether the milestone was reached."""
        return self.reached_on is not None


def _joining_order():
    # The order in which institutions joined: by day, then by the moment staff decided, then
    # by id (a paper pledge entered later with an earlier day still ranks by its day).
    return (Pledge.joined_on, Pledge.decided_at, Pledge.id)


def verified_pledges(session: Session) -> list[Pledge]:
    """Return the verified pledges in the order they joined, commitments and letters loaded."""
    query = (
        select(Pledge)
        .where(Pledge.status == VERIFIED)
        .options(
            selectinload(Pledge.commitments).joinedload(PledgeCommitment.option),
            selectinload(Pledge.reports),
        )
        .order_by(*_joining_order())
    )
    return list(session.scalars(query))


def verified_count(session: Session) -> int:
    """Return how many institutions have joined (verified pledges)."""
    return session.scalar(select(func.count()).where(Pledge.status == VERIFIED)) or 0


def joining_dates(session: Session) -> list[date]:
    """Return the day each verified institution joined, in joining order."""
    query = select(Pledge.joined_on).where(Pledge.status == VERIFIED).order_by(*_joining_order())
    return [day for day in session.scalars(query) if day is not None]


def milestones_from(dates: list[date], targets: tuple[int, ...] = MILESTONES) -> list[Milestone]:
    """Return each milestone reached on the day of its n-th joining (dates in joining order)."""
    ordered = sorted(dates)
    return [
        Milestone(target, ordered[target - 1] if len(ordered) >= target else None)
        for target in targets
    ]


def milestones(session: Session) -> list[Milestone]:
    """Return the milestones 10, 100 and 1,000 with the day each was reached (or None)."""
    return milestones_from(joining_dates(session))
