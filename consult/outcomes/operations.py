"""Plain functions that change outcomes data: freeze, publish, withdraw, delegate publishing.

Freezing lives here. Publishing lives in publishing, reading a snapshot back in snapshots, the
quotes bank in quotes, comparisons in comparing; all are re-exported here, so that views and
tests call every act as ``operations.<name>``.

They flush, never commit (the view or command commits once). Freezing, publishing, withdrawing
and the quotes bank are written to the staff audit log (consult.staff.audit) in the same unit
of work, so an act and its record are kept or lost together.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from consult.campaign import movement
from consult.db import utcnow
from consult.outcomes import attribution, data
from consult.outcomes.actors import Actor, OutcomesError
from consult.outcomes.actors import actor_email as _email
from consult.outcomes.comparing import Comparison, Freshness, compare
from consult.outcomes.comparing import freshness as _freshness
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.narrowing import check_freeze
from consult.outcomes.publishing import (
    Differencing,
    DifferencingError,
    current_publication,
    differencing,
    grant_publishing,
    may_publish,
    publication_narrowing,
    publish,
    publishers,
    revoke_publishing,
    withdraw,
)
from consult.outcomes.quotes import (
    DECK_QUOTES,
    QuoteCheck,
    check_quotes,
    deck_quotes,
    frozen_deck_quotes,
    identifies_its_author,
    identifying_questions,
    published_contribution_ids,
    quotable_questions,
    quote_count,
    set_deck_position,
    star_answer,
    star_contribution,
    unstar,
)
from consult.outcomes.response_ids import encode_ids, ids_checksum
from consult.outcomes.snapshots import snapshot_ids, snapshot_summary, with_follow_up_conditions
from consult.staff import audit
from consult.staff.models import User

log = logging.getLogger(__name__)

__all__ = [
    "DECK_QUOTES",
    "Actor",
    "Comparison",
    "Differencing",
    "DifferencingError",
    "Freshness",
    "OutcomesError",
    "QuoteCheck",
    "check_quotes",
    "compare",
    "current_publication",
    "deck_quotes",
    "differencing",
    "freshness",
    "frozen_deck_quotes",
    "identifies_its_author",
    "identifying_questions",
    "grant_publishing",
    "may_publish",
    "publication_narrowing",
    "publish",
    "publishers",
    "revoke_publishing",
    "snapshot_ids",
    "snapshot_summary",
    "with_follow_up_conditions",
    "withdraw",
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
        response_ids=encode_ids(ids),
        response_ids_sha256=ids_checksum(ids),
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


def freshness(session: Session, snapshot: OutcomeSnapshot, summary: Mapping[str, Any]) -> Freshness:
    """What changed since ``snapshot`` was frozen among what it covers (see comparing)."""
    return _freshness(session, snapshot, summary, snapshot_ids(snapshot))
