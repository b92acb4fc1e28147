"""How much mail the public can cause: one meter for every message a request from outside the
staff queues, whatever page caused it (outbox.enqueue asks refusal() for each message).

"E-mail me my link" and "Lost your link?" have their own limits per route, but other public
pages queue mail too: the review page's receipt (sent again at every "Save changes", to any
address typed, with the respondent's own text in it), the campaign's "pledge received", a
contribution's notices. Without one meter, a submitted response made the platform send 240
messages a minute to any addresses. Two bounds hold for every such message:

- per client address, MAIL_PUBLIC_LIMIT (default 20 an hour, 50 a day) for a message nobody's
  own response, pledge or contribution caused; a message one of those caused counts that
  requester instead, MAIL_REQUESTER_LIMIT (default 10 an hour, 30 a day), and the client
  address only bears a ceiling, MAIL_ADDRESS_CEILING (default 300 an hour, 1,000 a day, every
  public message of the address): thirty cities submitting behind one venue's Wi-Fi each get
  their receipt, and no one behind the address can use up another's. Both are counted in the
  rate-limit table in the request's own transaction, so every worker and host sees them;
- per recipient and per requester, MAIL_PER_RECIPIENT_PER_DAY (default 10) messages in 24
  hours, counted in the outbox itself (its ``requester`` column);
- per client address and recipient, over every requester, MAIL_CLIENT_RECIPIENT_LIMIT
  (default 5 an hour, 12 a day), in the rate-limit table under a keyed hash of the address:
  a new draft is a new requester, so one client making fourteen drafts, each mailing the same
  stranger, was flooding that mailbox within every per-requester budget. Many requesters from
  one client to ONE recipient is a flood; many recipients from one client is a venue;
- per recipient, over every client, a ceiling of messages in 24 hours per budget: who causes
  a kind of message decides which (consult/mail/kinds.py). What anyone can cause by typing
  an address (a lost link, a draft's personal link, a join draft's copy) meets
  MAIL_STRANGER_CEILING_PER_DAY (default 25); the recipient's own completed steps (the receipt
  of a submitted response, a pledge sent) meet MAIL_RECIPIENT_CEILING_PER_DAY (default 25),
  counted over those alone. Strangers filling a mailbox never use up its owner's receipt;
  clients spread over many addresses still cannot bury it. The owner's own recovery ("Lost
  your link?") neither counts nor meets a ceiling (its bounds are per client and address).
  The per-client bounds above are kept per budget too: a stranger behind the same venue
  Wi-Fi cannot spend the receipts of the people next to her.

The requester is who caused the message: the response whose link or receipt it carries
("response:12"), the pledge ("pledge:3") or contribution ("contribution:7") it is about, else
the client address ("client:203.0.113.5"). A budget shared by everyone who can type an
address would let a stranger use up what the owner asks for: ten receipts from the
stranger's own response to someone's address silenced that person's "Lost your link?", her
own link and her own receipt for the day. Per requester, nobody's messages count against
anyone else's; a mailbox is still protected, since each requester costs a response, pledge or
contribution made from a metered client address.

A message over a bound is not queued (logged without the address), and the page that
asked says so (refusal() tells why) unless saying so would tell whether an address is known
("Lost your link?" counts its own requests, known or not: respondents.send_lost_link); one of
the recipient's own (kinds.OWN) leaves a row without a body in the outbox (state REFUSED) so
that staff see it. Staff
actions, the command line and the sender's own work (the moderators' digest) are not metered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.mail import kinds
from consult.mail.models import REFUSED, OutboxMessage

log = logging.getLogger("consult.mail")

#: The defaults (the MAIL_* settings override them).
PUBLIC_LIMIT = "20 per hour;50 per day"
REQUESTER_LIMIT = "10 per hour;30 per day"
ADDRESS_CEILING = "300 per hour;1000 per day"
#: Requesters that are someone's own thing: a message they cause counts them, not the address.
OWNED_REQUESTERS = ("response:", "pledge:", "contribution:")
PER_RECIPIENT_PER_DAY = 10
CLIENT_RECIPIENT_LIMIT = "5 per hour;12 per day"
RECIPIENT_CEILING_PER_DAY = 25
STRANGER_CEILING_PER_DAY = 25
#: Set on ``g`` by work that runs in a request context without being a request (the digest).
UNMETERED = "mail_unmetered"


def is_public_request() -> bool:
    """Tell whether the current code serves a request from outside the staff."""
    if not has_request_context() or g.get(UNMETERED):
        return False
    from flask_login import current_user

    return not (current_user and current_user.is_authenticated)


#: Why refusal() refused: this client address asked for enough messages, this requester asked
#: for enough messages, this requester sent enough to this address today, this client asked
#: for enough messages to this address, or this address received enough from the public today.
CLIENT = "client"
REQUESTER = "requester"
RECIPIENT = "recipient"
CLIENT_RECIPIENT = "client-recipient"
RECIPIENT_CEILING = "recipient-ceiling"


def client_requester() -> str:
    """The requester of a public message no response, pledge or contribution caused."""
    return f"client:{request.remote_addr or '-'}"


def requester_for(requester: str | None) -> str | None:
    """The requester a message queued now is recorded under (None outside public requests)."""
    if not is_public_request():
        return None
    return requester or client_requester()


def count_client_hit(
    session: Session, name: str, requester: str | None = None, budget: str = kinds.ANYONE
) -> str | None:
    """Count one message of ``name`` asked for by this request; return None if it is within the
    limits (always, when rate limits are off), else why not (CLIENT or REQUESTER).

    A message someone's own response, pledge or contribution caused (``requester``) counts
    that requester against MAIL_REQUESTER_LIMIT; any other counts the client address against
    MAIL_PUBLIC_LIMIT. Every one counts the address against MAIL_ADDRESS_CEILING, kept per
    ``budget`` (kinds.OWN or kinds.ANYONE): what anyone can cause never spends the receipts.
    """
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    client = request.remote_addr or "-"
    if requester is not None and requester.startswith(OWNED_REQUESTERS):
        meter = (config.get("MAIL_REQUESTER_LIMIT") or REQUESTER_LIMIT, requester, REQUESTER)
    else:
        meter = (config.get("MAIL_PUBLIC_LIMIT") or PUBLIC_LIMIT, client, CLIENT)
    ceiling = (config.get("MAIL_ADDRESS_CEILING") or ADDRESS_CEILING, client, CLIENT)
    for (limit, who, reason), key in ((meter, name), (ceiling, _keyed(f"{name}-ceiling", budget))):
        if not _within(session, limit, key, who):
            return reason
    return None


def _keyed(name: str, budget: str) -> str:
    """The rate-limit name of ``name`` for ``budget`` (ANYONE keeps the name it always had)."""
    return name if budget == kinds.ANYONE else f"{name}-{budget}"


def _within(session: Session, limit: str, name: str, who: str) -> bool:
    """Count one hit of ``name`` for ``who`` under each of ``limit``'s windows; tell whether
    every window still holds it."""
    from limits import parse_many

    from consult.ratelimits.storage import count_hit

    connection = session.connection()
    return all(
        count_hit(connection, item.key_for(name, who), item.get_expiry()) <= item.amount
        for item in parse_many(limit)
    )


def _address_digest(address: str) -> str:
    """A keyed hash of an address, for the rate-limit table (never the address in clear)."""
    key = hashlib.sha256(b"consult.mail.asks:" + current_app.config["SECRET_KEY"].encode())
    return hmac.new(key.digest(), address.casefold().encode(), hashlib.sha256).hexdigest()


def count_client_recipient_hit(session: Session, address: str, budget: str = kinds.ANYONE) -> bool:
    """Count one message of ``budget`` from this client address to ``address``, whoever caused
    it; tell whether it is within MAIL_CLIENT_RECIPIENT_LIMIT (always, when rate limits are
    off)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    limit = config.get("MAIL_CLIENT_RECIPIENT_LIMIT") or CLIENT_RECIPIENT_LIMIT
    who = f"{request.remote_addr or '-'}/{_address_digest(address)}"
    return _within(session, limit, _keyed("mail-client-recipient", budget), who)


