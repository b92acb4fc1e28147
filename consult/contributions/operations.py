"""Plain functions that change contributions: create, moderate, withdraw, respond officially.

Replies, supports and reports (what others do with a published contribution) live in
consult.contributions.reactions.

They flush and never commit (the view or the command commits once), and never import Flask, so
a demo-data generator or a test can call them with a bare session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from consult import geography
from consult.config import Defaults
from consult.contributions import duplicates
from consult.contributions.charter import ARTICLE_KEY_PATTERN, PART_KEYS
from consult.contributions.models import (
    KINDS,
    ORGANISATION_TYPES,
    Contribution,
    ContributionBand,
    ContributionReply,
    ContributionReport,
    ContributorDetails,
    ModerationAction,
    NearDuplicate,
    OfficialResponse,
)
from consult.core.limits import TEXT_LIMITS
from consult.db import utcnow
from consult.staff import audit
from consult.staff.models import User

#: Why a moderator rejects or hides something; shown to the contributor in their language.
MODERATION_REASONS = (
    "off_topic",
    "offensive",
    "personal_data",
    "spam",
    "duplicate",
    "unlawful",
    "other",
)
#: The longest note a moderator may write to the contributor (the form's limit and the column's).
MODERATION_NOTE_MAX = TEXT_LIMITS[("moderation_actions", "note")]
#: The longest comment a reader may add to a report.
REPORT_COMMENT_MAX = TEXT_LIMITS[("contribution_reports", "comment")]

#: Moderator actions and the statuses each applies to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending",), "published"),
    "reject": (("pending", "published", "hidden"), "rejected"),
    "hide": (("pending", "published"), "hidden"),
    "restore": (("hidden", "rejected"), "published"),
}


class ContributionError(ValueError):
    """A contribution or an action on it is not acceptable; ``code`` says why."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def hash_token(token: str) -> str:
    """Return the stored form of a private status token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_status_token() -> str:
    """Return a fresh unguessable status token (192 bits)."""
    return secrets.token_urlsafe(24)


def keyed_hash(secret: str, value: str) -> str:
    """Hash a client identifier (browser id, address) with the secret key: never stored raw."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def log_moderation(
    session: Session,
    action: str,
    *,
    contribution: Contribution | None = None,
    reply: ContributionReply | None = None,
    moderator: User | None = None,
    reason: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> ModerationAction:
    """Add an entry to the moderation log (every act on a contribution or reply, by anyone)."""
    entry = ModerationAction(
        contribution_id=contribution.id if contribution is not None else None,
        reply_id=reply.id if reply is not None else None,
        moderator_id=moderator.id if moderator is not None else None,
        action=action,
        reason=reason,
        note=note or None,
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


def audit_moderation(
    session: Session,
    moderator: User | None,
    action: str,
    target: str,
    details: Mapping[str, object],
    ip: str | None,
) -> None:
    """Record a staff member's moderation decision in the staff audit log as well.

    What the platform does by itself (a submission, hiding after reports, a withdrawal by the
    author) stays in the moderation log only: the audit log is about what staff did.
    """
    if moderator is None:
        return
    audit.record(
        session,
        moderator,
        f"moderation.{action}",
        target=target,
        details={key: value for key, value in details.items() if value not in (None, "")},
        ip=ip,
    )


def create_contribution(
    session: Session,
    *,
    kind: str,
    text: str,
    language: str,
    organisation_type: str,
    article: str | None = None,
    part: str | None = None,
    organisation_name: str | None = None,
    country: str | None = None,
    region: str | None = None,
    name: str | None = None,
    email: str | None = None,
    consented: bool = False,
    show_name_publicly: bool = False,
    interface_language: str = "en",
    premoderation: bool = True,
    address_hash: str | None = None,
    created_at: datetime | None = None,
    region_map: Mapping[str, str] | None = None,
    near_duplicate_threshold: float = duplicates.DEFAULT_THRESHOLD,
    is_demo: bool = False,
) -> tuple[Contribution, str]:
    """Store a new contribution; return it with its private status token.

    With pre-moderation (the default) it waits for a moderator; without, it is published at
    once. The region defaults from the country. Name and e-mail are kept only with consent.
    """
    if kind not in KINDS:
        raise ContributionError("kind")
    if organisation_type not in ORGANISATION_TYPES:
        raise ContributionError("organisation_type")
    if article is not None and not ARTICLE_KEY_PATTERN.match(article):
        raise ContributionError("article")
    if part is not None and (article is None or part not in PART_KEYS):
        raise ContributionError("part")
    if not text or not text.strip():
        raise ContributionError("text")
    if (name or email) and not consented:
        raise ContributionError("consent")
    if country and not region:
        mapping = (
            region_map
            if region_map is not None
            else geography.default_region_map(Defaults.QUESTIONNAIRES_PATH)
        )
        region = mapping.get(country)
    now = created_at or utcnow()
    token = new_status_token()
    contribution = Contribution(
        kind=kind,
        article=article,
        part=part,
        text=text,
        language=language,
        interface_language=interface_language,
        organisation_type=organisation_type,
        organisation_name=(organisation_name or "").strip() or None,
        country=country or None,
        region=region or None,
        status="pending",
        created_at=now,
        status_token_hash=hash_token(token),
        address_hash=address_hash,
        is_demo=is_demo,
    )
    session.add(contribution)
    if name or email:
        contribution.contributor = ContributorDetails(
            name=(name or "").strip() or None,
            email=(email or "").strip() or None,
            consented_at=now,
            consent_language=interface_language,
            is_name_public=bool(show_name_publicly and name),
        )
    session.flush()
    log_moderation(session, "submit", contribution=contribution, at=now)
    record_near_duplicates(session, contribution, near_duplicate_threshold)
    if not premoderation:
        contribution.status = "published"
        contribution.published_at = now
        log_moderation(session, "auto_publish", contribution=contribution, at=now)
    session.flush()
    return contribution, token


def find_by_token(session: Session, token: str) -> Contribution | None:
    """Return the contribution a private status token belongs to."""
    if not token or len(token) > 200:
        return None
    return session.scalar(
        select(Contribution).where(Contribution.status_token_hash == hash_token(token))
    )


def record_near_duplicates(
    session: Session, contribution: Contribution, threshold: float = duplicates.DEFAULT_THRESHOLD
) -> list[NearDuplicate]:
    """Store the contribution's band keys and link it to earlier contributions it nearly copies."""
    keys = duplicates.band_keys(contribution.text)
    candidates = session.scalars(
        select(Contribution)
        .join(ContributionBand, ContributionBand.contribution_id == Contribution.id)
        .where(ContributionBand.band_key.in_(keys), Contribution.id != contribution.id)
        .distinct()
    ).all()
    session.add_all(
        ContributionBand(contribution_id=contribution.id, band_key=key) for key in set(keys)
    )
    own = duplicates.shingles(contribution.text)
    found = []
    for candidate in candidates:
        score = duplicates.jaccard(own, duplicates.shingles(candidate.text))
        if score >= threshold:
            link = NearDuplicate(
                contribution_id=contribution.id, twin_id=candidate.id, similarity=score
            )
            session.add(link)
            found.append(link)
    session.flush()
    return found


def near_twins(session: Session, contribution_ids: Iterable[int]) -> dict[int, list[tuple]]:
    """Return contribution id -> [(twin Contribution, similarity)], both directions, best first."""
    ids = list(contribution_ids)
    if not ids:
        return {}
    links = session.execute(
        select(NearDuplicate).where(
            or_(NearDuplicate.contribution_id.in_(ids), NearDuplicate.twin_id.in_(ids))
        )
    ).scalars()
    pairs: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    for link in links:
        if link.contribution_id in pairs:
            pairs[link.contribution_id].append((link.twin_id, link.similarity))
        if link.twin_id in pairs:
            pairs[link.twin_id].append((link.contribution_id, link.similarity))
    wanted = {twin for found in pairs.values() for twin, _ in found}
    by_id = {
        c.id: c
        for c in session.scalars(select(Contribution).where(Contribution.id.in_(wanted))).all()
    }
    return {
        key: sorted(((by_id[t], s) for t, s in found if t in by_id), key=lambda x: -x[1])
        for key, found in pairs.items()
        if found
    }


def _resolve_reports(session: Session, contribution: Contribution, at: datetime) -> None:
    for report in session.scalars(
        select(ContributionReport).where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.resolved_at.is_(None),
        )
    ):
        report.resolved_at = at


