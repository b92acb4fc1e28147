"""Plain functions that change outcomes data: freeze, publish, withdraw, delegate publishing.

The quotes bank lives in quotes, comparisons in comparing; both are re-exported here.

They flush, never commit (the view or command commits once). Freezing, publishing, withdrawing
and the quotes bank are written to the staff audit log (consult.staff.audit) in the same unit
of work, so an act and its record are kept or lost together.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from consult.campaign import movement
from consult.db import utcnow
from consult.outcomes import attribution, data
from consult.outcomes.actors import Actor, OutcomesError
from consult.outcomes.actors import actor_email as _email
from consult.outcomes.asked import asked_conditions
from consult.outcomes.comparing import Comparison, Freshness, compare
from consult.outcomes.comparing import freshness as _freshness
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import (
    OutcomePublication,
    OutcomePublisher,
    OutcomeSnapshot,
)
from consult.outcomes.narrowing import Narrowing, NarrowingError, check_freeze, narrowing
from consult.outcomes.quotes import (
    DECK_QUOTES,
    QuoteCheck,
    check_quotes,
    deck_quotes,
    frozen_deck_quotes,
    published_contribution_ids,
    quotable_questions,
    quote_count,
    set_deck_position,
    star_answer,
    star_contribution,
    unstar,
)
from consult.questionnaires.definition import Questionnaire
from consult.staff import audit
from consult.staff.models import User

log = logging.getLogger(__name__)

__all__ = [
    "DECK_QUOTES",
    "Actor",
    "Comparison",
    "Freshness",
    "OutcomesError",
    "QuoteCheck",
    "check_quotes",
    "compare",
    "deck_quotes",
    "freshness",
    "frozen_deck_quotes",
    "published_contribution_ids",
    "quotable_questions",
    "quote_count",
    "set_deck_position",
    "star_answer",
    "star_contribution",
    "unstar",
]


def check_timezone(name: str) -> ZoneInfo:
    """Return the time zone named ``name`` (IANA), or raise OutcomesError."""
    try:
        # OSError: a name too long for a file name (ZoneInfo looks the name up as a file).
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise OutcomesError(_("Unknown time zone %(name)s.", name=repr(name[:64]))) from exc


def local_cut_off(typed: datetime, zone: ZoneInfo) -> datetime:
    """Return the moment a typed cut-off names: read in ``zone`` unless it gives its own offset.

    A wall-clock time that the zone skips (clocks moved forward) or passes twice (clocks moved
    back) names no single moment: it is refused with a sentence saying so, never silently moved
    by an hour.
    """
    if typed.tzinfo is not None:
        return typed.astimezone(zone)
    first, second = typed.replace(tzinfo=zone, fold=0), typed.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    when = typed.strftime("%Y-%m-%d %H:%M")
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None, fold=0)
    if round_trip != typed:
        raise OutcomesError(
            _(
                "%(when)s does not exist in %(zone)s: the clocks moved forward that night. "
                "Give a time before or after the change.",
                when=when,
                zone=zone.key,
            )
        )
    raise OutcomesError(
        _(
            "%(when)s happened twice in %(zone)s: the clocks moved back that night. Give the "
            "cut-off in UTC, or a time outside that hour.",
            when=when,
            zone=zone.key,
        )
    )


@dataclass(frozen=True)
class FreezePreview:
    """What a freeze would hold, against what exists, shown before the analyst confirms."""

    #: None: the moment of confirming ("everything submitted until now").
    as_of: datetime | None
    filters: SummaryFilter
    responses: int
    responses_now: int
    contributions: int
    contributions_now: int
    quotes: list[QuoteCheck]


def preview_freeze(
    session: Session, *, as_of: datetime | None, filters: SummaryFilter = SummaryFilter()
) -> FreezePreview:
    """Count what a freeze with ``as_of`` and ``filters`` would hold, and check the quotes."""
    _check_as_of(as_of, utcnow())
    connection = session.connection()
    ids = data.covered_ids(connection, filters, as_of)
    contributions = data.covered_contribution_ids(connection, filters, as_of)
    now_ids = data.covered_ids(connection)
    now_contributions = data.covered_contribution_ids(connection)
    return FreezePreview(
        as_of=as_of,
        filters=filters,
        responses=len(ids),
        responses_now=len(now_ids),
        contributions=len(contributions),
        contributions_now=len(now_contributions),
        quotes=check_quotes(session, set(ids), set(contributions)),
    )


def _check_as_of(as_of: datetime | None, now: datetime) -> None:
    if as_of is None:
        return
    if as_of.tzinfo is None:
        raise OutcomesError(_("The data time needs a time zone."))
    if as_of > now:
        raise OutcomesError(_("The cut-off cannot be in the future."))


def freeze(
    session: Session,
    sources: data.SummarySources,
    *,
    label: str,
    timezone: str,
    actor: Actor,
    as_of: datetime | None = None,
    filters: SummaryFilter = SummaryFilter(),
    ip: str | None = None,
    confirmed_empty: bool = False,
    threshold: int = 5,
) -> OutcomeSnapshot:
    """Compute the summary of every response submitted by ``as_of`` (default now) and keep it.

    A snapshot of no response is refused (narrowing.EmptySnapshotError) unless
    ``confirmed_empty``: published, it would replace real outcomes with "0 responses".

    The snapshot stores the summary JSON (the published contributions by then included, with
    their ids, and the starred quotes as re-read now with their check) and the exact ids of the
    responses it covers; it never changes afterwards.
    """
    label = label.strip()
    if not label:
        raise OutcomesError(_("give the snapshot a label"))
    check_timezone(timezone)
    now = utcnow()
    _check_as_of(as_of, now)
    as_of = as_of or now
    connection = session.connection()
    summary, ids = data.compute_summary(connection, sources, filters, as_of=as_of)
    check_freeze(len(ids), confirmed_empty)
    summary["frozen"] = {"as_of": as_of.isoformat(), "timezone": timezone, "label": label}
    # The campaign's verified signatories by then: frozen like every other figure.
    summary["campaign"] = movement.frozen_figures(session, as_of)
    covered_contributions = set((summary.get("contributions") or {}).get("contribution_ids", []))
    checks = check_quotes(session, set(ids), covered_contributions)
    # The attribution rule (consult.outcomes.attribution) counted on what this snapshot covers:
    # the sizes are kept with each quote, and the deck applies the rule again when it renders.
    attributed = attribution.checked(
        session, [check.quote for check in checks], ids, covered_contributions, threshold
    )
    summary["quotes"] = [
        {
            "quote_id": check.quote.id,
            "source": check.quote.source,
            "response_id": check.quote.response_id,
            "question_key": check.quote.question_key,
            "contribution_id": check.quote.contribution_id,
            "text": check.current_text if check.usable else None,
            "starred_text": check.quote.text,
            "status": check.status,
            "language": check.quote.language,
            "region": check.quote.region,
            "respondent_type": check.quote.respondent_type,
            "deck_position": check.quote.deck_position,
            "questionnaire_key": record.get("questionnaire_key"),
            "group_sizes": record["group_sizes"],
            "attribution": record["attribution"],
        }
        for check, record in zip(checks, attributed, strict=True)
    ]
    summary_json = data.dumps(summary)
    snapshot = OutcomeSnapshot(
        label=label[:200],
        frozen_at=now,
        data_as_of=as_of,
        timezone=timezone,
        frozen_by_id=actor.id if isinstance(actor, User) else None,
        frozen_by_email=_email(actor),
        response_count=len(ids),
        response_ids=data.encode_ids(ids),
        response_ids_sha256=data.ids_checksum(ids),
        summary_json=summary_json,
        summary_sha256=hashlib.sha256(summary_json.encode()).hexdigest(),
    )
    session.add(snapshot)
    session.flush()
    contributions = (summary.get("contributions") or {}).get("total", 0)
    audit.record(
        session,
        actor,
        "outcomes.freeze",
        target=f"snapshot:{snapshot.id}",
        details={
            "label": label,
            "responses": len(ids),
            "contributions": contributions,
            "as_of": as_of.isoformat(),
            "filters": filters.as_dict(),
            "quotes": {
                q["status"]: sum(1 for x in summary["quotes"] if x["status"] == q["status"])
                for q in summary["quotes"]
            },
        },
        ip=ip,
    )
    return snapshot


def snapshot_summary(snapshot: OutcomeSnapshot) -> dict[str, Any]:
    """Return a snapshot's summary, checking it is the one stored at the freeze. The one road
    from a stored snapshot to a page, a deck or an export."""
    if hashlib.sha256(snapshot.summary_json.encode()).hexdigest() != snapshot.summary_sha256:
        raise OutcomesError(f"snapshot {snapshot.id} does not match its checksum")
    summary = json.loads(snapshot.summary_json)
    if any("asked_if" not in q for q in summary.get("questionnaires") or ()):
        session = object_session(snapshot)
        if session is not None:
            with_follow_up_conditions(summary, data.stored_definitions(session.connection()))
    return summary


def with_follow_up_conditions(
    summary: dict[str, Any], definitions: Mapping[int, Questionnaire]
) -> None:
    """Give a summary frozen before it named each follow-up's conditions (``asked_if``) those of
    the stored versions it covers (all of its questionnaire's when it names none), so that the
    public page withholds its follow-ups as it does a newer snapshot's (suppression._follow_ups).
    The conditions are the definitions', never the figures: the stored summary is unchanged."""
    for questionnaire in summary.get("questionnaires") or ():
        if "asked_if" in questionnaire:
            continue
        own = [d for d in definitions.values() if d.key == questionnaire.get("key")]
        covered = set(questionnaire.get("versions") or ())
        versions = [d for d in own if d.version in covered] or own
        questionnaire["asked_if"] = asked_conditions(versions)


def snapshot_ids(snapshot: OutcomeSnapshot) -> list[int]:
    """Return the ids of the responses a snapshot covers, checking them."""
    ids = data.decode_ids(snapshot.response_ids)
    if data.ids_checksum(ids) != snapshot.response_ids_sha256:
        raise OutcomesError(f"snapshot {snapshot.id}: stored response ids do not match")
    return ids


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
    """A publication that, set beside ``snapshot``, would single out a few responses."""

    earlier: OutcomeSnapshot
    published_at: datetime
    differing: int  # responses in one and not the other, or edited between their freezes
    unknown: int  # responses of both edited after ``snapshot`` was frozen: changed, or not


def differencing(
    session: Session, snapshot: OutcomeSnapshot, threshold: int
) -> Differencing | None:
    """Return the first publication, shown now or ever before, that ``snapshot`` differs from
    by fewer than ``threshold`` responses (but some): subtracting one page's figures from the
    other's would give those few responses' answers, which no single page shows.

    Differing responses: those covered by one snapshot and not the other (new, withdrawn, or
    outside a filter), and those covered by both but edited between the two freezes. An edit
    after ``snapshot`` was frozen may or may not have come before it: when that uncertainty could
    decide, the answer is "differs too little" (freeze again to know).
    """
    from consult.questionnaires.models import Response

    ids = set(snapshot_ids(snapshot))
    earlier = session.execute(
        select(OutcomePublication.published_at, OutcomeSnapshot)
        .join(OutcomeSnapshot, OutcomeSnapshot.id == OutcomePublication.snapshot_id)
        .where(OutcomePublication.snapshot_id != snapshot.id)
        .order_by(OutcomePublication.published_at.desc())
    ).all()
    seen: set[int] = set()
    for published_at, other in earlier:
        if other.id in seen:
            continue
        seen.add(other.id)
        other_ids = set(snapshot_ids(other))
        both = ids & other_ids
        first, last = sorted((other.frozen_at, snapshot.frozen_at))
        edited = dict(
            session.execute(
                select(Response.id, Response.updated_at).where(
                    Response.id.in_(both), Response.updated_at > first
                )
            ).all()
        )
        between = sum(1 for moment in edited.values() if moment <= last)
        unknown = len(edited) - between
        differing = len(ids ^ other_ids) + between
        if differing + unknown and differing < threshold:
            return Differencing(other, published_at, differing, unknown)
    return None


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

    Refused (OutcomesError) when, beside any publication shown before, it would single out
    fewer than ``threshold`` responses (see differencing), and (NarrowingError) when it would
    make the public page say less than the one shown now (no response, part of the consultation
    in place of all of it, older data) unless ``confirmed_narrower``.
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
        super().__init__(
            f"snapshot differs from snapshot {close.earlier.id} (published "
            f"{close.published_at:%Y-%m-%d %H:%M}) by {close.differing} responses "
            f"({close.unknown} edited since), fewer than {threshold}"
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


def freshness(session: Session, snapshot: OutcomeSnapshot, summary: Mapping[str, Any]) -> Freshness:
    """What changed since ``snapshot`` was frozen among what it covers (see comparing)."""
    return _freshness(session, snapshot, summary, snapshot_ids(snapshot))
