"""What changes campaign data: pledges made and updated, staff decisions, pioneers, commitment
options, progress reports. Plain functions that flush and never commit (the view does, once).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    OWN_COMMITMENT_KEY,
    REJECTED,
    SOURCE_ONLINE,
    SUBMITTED,
    VERIFIED,
    CommitmentOption,
    Pledge,
    PledgeCommitment,
    ProgressReport,
)
from consult.campaign.names import normalise_name
from consult.db import utcnow
from consult.staff import audit
from consult.staff.models import User

#: A personal-link token as we make them (secrets.token_urlsafe(24)): anything else is no token.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}\Z")
#: The decisions staff take on a submitted pledge, and the state each leads to.
DECISIONS = {"verify": VERIFIED, "ask_more": NEEDS_MORE, "reject": REJECTED}
#: Decisions the institution must be told the reason of.
DECISIONS_WITH_REASON = ("ask_more", "reject")


class StalePledge(Exception):
    """The page was shown at an older revision of the pledge than the one now saved."""

    def __init__(self, pledge: Pledge) -> None:
        super().__init__(f"pledge {pledge.id} is at revision {pledge.revision}")
        self.pledge = pledge


class DecisionError(ValueError):
    """A decision cannot be taken as asked (state, missing reason, duplicate)."""


def new_token() -> str:
    """Return a fresh unguessable personal-link token (192 bits)."""
    return secrets.token_urlsafe(24)


def is_token(token: str | None) -> bool:
    """Tell whether ``token`` has the shape of one of our tokens."""
    return bool(token) and bool(TOKEN_SHAPE.match(token or ""))


def hash_token(token: str) -> str:
    """Return the stored form of a personal-link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def holding_hash(token: str) -> str:
    """Return the key a letter sent with a form for ``token`` waits under (not the link's hash)."""
    return hashlib.sha256(b"letter:" + token.encode()).hexdigest()


def find_pledge(session: Session, token: str) -> Pledge | None:
    """Return the pledge a personal-link token opens, or None."""
    if not is_token(token):
        return None
    return session.scalar(select(Pledge).where(Pledge.token_hash == hash_token(token)))


def pledge_language(session: Session, token: str) -> str | None:
    """Return the language of the pledge a token opens (its pages open in it)."""
    if not is_token(token):
        return None
    return session.scalar(select(Pledge.language).where(Pledge.token_hash == hash_token(token)))


@dataclass
class PledgeValues:
    """What the join form (or staff, for a paper pledge) says of a pledge."""

    institution_name: str
    level: str
    country: str
    region: str
    population_band: str | None
    signatory_name: str
    signatory_office: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    own_commitment: str = ""
    option_keys: list[str] = field(default_factory=list)
    language: str = "en"
    response_id: int | None = None


def active_options(session: Session) -> list[CommitmentOption]:
    """Return the commitment options offered now, in order."""
    return list(
        session.scalars(
            select(CommitmentOption)
            .where(CommitmentOption.is_active.is_(True))
            .order_by(CommitmentOption.position, CommitmentOption.id)
        )
    )


def all_options(session: Session) -> list[CommitmentOption]:
    """Return every commitment option, offered or not, in order."""
    return list(
        session.scalars(
            select(CommitmentOption).order_by(CommitmentOption.position, CommitmentOption.id)
        )
    )


def _apply(session: Session, pledge: Pledge, values: PledgeValues, identity: bool) -> None:
    if identity:
        pledge.institution_name = values.institution_name.strip()
        pledge.normalised_name = normalise_name(values.institution_name)
        pledge.level = values.level
        pledge.country = values.country
        pledge.region = values.region
    pledge.population_band = values.population_band or None
    pledge.signatory_name = values.signatory_name.strip()
    pledge.signatory_office = values.signatory_office.strip()
    pledge.contact_name = values.contact_name.strip()
    pledge.contact_email = values.contact_email.strip()
    pledge.contact_phone = values.contact_phone.strip()
    pledge.own_commitment = values.own_commitment.strip()
    if values.response_id is not None:
        pledge.response_id = values.response_id
    wanted = set(values.option_keys)
    options = {o.key: o for o in all_options(session)}
    kept = [c for c in pledge.commitments if c.option.key in wanted]
    have = {c.option.key for c in kept}
    pledge.commitments = kept + [
        PledgeCommitment(option=options[key])
        for key in values.option_keys
        if key in options and key not in have
    ]
    # A change of commitments alone changes no column: touching the row raises the revision.
    pledge.updated_at = utcnow()