def moderate(
    session: Session,
    contribution: Contribution,
    action: str,
    moderator: User | None,
    reason: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    ip: str | None = None,
) -> Contribution:
    """Approve, reject, hide or restore a contribution, and record who, when and why.

    Any decision closes the open reports on it and ends an automatic hiding. A staff member's
    decision goes into the moderation log and the staff audit log (with ``ip``, their address).
    """
    if action not in TRANSITIONS:
        raise ContributionError("action")
    sources, target = TRANSITIONS[action]
    if contribution.status not in sources:
        raise ContributionError("transition")
    if action in ("reject", "hide") and reason not in MODERATION_REASONS:
        raise ContributionError("reason")
    now = at or utcnow()
    previous = contribution.status
    contribution.status = target
    contribution.moderated_at = now
    contribution.moderated_by_id = moderator.id if moderator is not None else None
    contribution.is_hidden_by_reports = False
    if target == "published":
        contribution.published_at = contribution.published_at or now
        contribution.moderation_reason = None
        contribution.moderation_note = None
    else:
        contribution.moderation_reason = reason
        contribution.moderation_note = (note or "").strip() or None
    _resolve_reports(session, contribution, now)
    log_moderation(
        session,
        action,
        contribution=contribution,
        moderator=moderator,
        reason=reason if target != "published" else None,
        note=note,
        at=now,
    )
    audit_moderation(
        session,
        moderator,
        action,
        f"contribution {contribution.id}",
        {
            "from": previous,
            "to": target,
            "reason": contribution.moderation_reason,
            "note": contribution.moderation_note,
        },
        ip,
    )
    session.flush()
    return contribution


