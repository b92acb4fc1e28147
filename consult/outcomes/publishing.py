"""Publishing the outcomes: which snapshot /outcomes shows, who may publish it, and the rule
that refuses a publication singling out a few responses beside an earlier one.

Plain functions that flush, never commit; each act is written to the staff audit log in the
same unit of work (consult.staff.audit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.outcomes.actors import Actor, OutcomesError
from consult.outcomes.models import OutcomePublication, OutcomePublisher, OutcomeSnapshot
from consult.outcomes.narrowing import Narrowing, NarrowingError, narrowing
from consult.outcomes.snapshots import snapshot_ids
from consult.staff import audit
from consult.staff.models import User


def current_publication(session: Session) -> OutcomePublication | None:
    """Return the publication shown at /outcomes, if any."""
    return session.scalar(
        select(OutcomePublication)
        .where(OutcomePublication.withdrawn_at.is_(None))
        .order_by(OutcomePublication.published_at.desc(), OutcomePublication.id.desc())
        .limit(1)
    )


def may_publish(session: Session, actor: Actor) -> bool:
    """Whether ``actor`` may publish and withdraw the public outcomes: an enabled administrator,
    or an enabled analyst an administrator delegated it to."""
    if not isinstance(actor, User) or not actor.is_enabled:
        return False
    if actor.role == "admin":
        return True
    return actor.role == "analyst" and session.get(OutcomePublisher, actor.id) is not None


def publishers(session: Session) -> list[tuple[OutcomePublisher, User]]:
    """Every delegation to publish, with its account."""
    rows = session.execute(
        select(OutcomePublisher, User)
        .join(User, User.id == OutcomePublisher.user_id)
        .order_by(User.email)
    ).all()
    return [(delegation, user) for delegation, user in rows]


def grant_publishing(
    session: Session, user: User, actor: User, ip: str | None = None
) -> OutcomePublisher:
    """Let an analyst publish and withdraw the outcomes; an administrator's act, logged."""
    if not isinstance(actor, User) or actor.role != "admin":
        raise OutcomesError(_("only an administrator may delegate publishing"))
    if user.role != "analyst":
        raise OutcomesError(_("publishing can be delegated to analysts only"))
    existing = session.get(OutcomePublisher, user.id)
    if existing is not None:
        return existing
    delegation = OutcomePublisher(
        user_id=user.id, granted_at=utcnow(), granted_by_email=actor.email
    )
    session.add(delegation)
    session.flush()
    audit.record(session, actor, "outcomes.publisher_granted", target=user.email, ip=ip)
    return delegation


def revoke_publishing(session: Session, user: User, actor: User, ip: str | None = None) -> None:
    """Take the delegation to publish back; an administrator's act, logged."""
    if not isinstance(actor, User) or actor.role != "admin":
        raise OutcomesError(_("only an administrator may delegate publishing"))
    delegation = session.get(OutcomePublisher, user.id)
    if delegation is None:
        return
    session.delete(delegation)
    session.flush()
    audit.record(session, actor, "outcomes.publisher_revoked", target=user.email, ip=ip)


@dataclass(frozen=True)
class Differencing:
    """Another snapshot that, set beside ``snapshot``, would single out a few responses."""

    earlier: OutcomeSnapshot
    #: When ``earlier`` was last published (None: never; its deck can be shown all the same).
    published_at: datetime | None
    differing: int  # responses in one and not the other, or edited between their freezes
    unknown: int  # responses of both edited after the later freeze: changed, or not


def ever_published(session: Session, snapshot: OutcomeSnapshot) -> bool:
    """Whether ``snapshot`` was published, shown now or withdrawn since."""
    return (
        session.scalar(
            select(OutcomePublication.id)
            .where(OutcomePublication.snapshot_id == snapshot.id)
            .limit(1)
        )
        is not None
    )


