"""How much mail the public can cause: one meter for every message a request from outside the
staff queues, whatever page caused it (outbox.enqueue asks admits() for each message).

"E-mail me my link" and "Lost your link?" have their own limits per route, but other public
pages queue mail too: the review page's receipt (sent again at every "Save changes", to any
address typed, with the respondent's own text in it), the campaign's "pledge received", a
contribution's notices. Without one meter, a submitted response made the platform send 240
messages a minute to any addresses. Two bounds hold for every such message:

- per client address, MAIL_PUBLIC_LIMIT (default 20 an hour, 50 a day), counted in the
  rate-limit table in the request's own transaction, so every worker and host sees it;
- per recipient, MAIL_PER_RECIPIENT_PER_DAY (default 10) messages in 24 hours, counted in the
  outbox itself, so nobody can make the platform flood one mailbox from many addresses.

A message over either bound is not queued (logged without the address); the page answers as
it would have, like "Lost your link?" does. Staff actions, the command line and the sender's
own work (the moderators' digest) are not metered.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.mail.models import OutboxMessage

log = logging.getLogger("consult.mail")

#: The defaults (the MAIL_* settings override them).
PUBLIC_LIMIT = "20 per hour;50 per day"
PER_RECIPIENT_PER_DAY = 10
#: Set on ``g`` by work that runs in a request context without being a request (the digest).
UNMETERED = "mail_unmetered"


def is_public_request() -> bool:
    """Tell whether the current code serves a request from outside the staff."""
    if not has_request_context() or g.get(UNMETERED):
        return False
    from flask_login import current_user

    return not (current_user and current_user.is_authenticated)


def admits(session: Session, address: str) -> bool:
    """Tell whether a message to ``address`` may be queued now (counting it if so)."""
    if not is_public_request():
        return True
    config = current_app.config
    since = utcnow() - timedelta(days=1)
    recent = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient_email == address, OutboxMessage.created_at >= since
        )
    )
    if recent >= int(config.get("MAIL_PER_RECIPIENT_PER_DAY", PER_RECIPIENT_PER_DAY)):
        log.warning("mail not queued: the recipient had enough messages today")
        return False
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    from limits import parse_many

    from consult.ratelimits.storage import count_hit

    client = request.remote_addr or "-"
    connection = session.connection()
    for item in parse_many(config.get("MAIL_PUBLIC_LIMIT") or PUBLIC_LIMIT):
        if count_hit(connection, item.key_for("mail-public", client), item.get_expiry()) > (
            item.amount
        ):
            log.warning("mail not queued: this client address asked for enough messages")
            return False
    return True