def publish(
    session: Session,
    contribution: Contribution,
    moderator: User | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Contribution:
    """Publish a pending contribution (a moderator's approval)."""
    return moderate(session, contribution, "approve", moderator, note=note, at=at)


def reject(
    session: Session,
    contribution: Contribution,
    reason: str,
    moderator: User | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Contribution:
    """Reject a contribution with a reason from MODERATION_REASONS and an optional note."""
    return moderate(session, contribution, "reject", moderator, reason=reason, note=note, at=at)


def withdraw(session: Session, contribution: Contribution) -> Contribution:
    """Withdraw a contribution at its author's request: it is no longer public, and the name
    and e-mail address given with it are deleted (nothing is sent to them any more, nothing
    shows them; the withdrawal cannot be undone)."""
    if contribution.status not in ("pending", "published", "hidden"):
        raise ContributionError("transition")
    contribution.status = "withdrawn"
    contribution.is_hidden_by_reports = False
    if contribution.contributor is not None:
        session.delete(contribution.contributor)
        contribution.contributor = None
    log_moderation(session, "withdraw", contribution=contribution)
    session.flush()
    return contribution


def set_official_response(
    session: Session,
    contribution: Contribution,
    *,
    text: str,
    language: str,
    author: User,
    ip: str | None = None,
) -> OfficialResponse:
    """Write or replace CISDP's official response to a contribution, and record it."""
    if not text or not text.strip():
        raise ContributionError("text")
    response = contribution.official_response
    is_new = response is None
    if response is None:
        response = OfficialResponse(
            contribution_id=contribution.id, text=text, language=language, author_id=author.id
        )
        session.add(response)
        contribution.official_response = response
    else:
        response.text = text
        response.language = language
        response.author_id = author.id
        response.updated_at = utcnow()
    log_moderation(session, "respond", contribution=contribution, moderator=author)
    audit_moderation(
        session,
        author,
        "respond",
        f"contribution {contribution.id}",
        {"official_response": "written" if is_new else "changed", "language": language},
        ip,
    )
    session.flush()
    return response


def delete_demo_contributions(session: Session) -> int:
    """Delete every synthetic contribution (and, through cascades, its dependants)."""
    demo = session.scalars(select(Contribution).where(Contribution.is_demo.is_(True))).all()
    for contribution in demo:
        session.delete(contribution)
    session.flush()
    return len(demo)


def published_query():
    """Published contributions only: the one query every public listing starts from."""
    return select(Contribution).where(Contribution.status == "published")