def ceiling_of(budget: str) -> int:
    """The messages of ``budget`` one recipient may receive from the public in 24 hours."""
    config = current_app.config
    if budget == kinds.OWN:
        return int(config.get("MAIL_RECIPIENT_CEILING_PER_DAY", RECIPIENT_CEILING_PER_DAY))
    return int(config.get("MAIL_STRANGER_CEILING_PER_DAY", STRANGER_CEILING_PER_DAY))


def recipient_is_full(session: Session, address: str, kind: str) -> bool:
    """Tell whether ``address`` received its ceiling of public messages of ``kind``'s budget in
    24 hours, from every client together (only that budget's kinds counted, recovery never)."""
    budget = kinds.budget_of(kind)
    recent = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient_email == address,
            OutboxMessage.requester.is_not(None),
            OutboxMessage.kind.in_(kinds.kinds_of_budget(budget)),
            OutboxMessage.state != REFUSED,
            OutboxMessage.created_at >= utcnow() - timedelta(days=1),
        )
    )
    return recent >= ceiling_of(budget)


def asks_about(session: Session, purpose: str, address: str, window: timedelta) -> int:
    """Count one request of this client address about ``address`` for ``purpose`` ("lost-link",
    "staff-reset"); return how many it made in ``window``, this one included.

    For pages that must not tell whether an address is known: every request counts, known
    address or not, so a refusal after too many says nothing about the address; and per client,
    so a stranger asking about someone's address never uses up what its owner asks for. Kept in
    the rate-limit table (every worker and host sees it) under a keyed hash, never the address.
    """
    from consult.ratelimits.storage import count_hit

    digest = _address_digest(address)
    client = request.remote_addr or "-"
    return count_hit(
        session.connection(), f"mail-asks/{purpose}/{client}/{digest}", window.total_seconds()
    )


