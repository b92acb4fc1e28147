"""Plain functions that change outcomes data: freeze, publish, withdraw, star quotes.

They flush, never commit (the view or command commits once). Freezing, publishing, withdrawing
and the quotes bank are written to the staff audit log (consult.staff.audit) in the same unit
of work, so an act and its record are kept or lost together.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from consult.contributions.models import Contribution
from consult.db import utcnow
from consult.outcomes import data
from consult.outcomes.distribution import IDENTIFYING_QUESTIONS
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import (
    OutcomePublication,
    OutcomePublisher,
    OutcomeQuote,
    OutcomeSnapshot,
)
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Answer, Response
from consult.staff import audit
from consult.staff.models import User

log = logging.getLogger(__name__)
DECK_QUOTES = 3
QUOTE_MAX_LENGTH = 600

#: Who acts: a staff account, or a description such as audit.COMMAND_LINE.
Actor = User | str


class OutcomesError(Exception):
    """A request the outcomes cannot honour; the message says why, for the staff member."""


def _email(actor: Actor) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def check_timezone(name: str) -> ZoneInfo:
    """Return the time zone named ``name`` (IANA), or raise OutcomesError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise OutcomesError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class QuoteCheck:
    """A starred quote re-read at freeze time, and what became of it since it was starred."""

    quote: OutcomeQuote
    #: "unchanged"; "changed" (the text was edited: the new text is used, and shown);
    #: "gone" (the answer, its response or the publication is no more); "outside" (not among
    #: what the snapshot covers).
    status: str
    #: The text as it reads now (None when gone).
    current_text: str | None

    @property
    def usable(self) -> bool:
        """Whether the snapshot may quote it."""
        return self.status in ("unchanged", "changed")


def check_quotes(
    session: Session, covered_ids: set[int], covered_contributions: set[int]
) -> list[QuoteCheck]:
    """Re-read every starred quote from its answer or contribution, in deck order."""
    quotes = session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    answer_texts = {
        (row.response_id, row.question_key): row.value
        for row in session.execute(
            select(Answer.response_id, Answer.question_key, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Answer.response_id.in_(
                    sorted({q.response_id for q in quotes if q.source == "answer"})
                ),
                Answer.part_key == "",
                Response.status == "submitted",
            )
        )
    }
    contribution_texts = dict(
        session.execute(
            select(Contribution.id, Contribution.text).where(
                Contribution.id.in_(
                    sorted({q.contribution_id for q in quotes if q.source == "contribution"})
                ),
                Contribution.status == "published",
            )
        ).all()
    )
    checks = []
    for quote in quotes:
        if quote.source == "contribution":
            current = contribution_texts.get(quote.contribution_id)
            inside = quote.contribution_id in covered_contributions
        else:
            current = answer_texts.get((quote.response_id, quote.question_key))
            inside = quote.response_id in covered_ids
        if not current:
            status = "gone"
        elif not inside:
            status = "outside"
        elif current != quote.text:
            status = "changed"
        else:
            status = "unchanged"
        checks.append(QuoteCheck(quote, status, current or None))
    return checks


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
        raise OutcomesError("the data time needs a time zone")
    if as_of > now:
        raise OutcomesError("the data time cannot be in the future")


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
) -> OutcomeSnapshot:
    """Compute the summary of every response submitted by ``as_of`` (default now) and keep it.

    The snapshot stores the summary JSON (the published contributions by then included, with
    their ids, and the starred quotes as re-read now with their check) and the exact ids of the
    responses it covers; it never changes afterwards.
    """
    label = label.strip()
    if not label:
        raise OutcomesError("give the snapshot a label")
    check_timezone(timezone)
    now = utcnow()
    _check_as_of(as_of, now)
    as_of = as_of or now
    connection = session.connection()
    summary, ids = data.compute_summary(connection, sources, filters, as_of=as_of)
    summary["frozen"] = {"as_of": as_of.isoformat(), "timezone": timezone, "label": label}
    covered_contributions = set((summary.get("contributions") or {}).get("contribution_ids", []))
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
        }
        for check in check_quotes(session, set(ids), covered_contributions)
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
    """Return a snapshot's summary, checking it is the one stored at the freeze."""
    if hashlib.sha256(snapshot.summary_json.encode()).hexdigest() != snapshot.summary_sha256:
        raise OutcomesError(f"snapshot {snapshot.id} does not match its checksum")
    return json.loads(snapshot.summary_json)


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
        raise OutcomesError("only an administrator may delegate publishing")
    if user.role != "analyst":
        raise OutcomesError("publishing can be delegated to analysts only")
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
        raise OutcomesError("only an administrator may delegate publishing")
    delegation = session.get(OutcomePublisher, user.id)
    if delegation is None:
        return
    session.delete(delegation)
    session.flush()
    audit.record(session, actor, "outcomes.publisher_revoked", target=user.email, ip=ip)


