"""What others do with a published contribution: reply to it (and a moderator's decision on a
reply), support it, report it.

Plain functions like consult.contributions.operations: they flush and never commit, never
import Flask, and log every moderation in the moderation log (and a staff member's decision in
the staff audit log as well).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.contributions.models import (
    ORGANISATION_TYPES,
    Contribution,
    ContributionReply,
    ContributionReport,
    ContributionSupport,
)
from consult.contributions.operations import (
    MODERATION_REASONS,
    ContributionError,
    audit_moderation,
    log_moderation,
)
from consult.db import utcnow
from consult.staff.models import User

#: Why a member of the public reports a published contribution.
REPORT_REASONS = ("offensive", "spam", "personal_data", "off_topic", "other")
#: Moderator actions on a reply and the statuses each applies to.
REPLY_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending",), "published"),
    "reject": (("pending", "published", "hidden"), "rejected"),
    "hide": (("pending", "published"), "hidden"),
    "restore": (("hidden", "rejected"), "published"),
}


def add_reply(
    session: Session,
    contribution: Contribution,
    *,
    text: str,
    language: str,
    signature: str | None = None,
    organisation_type: str | None = None,
    premoderation: bool = True,
    address_hash: str | None = None,
    created_at: datetime | None = None,
    is_demo: bool = False,
) -> ContributionReply:
    """Reply to a published contribution (replies are one level deep, and moderated)."""
    if not contribution.is_published:
        raise ContributionError("not_published")
    if not text or not text.strip():
        raise ContributionError("text")
    if organisation_type is not None and organisation_type not in ORGANISATION_TYPES:
        raise ContributionError("organisation_type")
    now = created_at or utcnow()
    reply = ContributionReply(
        contribution_id=contribution.id,
        text=text,
        language=language,
        signature=(signature or "").strip() or None,
        organisation_type=organisation_type,
        status="pending" if premoderation else "published",
        published_at=None if premoderation else now,
        created_at=now,
        address_hash=address_hash,
        is_demo=is_demo,
    )
    session.add(reply)
    session.flush()
    log_moderation(session, "submit", contribution=contribution, reply=reply, at=now)
    session.flush()
    return reply


def moderate_reply(
    session: Session,
    reply: ContributionReply,
    action: str,
    moderator: User | None,
    reason: str | None = None,
    note: str | None = None,
    ip: str | None = None,
) -> ContributionReply:
    """Approve, reject, hide or restore a reply, and record it (moderation and audit logs)."""
    if action not in REPLY_TRANSITIONS:
        raise ContributionError("action")
    sources, target = REPLY_TRANSITIONS[action]
    if reply.status not in sources:
        raise ContributionError("transition")
    if action in ("reject", "hide") and reason not in MODERATION_REASONS:
        raise ContributionError("reason")
    now = utcnow()
    previous = reply.status
    reply.status = target
    reply.moderated_at = now
    reply.moderated_by_id = moderator.id if moderator is not None else None
    reply.moderation_reason = reason if target != "published" else None
    if target == "published":
        reply.published_at = reply.published_at or now
    log_moderation(
        session,
        action,
        contribution=reply.contribution,
        reply=reply,
        moderator=moderator,
        reason=reply.moderation_reason,
        note=note,
        at=now,
    )
    audit_moderation(
        session,
        moderator,
        f"reply.{action}",
        f"reply {reply.id} (contribution {reply.contribution_id})",
        {"from": previous, "to": target, "reason": reply.moderation_reason, "note": note},
        ip,
    )
    session.flush()
    return reply


@dataclass(frozen=True)
class SupportResult:
    """What happened to a support: added, already given by this browser, or refused."""

    outcome: str  # "added", "already", "address_limit", "not_published"
    count: int


def add_support(
    session: Session,
    contribution: Contribution,
    supporter_hash: str,
    address_hash: str,
    per_address_limit: int = 60,
) -> SupportResult:
    """Record one browser's "I agree": one per browser, and per address only up to a ceiling
    against ballot stuffing (a venue's colleagues each count)."""
    if not contribution.is_published:
        return SupportResult("not_published", contribution.support_count)
    existing = session.scalar(
        select(ContributionSupport.id).where(
            ContributionSupport.contribution_id == contribution.id,
            ContributionSupport.supporter_hash == supporter_hash,
        )
    )
    if existing is not None:
        return SupportResult("already", contribution.support_count)
    from_address = session.scalar(
        select(func.count(ContributionSupport.id)).where(
            ContributionSupport.contribution_id == contribution.id,
            ContributionSupport.address_hash == address_hash,
        )
    )
    if from_address >= per_address_limit:
        return SupportResult("address_limit", contribution.support_count)
    session.add(
        ContributionSupport(
            contribution_id=contribution.id,
            supporter_hash=supporter_hash,
            address_hash=address_hash,
        )
    )
    session.flush()
    contribution.support_count = session.scalar(
        select(func.count(ContributionSupport.id)).where(
            ContributionSupport.contribution_id == contribution.id
        )
    )
    session.flush()
    return SupportResult("added", contribution.support_count)


def has_supported(session: Session, contribution: Contribution, supporter_hash: str) -> bool:
    """Tell whether this browser already supports the contribution."""
    return (
        session.scalar(
            select(ContributionSupport.id).where(
                ContributionSupport.contribution_id == contribution.id,
                ContributionSupport.supporter_hash == supporter_hash,
            )
        )
        is not None
    )


def add_report(
    session: Session,
    contribution: Contribution,
    *,
    reason: str,
    reporter_hash: str,
    address_hash: str,
    comment: str | None = None,
    hide_threshold: int = 3,
) -> str:
    """Report a published contribution; hide it once ``hide_threshold`` distinct people did.

    Reporters count as distinct when both their browser and their address differ, so one
    person clearing cookies cannot hide a contribution alone. Returns "added", "already",
    "already_commented" (a new comment joined the earlier report: nothing typed is dropped) or
    "not_published"; the contribution is then hidden until a moderator decides. A comment
    added to a report a moderator already decided on opens it again: the new comment needs
    their attention (the decision stays in the contribution's moderation history).
    """
    if reason not in REPORT_REASONS:
        raise ContributionError("reason")
    if not contribution.is_published:
        return "not_published"
    existing = session.scalars(
        select(ContributionReport)
        .where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.reporter_hash == reporter_hash,
        )
        .order_by(ContributionReport.id)
    ).first()
    if existing is not None:
        # Counted once; a comment typed again is not dropped: it joins the report's own.
        added = (comment or "").strip()
        if added and added not in (existing.comment or ""):
            existing.comment = "\n\n".join(filter(None, [existing.comment, added]))
            existing.resolved_at = None
            return "already_commented"
        return "already"
    session.add(
        ContributionReport(
            contribution_id=contribution.id,
            reason=reason,
            comment=(comment or "").strip() or None,
            reporter_hash=reporter_hash,
            address_hash=address_hash,
        )
    )
    session.flush()
    distinct = session.scalar(
        select(func.count(func.distinct(ContributionReport.address_hash))).where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.resolved_at.is_(None),
        )
    )
    if distinct >= hide_threshold:
        contribution.status = "hidden"
        contribution.is_hidden_by_reports = True
        log_moderation(
            session,
            "auto_hide",
            contribution=contribution,
            note=f"{distinct} distinct reports",
        )
    session.flush()
    return "added"


def open_report_counts(session: Session, contribution_ids: Iterable[int]) -> dict[int, int]:
    """Return contribution id -> number of reports no moderator has decided on yet."""
    ids = list(contribution_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ContributionReport.contribution_id, func.count(ContributionReport.id))
        .where(
            ContributionReport.contribution_id.in_(ids),
            ContributionReport.resolved_at.is_(None),
        )
        .group_by(ContributionReport.contribution_id)
    )
    return dict(rows.all())
