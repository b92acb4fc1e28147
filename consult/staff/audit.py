"""The audit log: who did what, when, and from where. Other features call record().

Flask-free, so that the command line, background jobs and views record the same way; views
pass the client address (see client_ip in consult/staff/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.db import db, utcnow, writing
from consult.staff.models import AuditEntry, User

#: Shown as the actor of what the command line does (it has no signed-in account).
COMMAND_LINE = "command line"

#: The actions the workspace records, for the audit page's filter (others may be added freely).
KNOWN_ACTIONS = (
    "login.success",
    "login.failure",
    "login.throttled",
    "login.unlocked",
    "logout",
    "logout.idle",
    "sessions.revoked",
    "password.changed",
    "user.created",
    "user.role_changed",
    "user.disabled",
    "user.enabled",
    "user.password_reset",
    "export.responses",
    "export.contributions",
    "export.downloaded",
    "invitations.imported",
    "invitations.exported",
    "responses.viewed",
    "response.link_reissued",
    "region.changed",
    "region.reset",
    "moderation.approve",
    "moderation.reject",
    "moderation.hide",
    "moderation.restore",
    "moderation.respond",
    "moderation.reply.approve",
    "moderation.reply.reject",
    "moderation.reply.hide",
    "moderation.reply.restore",
    "mail.outbox_viewed",
    "mail.message_viewed",
    "staff.stale_refused",
)


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add an entry to the audit log (flushed with the caller's unit of work, never committed).

    ``actor`` is the staff account acting, or a description such as COMMAND_LINE, or None for
    an anonymous actor (a failed sign-in). ``details`` must be JSON-serialisable.
    """
    if has_request_context() and request.method in ("GET", "HEAD") and session is db.session:
        db.start_writing()  # a read request's first write (consult.db.Database.start_writing)
        with writing():  # the next transaction begins as a write (BEGIN IMMEDIATE on SQLite)
            return _add(session, actor, action, target, details, ip)
    return _add(session, actor, action, target, details, ip)


def _add(
    session: Session,
    actor: User | str | None,
    action: str,
    target: str | None,
    details: Mapping[str, Any] | None,
    ip: str | None,
) -> AuditEntry:
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_email=actor.email if isinstance(actor, User) else actor,
        action=action,
        target=(target or None) and target[:255],
        ip=(ip or None) and ip[:64],
        details=dict(details) if details else None,
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session, *, action: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEntry], int]:
    """Return one page of entries, newest first, and how many there are in all."""
    query = select(AuditEntry)
    count = select(func.count(AuditEntry.id))
    if action:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    total = session.scalar(count) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def recorded_actions(session: Session) -> list[str]:
    """Return the actions that occur in the log, with the known ones, sorted."""
    found = set(session.scalars(select(AuditEntry.action).distinct()))
    return sorted(found | set(KNOWN_ACTIONS))