def publish(
    session: Session, snapshot: OutcomeSnapshot, actor: User, ip: str | None = None
) -> OutcomePublication:
    """Show ``snapshot`` at /outcomes (replacing whatever was shown): the explicit act of an
    administrator or of an analyst they delegated publishing to; logged."""
    if not may_publish(session, actor):
        raise OutcomesError("only an administrator or a delegated analyst may publish outcomes")
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
        details={"label": snapshot.label, "responses": snapshot.response_count},
        ip=ip,
    )
    return publication


def withdraw(session: Session, actor: User, ip: str | None = None) -> OutcomePublication | None:
    """Take the published outcomes off /outcomes (an administrator or a delegated analyst)."""
    if not may_publish(session, actor):
        raise OutcomesError("only an administrator or a delegated analyst may withdraw outcomes")
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


# -- comparing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """How a later state differs from a snapshot."""

    added: int
    removed: int
    before: int
    after: int
    per_questionnaire: list[dict[str, Any]]
    per_region: list[dict[str, Any]]
    changed_questions: list[dict[str, Any]]


def compare(
    before: Mapping[str, Any],
    before_ids: list[int],
    after: Mapping[str, Any],
    after_ids: list[int],
) -> Comparison:
    """Compare two summaries: responses added and removed, and the figures that moved most."""
    old, new = set(before_ids), set(after_ids)
    per_questionnaire = []
    changed = []
    regions: dict[str, list[int]] = {}
    after_by_key = {q["key"]: q for q in after["questionnaires"]}
    for questionnaire in before["questionnaires"]:
        later = after_by_key.get(questionnaire["key"])
        if later is None:
            continue
        per_questionnaire.append(
            {
                "key": questionnaire["key"],
                "title": questionnaire["title"],
                "before": questionnaire["responses"],
                "after": later["responses"],
                "difference": later["responses"] - questionnaire["responses"],
            }
        )
        for side, summary in ((0, questionnaire), (1, later)):
            for entry in summary["participation"]["by_region"]:
                counts = regions.setdefault(entry["key"] or "", [0, 0])
                counts[side] += entry["count"] or 0
        later_questions = {q["key"]: q for q in later["questions"]}
        for question in questionnaire["questions"]:
            newer = later_questions.get(question["key"])
            if newer is None or question["type"] not in (
                "single_choice",
                "yes_no",
                "multiple_choice",
            ):
                continue
            old_top = _top_option(question)
            new_shares = {o["key"]: o["share"] for o in newer["options"]}
            if old_top is None or new_shares.get(old_top["key"]) is None:
                continue
            change = new_shares[old_top["key"]] - (old_top["share"] or 0)
            changed.append(
                {
                    "questionnaire": questionnaire["key"],
                    "question": question["key"],
                    "label": question["label"],
                    "option": old_top["label"] or {"en": old_top["key"]},
                    "before": old_top["share"],
                    "after": new_shares[old_top["key"]],
                    "change": change,
                }
            )
    changed = [c for c in changed if abs(c["change"]) > 1e-9]
    changed.sort(key=lambda c: -abs(c["change"]))
    return Comparison(
        added=len(new - old),
        removed=len(old - new),
        before=len(old),
        after=len(new),
        per_questionnaire=per_questionnaire,
        per_region=[
            {"key": k or None, "before": b, "after": a, "difference": a - b}
            for k, (b, a) in sorted(regions.items(), key=lambda kv: -kv[1][1])
        ],
        changed_questions=changed[:8],
    )


