"""Queueing messages and moving them through the outbox (plain functions).

``enqueue`` only adds a row to the caller's session: the message is committed with the action
that causes it, or not at all. It is also where the public's mail is metered (consult/mail/
quota.py, the only part that looks at the request). The sender (consult/mail/sender.py) moves
rows from pending to sent or failed with the claim functions below, which work the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session

from consult.db import commits_not_waiting_for_the_disk, utcnow, writing
from consult.mail import kinds, quota
from consult.mail.compose import new_message_id, normalise_address, one_line
from consult.mail.models import CANCELLED, FAILED, PENDING, REFUSED, SENT, OutboxMessage


class InvalidAddress(ValueError):
    """The recipient's address cannot be sent to."""


@dataclass(frozen=True)
class Draft:
    """A message as rendered, ready to be queued."""

    kind: str
    recipient_email: str
    language: str
    subject: str
    body_text: str
    body_html: str | None = None
    recipient_name: str = ""
    unsubscribe_url: str | None = None
    invitation_id: int | None = None
    #: Who caused it, for the public's budgets (consult/mail/quota.py): "response:12",
    #: "pledge:3", "contribution:7"; None: the client address of the request.
    requester: str | None = None


def enqueue(
    session: Session,
    draft: Draft,
    from_address: str,
    *,
    flush: bool = True,
    metered: bool = True,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction (not committed); None when a
    public request asked for more mail than quota.admits() allows.

    The one place every message passes: its kind must have a cause (consult/mail/kinds.py;
    else UnclassifiedKind), which decides the budget a public request spends on it. A
    message of the recipient's own step (kinds.OWN) that is refused leaves a row without a
    body (REFUSED) for staff to see; the caller's page says it was not sent.
    ``flush=False`` leaves the flush to the caller: a batch of thousands is flushed once.
    ``metered=False``: the caller has asked quota.admits() itself (and was admitted).
    Every message records its requester, so that each has its own budget per recipient.
    """
    cause = kinds.cause_of(draft.kind)
    address = normalise_address(draft.recipient_email)
    if address is None:
        raise InvalidAddress(draft.recipient_email)
    refused = quota.refusal(session, address, draft.requester, draft.kind) if metered else None
    message = OutboxMessage(
        kind=draft.kind,
        state=PENDING,
        recipient_email=address,
        recipient_name=one_line(draft.recipient_name),
        language=draft.language,
        subject=one_line(draft.subject, 300),
        body_text=draft.body_text,
        body_html=draft.body_html,
        unsubscribe_url=draft.unsubscribe_url,
        message_id=new_message_id(from_address),
        invitation_id=draft.invitation_id,
        requester=quota.requester_for(draft.requester),
        next_attempt_at=utcnow(),
        attempts=0,
    )
    if refused is not None:
        if cause != kinds.OWN:
            return None
        # Promised on the page that asked (which now says it was not sent): staff see it.
        message.state = REFUSED
        message.body_text = message.body_html = message.unsubscribe_url = None
        message.last_error = f"not sent: daily limit of the public's mail ({refused})"
    session.add(message)
    if flush:
        session.flush()
    return message if refused is None else None


#: What a message that will not be tried again no longer keeps: its bodies (personal links,
#: answers) and its unsubscribe address (a signed token that stops or restarts an invitee's
#: reminders). What staff need stays: recipient, kind, state, times, the last error.
CLEARED = {"body_text": None, "body_html": None, "unsubscribe_url": None}


def _claimable(now: datetime):
    return (
        OutboxMessage.state == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


@contextlib.contextmanager
def _not_waiting_for_the_disk(session: Session) -> Iterator[None]:
    """Let the transaction begun in this block commit before the database has flushed it to disk.

    For the sender's outcomes only, which it writes every MAIL_RECORD_EVERY messages, and whose
    commits, each waiting for an fsync, held up the sending (the SMTP connection idles while
    the sender waits). PostgreSQL: synchronous_commit off for the transaction; SQLite:
    synchronous=NORMAL for it (consult.db.commits_not_waiting_for_the_disk). A sender killed at
    any point loses nothing by it (the database has the transaction). Only a crash of the
    database server or a power cut can forget the last outcomes (PostgreSQL: at most three times
    wal_writer_delay; SQLite: those since the last FULL commit, that is the last claim): their
    messages, still claimed, are sent once more when the claim lapses, with the same
    Message-ID, like the unwritten ones of a killed sender. Claims stay durable (FULL, and a
    synchronous commit on PostgreSQL), and a claim commit makes every outcome before it durable
    too: a forgotten claim could let a second sender take messages the first is still sending.
    """
    with commits_not_waiting_for_the_disk():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        yield


def claim(session: Session, limit: int, lease_s: float) -> tuple[str, list[OutboxMessage]]:
    """Claim up to ``limit`` due messages for ``lease_s`` seconds; return the claim and them.

    One write transaction: the due ids are read (locked, with FOR UPDATE SKIP LOCKED on
    PostgreSQL, so that a second sender passes over them instead of waiting), then one
    UPDATE by primary key whose WHERE re-checks that each row is still pending and unclaimed
    claims them and returns them whole. SQLite serialises writers; on PostgreSQL the rows stay
    locked until the commit. Either way whichever sender reaches a row first takes it.

    (By primary key, from a list: one UPDATE joined to the SKIP LOCKED query was planned as
    a scan of every queued row per batch on an outbox filled in one go, before PostgreSQL's
    statistics knew it: 85 ms a claim at 3,000 queued messages.)
    """
    token = secrets.token_hex(16)
    now = utcnow()
    # A plain read first: an idle sender never takes the write lock (SQLite has only one).
    anything = session.scalar(select(OutboxMessage.id).where(*_claimable(now)).limit(1))
    session.commit()
    if anything is None:
        return token, []
    due = (
        select(OutboxMessage.id)
        .where(*_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with writing():
        ids = session.scalars(due).all()
        claimed = []
        if ids:
            claimed = session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), *_claimable(now))
                .values(
                    claim_token=token,
                    claimed_until=now + timedelta(seconds=lease_s),
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage)
                .execution_options(synchronize_session=False, populate_existing=True)
            ).all()
        # End the transaction at once: on SQLite a transaction left open could not become
        # the write that records the outcome while another sender writes.
        session.commit()
    return token, sorted(claimed, key=lambda message: message.id)


def _finish(session: Session, ids: list[int], token: str, **values) -> int:
    """Write one outcome for ``ids`` where the claim is still ours (no commit); count them."""
    if not ids:
        return 0
    # On the table, not the mapped class: the ORM's bulk-update layer added nothing here (the
    # rows are not in the session to synchronise) and cost more than the statement itself.
    table = OutboxMessage.__table__
    result = session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
    )
    return result.rowcount


@dataclass(frozen=True)
class Retry:
    """How temporary failures are retried (from the MAIL_* settings)."""

    max_attempts: int
    base_s: float
    max_s: float


@dataclass
class Outcomes:
    """What one sender learnt about its claimed messages, waiting to be written together."""

    sent: list[OutboxMessage]
    #: (message, the server's reply) for permanent refusals.
    failed: list[tuple[OutboxMessage, str]]
    #: (message, the reason) for temporary failures.
    retried: list[tuple[OutboxMessage, str]]

    @classmethod
    def empty(cls) -> Outcomes:
        """No outcome yet."""
        return cls([], [], [])

    def __len__(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.retried)


def record(session: Session, token: str, outcomes: Outcomes, retry: Retry) -> int:
    """Write every outcome in one transaction; return how many were no longer ours.

    Delivered messages are one UPDATE whatever their number; failures (rare) one each. A
    message whose claim has lapsed (another sender may hold it now) is left untouched.
    """
    if not outcomes:
        return 0
    now = utcnow()
    ours = 0
    with writing(), _not_waiting_for_the_disk(session):
        ours += _finish(
            session,
            [m.id for m in outcomes.sent],
            token,
            state=SENT,
            sent_at=now,
            last_error=None,
            **CLEARED,
        )
        for message, error in outcomes.failed:
            ours += _fail(session, message, token, error)
        for message, error in outcomes.retried:
            if message.attempts >= retry.max_attempts:
                reason = f"gave up after {message.attempts} attempts: {error}"
                ours += _fail(session, message, token, reason)
                continue
            delay = retry_delay(message.attempts, retry.base_s, retry.max_s)
            ours += _finish(
                session,
                [message.id],
                token,
                last_error=error[:2000],
                next_attempt_at=now + timedelta(seconds=delay),
            )
        session.commit()
    return len(outcomes) - ours


def _fail(session: Session, message: OutboxMessage, token: str, error: str) -> int:
    return _finish(
        session,
        [message.id],
        token,
        state=FAILED,
        last_error=error[:2000],
        **CLEARED,
    )


def mark_sent(session: Session, message: OutboxMessage, token: str) -> bool:
    """Record one delivery (bodies cleared: they may hold a personal link); tell if ours."""
    return record(session, token, Outcomes([message], [], []), Retry(1, 0, 0)) == 0


def retry_delay(attempts: int, base_s: float, max_s: float) -> float:
    """Return the wait before the next attempt after ``attempts`` failed ones (doubling)."""
    return min(base_s * 2 ** max(attempts - 1, 0), max_s)


def mark_temporary_failure(
    session: Session, message: OutboxMessage, token: str, error: str, retry: Retry
) -> bool:
    """Record one temporary failure: try again later, or give up after the last attempt."""
    return record(session, token, Outcomes([], [], [(message, error)]), retry) == 0


def mark_failed(session: Session, message: OutboxMessage, token: str, error: str) -> bool:
    """Record one permanent failure (the server refused the message or its recipient)."""
    return record(session, token, Outcomes([], [(message, error)], []), Retry(1, 0, 0)) == 0


def release(
    session: Session, messages: list[OutboxMessage], token: str, reason: str | None = None
) -> None:
    """Give back claimed messages that were not tried (their attempt is not counted).

    ``reason`` (why they could not be tried, e.g. a refused SMTP login) is kept for staff.
    """
    values = {} if reason is None else {"last_error": reason[:2000]}
    if not messages:
        return
    with writing():
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([m.id for m in messages]),
                OutboxMessage.claim_token == token,
            )
            .values(
                claim_token=None,
                claimed_until=None,
                attempts=OutboxMessage.attempts - 1,
                **values,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()


def purge(session: Session, older_than: datetime) -> int:
    """Delete sent, failed, withdrawn and refused messages older than ``older_than``; return
    how many. Any such message still holding a secret (written before its clearing was the
    rule) is cleared at once."""
    with writing():
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.state != PENDING,
                or_(
                    OutboxMessage.body_text.is_not(None),
                    OutboxMessage.body_html.is_not(None),
                    OutboxMessage.unsubscribe_url.is_not(None),
                ),
            )
            .values(**CLEARED)
            .execution_options(synchronize_session=False)
        )
        result = session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.state.in_((SENT, FAILED, CANCELLED, REFUSED)),
                OutboxMessage.created_at < older_than,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return result.rowcount