def create_pledge(
    session: Session,
    token: str,
    values: PledgeValues,
    *,
    submit: bool,
    source: str = SOURCE_ONLINE,
    is_demo: bool = False,
) -> tuple[Pledge, bool]:
    """Make the pledge a form's token opens; (pledge, True), or (the existing one, False) when
    the same form was sent before (a double submission makes one pledge)."""
    existing = find_pledge(session, token)
    if existing is not None:
        return existing, False
    pledge = Pledge(
        token_hash=hash_token(token),
        status=SUBMITTED if submit else DRAFT,
        source=source,
        language=values.language,
        submitted_at=utcnow() if submit else None,
        is_demo=is_demo,
    )
    _apply(session, pledge, values, identity=True)
    try:
        with session.begin_nested():
            session.add(pledge)
            session.flush()
    except IntegrityError:
        # Another worker made it from the same form a moment ago.
        existing = find_pledge(session, token)
        if existing is None:
            raise
        return existing, False
    return pledge, True


def identity_locked(pledge: Pledge) -> bool:
    """Tell whether the institution may no longer change who it is (name, level, country,
    region): once verified, staff vouched for them; a rejected pledge changes no more."""
    return pledge.status in (VERIFIED, REJECTED)


def update_pledge(
    session: Session, pledge: Pledge, values: PledgeValues, shown_revision: int, *, submit: bool
) -> None:
    """Save the institution's changes, made on a page shown at ``shown_revision``.

    Raises StalePledge if the pledge changed since (another browser, or staff's decision):
    nothing is overwritten silently. ``submit`` sends a draft, or a pledge staff asked more
    of, for verification.
    """
    if pledge.status == REJECTED:
        raise DecisionError("a rejected pledge is not changed")
    if pledge.revision != shown_revision:
        raise StalePledge(pledge)
    _apply(session, pledge, values, identity=not identity_locked(pledge))
    if submit and pledge.status in (DRAFT, NEEDS_MORE):
        pledge.status = SUBMITTED
        pledge.submitted_at = utcnow()
    session.flush()


def possible_duplicates(session: Session, pledge: Pledge) -> list[Pledge]:
    """Return the other pledges of the same institution (normalised name and country), not
    rejected ones."""
    return list(
        session.scalars(
            select(Pledge)
            .where(
                Pledge.normalised_name == pledge.normalised_name,
                Pledge.country == pledge.country,
                Pledge.id != pledge.id,
                Pledge.status != REJECTED,
            )
            .order_by(Pledge.id)
        )
    )


def duplicate_counts(session: Session, pledges: Iterable[Pledge]) -> dict[int, int]:
    """Return pledge id -> how many other non-rejected pledges share its name and country."""
    wanted = list(pledges)
    if not wanted:
        return {}
    keys = {(p.normalised_name, p.country) for p in wanted}
    rows = session.execute(
        select(Pledge.normalised_name, Pledge.country, func.count())
        .where(
            Pledge.status != REJECTED,
            Pledge.normalised_name.in_({name for name, _country in keys}),
        )
        .group_by(Pledge.normalised_name, Pledge.country)
    ).all()
    totals = {(name, country): n for name, country, n in rows}
    return {
        p.id: max(totals.get((p.normalised_name, p.country), 0) - (p.status != REJECTED), 0)
        for p in wanted
    }


def decide(
    session: Session,
    pledge: Pledge,
    decision: str,
    reason: str,
    actor: User,
    ip: str,
    *,
    shown_revision: int | None = None,
    joined_on: date | None = None,
    not_a_duplicate: bool = False,
) -> None:
    """Verify a pledge, ask the institution for more, or reject it; audited.

    Only a submitted pledge is decided on. A reason is required to ask for more or reject
    (the institution reads it). A pledge whose institution already joined is verified only
    when staff confirm it is not the same institution.
    """
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}")
    if shown_revision is not None and pledge.revision != shown_revision:
        raise StalePledge(pledge)
    if pledge.status != SUBMITTED:
        raise DecisionError("only a submitted pledge is decided on")
    reason = reason.strip()
    if decision in DECISIONS_WITH_REASON and not reason:
        raise DecisionError("reason")
    already_joined = decision == "verify" and any(
        p.status == VERIFIED for p in possible_duplicates(session, pledge)
    )
    if already_joined and not not_a_duplicate:
        raise DecisionError("duplicate")
    before = pledge.status
    pledge.status = DECISIONS[decision]
    pledge.decision_reason = reason
    pledge.decided_at = utcnow()
    pledge.decided_by_id = actor.id
    if decision == "verify":
        pledge.joined_on = joined_on or utcnow().date()
    audit.record(
        session,
        actor,
        f"campaign.pledge_{DECISIONS[decision]}",
        target=f"pledge {pledge.id}",
        details={
            "institution": pledge.institution_name,
            "country": pledge.country,
            "from": before,
            "to": pledge.status,
            "reason": reason or None,
            "joined_on": pledge.joined_on.isoformat() if pledge.joined_on else None,
            "not_a_duplicate": not_a_duplicate or None,
        },
        ip=ip,
    )
    session.flush()