@dataclass(frozen=True)
class Freshness:
    """What changed since a freeze among what the snapshot covers (with its own filters)."""

    new_responses: int
    edited_responses: int
    withdrawn_responses: int
    contributions_published: int
    contributions_removed: int

    @property
    def unchanged(self) -> bool:
        """True only when nothing the snapshot covers changed."""
        return not any(
            (
                self.new_responses,
                self.edited_responses,
                self.withdrawn_responses,
                self.contributions_published,
                self.contributions_removed,
            )
        )


def freshness(session: Session, snapshot: OutcomeSnapshot, summary: Mapping[str, Any]) -> Freshness:
    """Count responses submitted, edited or withdrawn, and contributions published, hidden or
    withdrawn, since ``snapshot`` was frozen (within the snapshot's filters)."""
    connection = session.connection()
    filters = SummaryFilter.from_dict(summary.get("filters"))
    ids = set(snapshot_ids(snapshot))
    live = set(data.covered_ids(connection, filters))
    edited = {
        int(i)
        for i in session.scalars(
            select(Response.id).where(
                Response.status == "submitted", Response.updated_at > snapshot.frozen_at
            )
        )
    }
    covered = (summary.get("contributions") or {}).get("contribution_ids")
    public = set(data.covered_contribution_ids(connection, filters))
    counted = set(covered) if covered is not None else public
    return Freshness(
        new_responses=len(live - ids),
        edited_responses=len(edited & ids & live),
        withdrawn_responses=len(ids - live),
        contributions_published=len(public - counted),
        contributions_removed=len(counted - public),
    )


def _top_option(question: Mapping[str, Any]) -> Mapping[str, Any] | None:
    options = [o for o in question.get("options", []) if o.get("count")]
    return max(options, key=lambda o: o["count"]) if options else None


# -- the quotes bank ------------------------------------------------------------------------------


def star_answer(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    response_id: int,
    question_key: str,
    actor: Actor,
    ip: str | None = None,
) -> OutcomeQuote:
    """Star a text answer of a submitted response as a quote (its text is copied verbatim)."""
    response = session.get(Response, response_id)
    if response is None or response.status != "submitted":
        raise OutcomesError("only answers of submitted responses can be quoted")
    questionnaire = questionnaires.get(response.questionnaire_key)
    if questionnaire is None:
        raise OutcomesError("unknown questionnaire")
    try:
        question = questionnaire.question(question_key)
    except KeyError as exc:
        raise OutcomesError("unknown question") from exc
    if question.type not in ("short_text", "long_text"):
        raise OutcomesError("only text answers can be quoted")
    if question_key in IDENTIFYING_QUESTIONS:
        raise OutcomesError("names of institutions are never quoted")
    text = session.scalar(
        select(Answer.value).where(
            Answer.response_id == response_id,
            Answer.question_key == question_key,
            Answer.part_key == "",
        )
    )
    if not text:
        raise OutcomesError("this answer is empty")
    existing = session.scalar(
        select(OutcomeQuote).where(
            OutcomeQuote.response_id == response_id, OutcomeQuote.question_key == question_key
        )
    )
    if existing is not None:
        return existing
    quote = OutcomeQuote(
        source="answer",
        response_id=response_id,
        question_key=question_key,
        questionnaire_key=response.questionnaire_key,
        text=text,
        language=response.language,
        region=response.region,
        respondent_type=response.respondent_type,
        starred_by_email=_email(actor),
        starred_at=utcnow(),
    )
    session.add(quote)
    session.flush()
    _record_quote(session, actor, "outcomes.quote_starred", quote, ip)
    return quote


def _record_quote(
    session: Session, actor: Actor, action: str, quote: OutcomeQuote, ip: str | None
) -> None:
    if quote.source == "contribution":
        source = f"contribution:{quote.contribution_id}"
    else:
        source = f"response:{quote.response_id}:{quote.question_key}"
    audit.record(
        session, actor, action, target=f"quote:{quote.id}", details={"source": source}, ip=ip
    )