def differencing(
    session: Session, snapshot: OutcomeSnapshot, threshold: int
) -> Differencing | None:
    """Return a snapshot, published or not, that ``snapshot`` differs from by fewer than
    ``threshold`` responses (but some): subtracting one's figures from the other's (pages,
    decks on stage or handed out) would give those few responses' answers, which no single
    output shows. Every snapshot counts: each one's deck can be shown and downloaded, published
    or not. Published ones are named first (most recently published first), then the others
    (most recently frozen first).

    A snapshot published before (shown now or withdrawn since) returns None: its figures are
    already public, and it was checked against every snapshot when it was published.

    Differing responses: those covered by one snapshot and not the other (new, withdrawn, or
    outside a filter), and those covered by both but edited between the two freezes. An edit
    after the later freeze may or may not have come before it: when that uncertainty could
    decide, the answer is "differs too little" (freeze again to know).
    """
    from consult.questionnaires.models import Response

    if ever_published(session, snapshot):
        return None
    last_published = dict(
        session.execute(
            select(
                OutcomePublication.snapshot_id, func.max(OutcomePublication.published_at)
            ).group_by(OutcomePublication.snapshot_id)
        ).all()
    )
    others = session.scalars(select(OutcomeSnapshot).where(OutcomeSnapshot.id != snapshot.id)).all()
    # Two snapshots whose counts differ by the threshold or more differ by as many responses
    # at least: their ids need not be read.
    near = [
        other for other in others if abs(other.response_count - snapshot.response_count) < threshold
    ]
    if not near:
        return None
    near.sort(
        key=lambda other: (
            other.id not in last_published,
            -(last_published.get(other.id) or other.frozen_at).timestamp(),
            -other.id,
        )
    )
    ids = set(snapshot_ids(snapshot))
    # Every edit after the earliest freeze concerned, read once for all the pairs.
    earliest = min([snapshot.frozen_at, *(other.frozen_at for other in near)])
    updated = dict(
        session.execute(
            select(Response.id, Response.updated_at).where(Response.updated_at > earliest)
        ).all()
    )
    for other in near:
        other_ids = set(snapshot_ids(other))
        first, last = sorted((other.frozen_at, snapshot.frozen_at))
        edited = [
            moment
            for response_id in ids & other_ids
            if (moment := updated.get(response_id)) is not None and _after(moment, first)
        ]
        between = sum(1 for moment in edited if not _after(moment, last))
        unknown = len(edited) - between
        differing = len(ids ^ other_ids) + between
        if differing + unknown and differing < threshold:
            return Differencing(other, last_published.get(other.id), differing, unknown)
    return None


def _after(moment: datetime, than: datetime) -> bool:
    """``moment`` > ``than``, read as UTC when the database gave a naive time (SQLite)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if than.tzinfo is None:
        than = than.replace(tzinfo=UTC)
    return moment > than


def publish(
    session: Session,
    snapshot: OutcomeSnapshot,
    actor: User,
    ip: str | None = None,
    threshold: int = 5,
    confirmed_narrower: bool = False,
) -> OutcomePublication:
    """Show ``snapshot`` at /outcomes (replacing whatever was shown): the explicit act of an
    administrator or of an analyst they delegated publishing to; logged.

    Refused (OutcomesError) when, beside any other snapshot (published, or whose deck may have
    been shown), it would single out fewer than ``threshold`` responses (see differencing),
    and (NarrowingError) when it would make the public page say less than the one shown now
    (no response, part of the consultation in place of all of it, older data) unless
    ``confirmed_narrower``.
    """
    if not may_publish(session, actor):
        raise OutcomesError(_("only an administrator or a delegated analyst may publish outcomes"))
    close = differencing(session, snapshot, threshold)
    if close is not None:
        raise DifferencingError(close, threshold)
    narrower = publication_narrowing(session, snapshot)
    if narrower is not None and not confirmed_narrower:
        raise NarrowingError(narrower)
    now = utcnow()
    email = actor.email
    session.execute(
        update(OutcomePublication)
        .where(OutcomePublication.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by_email=email)
    )
    publication = OutcomePublication(
        snapshot_id=snapshot.id,
        published_at=now,
        published_by_id=actor.id,
        published_by_email=email,
    )
    session.add(publication)
    session.flush()
    audit.record(
        session,
        actor,
        "outcomes.publish",
        target=f"snapshot:{snapshot.id}",
        details={
            "label": snapshot.label,
            "responses": snapshot.response_count,
            "confirmed_narrower": list(narrower.reasons) if narrower else [],
        },
        ip=ip,
    )
    return publication


def publication_narrowing(session: Session, snapshot: OutcomeSnapshot) -> Narrowing | None:
    """How publishing ``snapshot`` now would make the public page say less (None: it would not)."""
    shown = current_publication(session)
    published = session.get(OutcomeSnapshot, shown.snapshot_id) if shown is not None else None
    return narrowing(snapshot, published)


class DifferencingError(OutcomesError):
    """Publishing would single out a few responses beside an earlier publication."""

    def __init__(self, close: Differencing, threshold: int) -> None:
        shown = (
            f"published {close.published_at:%Y-%m-%d %H:%M}"
            if close.published_at is not None
            else "not published"
        )
        super().__init__(
            f"snapshot differs from snapshot {close.earlier.id} ({shown}) by "
            f"{close.differing} responses ({close.unknown} edited since), fewer than {threshold}"
        )
        self.close = close
        self.threshold = threshold


def withdraw(session: Session, actor: User, ip: str | None = None) -> OutcomePublication | None:
    """Take the published outcomes off /outcomes (an administrator or a delegated analyst)."""
    if not may_publish(session, actor):
        raise OutcomesError(_("only an administrator or a delegated analyst may withdraw outcomes"))
    publication = current_publication(session)
    if publication is None:
        return None
    publication.withdrawn_at = utcnow()
    publication.withdrawn_by_email = actor.email
    session.flush()
    audit.record(
        session, actor, "outcomes.unpublish", target=f"snapshot:{publication.snapshot_id}", ip=ip
    )
    return publication