def set_pioneer(session: Session, pledge: Pledge, is_pioneer: bool, actor: User, ip: str) -> bool:
    """Mark or unmark a pledge as one of the pioneers; audited. True if it changed."""
    if pledge.is_pioneer == is_pioneer:
        return False
    pledge.is_pioneer = is_pioneer
    audit.record(
        session,
        actor,
        "campaign.pioneer_marked" if is_pioneer else "campaign.pioneer_unmarked",
        target=f"pledge {pledge.id}",
        details={"institution": pledge.institution_name},
        ip=ip,
    )
    session.flush()
    return True


def save_option(
    session: Session,
    option: CommitmentOption | None,
    *,
    key: str,
    labels: dict[str, str],
    position: int,
    is_active: bool,
    actor: User,
    ip: str,
) -> CommitmentOption:
    """Add a commitment option (``option`` None) or change one; its key never changes."""
    created = option is None
    if option is None:
        option = CommitmentOption(key=key)
        session.add(option)
    before = {
        "en": option.label_en,
        "fr": option.label_fr,
        "es": option.label_es,
        "position": option.position,
        "active": option.is_active,
    }
    option.label_en = labels["en"].strip()
    option.label_fr = labels["fr"].strip()
    option.label_es = labels["es"].strip()
    option.position = position
    option.is_active = is_active
    session.flush()
    audit.record(
        session,
        actor,
        "campaign.option_added" if created else "campaign.option_changed",
        target=f"option {option.key}",
        details={
            "before": None if created else before,
            "after": {**labels, "position": position, "active": is_active},
        },
        ip=ip,
    )
    return option


def option_key_taken(session: Session, key: str) -> bool:
    """Tell whether a commitment option already has this key."""
    return (
        session.scalar(select(CommitmentOption.id).where(CommitmentOption.key == key)) is not None
    )


def commitment_keys(pledge: Pledge) -> list[str]:
    """Return the keys a pledge reports progress on: its options, then its own words."""
    keys = [c.option.key for c in pledge.commitments]
    if pledge.own_commitment:
        keys.append(OWN_COMMITMENT_KEY)
    return keys


def reports_of_year(pledge: Pledge, year: int) -> dict[str, ProgressReport]:
    """Return commitment key -> the pledge's report for ``year``."""
    return {r.commitment_key: r for r in pledge.reports if r.year == year}


def latest_reports(pledge: Pledge) -> dict[str, ProgressReport]:
    """Return commitment key -> the pledge's latest report on it."""
    latest: dict[str, ProgressReport] = {}
    for report in sorted(pledge.reports, key=lambda r: r.year):
        latest[report.commitment_key] = report
    return latest


def record_progress(
    session: Session,
    pledge: Pledge,
    year: int,
    entries: dict[str, tuple[str, str]],
    language: str,
) -> int:
    """Save this year's report on each commitment (key -> (status, text)); return how many.

    A verified pledge reports once a year: sending again within the year corrects that
    year's report rather than adding another.
    """
    if pledge.status != VERIFIED:
        raise DecisionError("only a verified institution reports progress")
    existing = reports_of_year(pledge, year)
    allowed = set(commitment_keys(pledge))
    saved = 0
    for key, (status, text) in entries.items():
        if key not in allowed:
            continue
        report = existing.get(key)
        if report is None:
            report = ProgressReport(pledge=pledge, commitment_key=key, year=year)
            session.add(report)
        report.status = status
        report.text = text.strip()
        report.language = language
        saved += 1
    pledge.updated_at = utcnow()
    session.flush()
    return saved


def is_report_due(pledge: Pledge, today: date) -> bool:
    """Tell whether a verified institution owes this year's progress report: it joined a
    year ago or more and has not reported on this year yet."""
    if pledge.status != VERIFIED or pledge.joined_on is None:
        return False
    anniversary_passed = (today - pledge.joined_on).days >= 365
    return anniversary_passed and not any(r.year == today.year for r in pledge.reports)


def due_reports(session: Session, today: date) -> list[tuple[Pledge, int | None]]:
    """Return the verified pledges owing this year's report, with the last year reported."""
    pledges = session.scalars(
        select(Pledge)
        .where(Pledge.status == VERIFIED)
        .options(selectinload(Pledge.reports))
        .order_by(Pledge.joined_on, Pledge.id)
    )
    return [
        (p, max((r.year for r in p.reports), default=None))
        for p in pledges
        if is_report_due(p, today)
    ]