def refusal(session: Session, address: str, requester: str | None, kind: str) -> str | None:
    """Tell why a message of ``kind`` to ``address`` caused by ``requester`` may not be queued
    now (RECIPIENT, RECIPIENT_CEILING, CLIENT_RECIPIENT, REQUESTER or CLIENT), or None: it may
    (and is counted). The one gate of every message a public request causes (outbox.enqueue).

    Every bound but the requester's own is kept per budget (kinds.budget_of): a message anyone
    can cause never spends what the recipient's own steps need."""
    budget = kinds.budget_of(kind)  # an unclassified kind fails here, public or not
    if not is_public_request():
        return None
    requester = requester_for(requester)
    since = utcnow() - timedelta(days=1)
    recent = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient_email == address,
            OutboxMessage.requester == requester,
            OutboxMessage.state != REFUSED,
            OutboxMessage.created_at >= since,
        )
    )
    limit = int(current_app.config.get("MAIL_PER_RECIPIENT_PER_DAY", PER_RECIPIENT_PER_DAY))
    if recent >= limit:
        log.warning("mail not queued: this requester sent the recipient enough messages today")
        return RECIPIENT
    if kind not in kinds.RECOVERY and recipient_is_full(session, address, kind):
        log.warning("mail not queued: the recipient received enough %s messages today", budget)
        return RECIPIENT_CEILING
    if not count_client_recipient_hit(session, address, budget):
        log.warning("mail not queued: this client asked for enough messages to the recipient")
        return CLIENT_RECIPIENT
    refused = count_client_hit(session, "mail-public", requester, budget)
    if refused is not None:
        log.warning("mail not queued: this %s asked for enough messages", refused)
    return refused


def admits(session: Session, address: str, requester: str | None, kind: str) -> bool:
    """Tell whether a message of ``kind`` to ``address`` may be queued now (counting it if so)."""
    return refusal(session, address, requester, kind) is None