def star_contribution(
    session: Session, contribution_id: int, actor: Actor, ip: str | None = None
) -> OutcomeQuote:
    """Star a published contribution as a quote (its text is copied verbatim).

    Pending, rejected, hidden and withdrawn contributions are refused: the deck only ever quotes
    what the public may read.
    """
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or not contribution.is_published:
        raise OutcomesError("only published contributions can be quoted")
    existing = session.scalar(
        select(OutcomeQuote).where(OutcomeQuote.contribution_id == contribution.id)
    )
    if existing is not None:
        return existing
    quote = OutcomeQuote(
        source="contribution",
        contribution_id=contribution.id,
        text=contribution.text,
        language=contribution.language,
        region=contribution.region,
        respondent_type=contribution.organisation_type,
        starred_by_email=_email(actor),
        starred_at=utcnow(),
    )
    session.add(quote)
    session.flush()
    _record_quote(session, actor, "outcomes.quote_starred", quote, ip)
    return quote


def unstar(session: Session, quote_id: int, actor: Actor, ip: str | None = None) -> None:
    """Remove a quote from the bank."""
    quote = session.get(OutcomeQuote, quote_id)
    if quote is None:
        raise OutcomesError("no such quote")
    _record_quote(session, actor, "outcomes.quote_removed", quote, ip)
    session.delete(quote)
    session.flush()


def set_deck_position(session: Session, quote_id: int, position: int | None) -> None:
    """Put a quote at place 1, 2 or 3 of the deck (moving whatever was there out), or remove it."""
    quote = session.get(OutcomeQuote, quote_id)
    if quote is None:
        raise OutcomesError("no such quote")
    if position is not None and not 1 <= position <= DECK_QUOTES:
        raise OutcomesError(f"a deck shows {DECK_QUOTES} quotes")
    if position is not None:
        session.execute(
            update(OutcomeQuote)
            .where(OutcomeQuote.deck_position == position, OutcomeQuote.id != quote_id)
            .values(deck_position=None)
        )
    quote.deck_position = position
    session.flush()


def published_contribution_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Return which of ``ids`` are contributions the public may read now."""
    wanted = {int(i) for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Contribution.id).where(
                Contribution.id.in_(wanted), Contribution.status == "published"
            )
        )
    )


def deck_quotes(
    session: Session,
    covered_ids: set[int] | None,
    covered_contributions: set[int] | None = None,
) -> list[OutcomeQuote]:
    """Return the deck's quotes in order: the chosen ones first, then the latest starred.

    With ``covered_ids`` (a snapshot's responses), answers outside the snapshot are left out, so
    the deck never quotes a response its figures do not include; with ``covered_contributions``
    the same holds for contributions. A contribution hidden, rejected or withdrawn since it was
    starred is never quoted.
    """
    quotes = session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    public = published_contribution_ids(
        session, (q.contribution_id for q in quotes if q.source == "contribution")
    )
    chosen = []
    for quote in quotes:
        if quote.source == "contribution":
            if quote.contribution_id not in public:
                continue
            if (
                covered_contributions is not None
                and quote.contribution_id not in covered_contributions
            ):
                continue
        elif covered_ids is not None and quote.response_id not in covered_ids:
            continue
        chosen.append(quote)
        if len(chosen) == DECK_QUOTES:
            break
    return chosen


def frozen_deck_quotes(
    session: Session, frozen: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Return the deck's quotes from a snapshot's record: as read at the freeze, in deck order,
    without the ones left out then or a contribution no longer public today."""
    usable = [q for q in frozen if q.get("text")]
    public = published_contribution_ids(
        session, (q["contribution_id"] for q in usable if q["source"] == "contribution")
    )
    chosen = [q for q in usable if q["source"] != "contribution" or q["contribution_id"] in public]
    return chosen[:DECK_QUOTES]


def quote_count(session: Session) -> int:
    """Return how many quotes the bank holds."""
    return session.scalar(select(func.count(OutcomeQuote.id))) or 0
