"""Invitations and reminders by e-mail, and what mail did for each invitee.

Staff edit the subject and text of each kind (invitation, reminder) per language; a text holds
the placeholders {institution}, {link}, {deadline} and {questionnaire}, replaced when each
message is written (nothing else in the text is interpreted). The HTML part is made from the
text: escaped, one paragraph per blank-line-separated block, the link as a button.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from consult.core.links import absolute_url_for
from consult.db import utcnow
from consult.i18n import format_moment, translate_text
from consult.mail import messages
from consult.mail.compose import normalise_address
from consult.mail.models import InviteeMail, MailTemplate, OutboxMessage
from consult.mail.outbox import Draft, enqueue
from consult.questionnaires.definition import Questionnaire
from consult.staff.invitations import InvitationStatus
from consult.staff.models import Invitation

KINDS = ("invitation", "reminder")
PLACEHOLDERS = ("institution", "link", "deadline", "questionnaire")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
#: Anything written like a placeholder: braces (one or more) around a short text on one line.
_BRACED = re.compile(r"\{+[^{}\n]{0,60}\}+")

#: Who a reminder goes to: invitees whose response is in one of these states.
REMINDER_TARGETS = {
    "not_started": ("not_started",),
    "not_submitted": ("not_started", "draft"),
}

DEFAULT_SUBJECTS = {
    "invitation": _l("Invitation: {questionnaire}"),
    "reminder": _l("Reminder: {questionnaire}"),
}
DEFAULT_BODIES = {
    "invitation": _l(
        "Dear colleagues of {institution},\n\n"
        "UCLG's Committee on Social Inclusion, Participatory Democracy and Human Rights is "
        "revising the Global Charter-Agenda for Human Rights in the City, and invites your "
        "local government to answer the questionnaire “{questionnaire}”.\n\n"
        "This invitation link opens the questionnaire with your institution's name filled in. "
        "You can answer in English, French or Spanish, over several sittings, until "
        "{deadline}:\n\n{link}\n\n"
        "Please agree within your institution on who will answer: your institution has one "
        "response. When that person starts, the questionnaire gives them a personal link to "
        "the answers; from then on only that link, or the browser they started in, opens the "
        "answers. Anyone else who opens this invitation link only sees that the answers were "
        "started.\n\n"
        "With our thanks,\nUCLG CISDP"
    ),
    "reminder": _l(
        "Dear colleagues of {institution},\n\n"
        "We have not yet received the answers of your local government to the questionnaire "
        "“{questionnaire}”. It stays open until {deadline}.\n\n"
        "If nobody has started yet, this invitation link opens it:\n\n{link}\n\n"
        "If your answers were started, they are kept: continue with the personal link given "
        "when they were started, or with this link in the browser they were started in. A lost "
        "personal link can be replaced: “Lost your link?” on the questionnaire's page sends a "
        "new one to an address given while answering, or UCLG CISDP can issue one.\n\n"
        "With our thanks,\nUCLG CISDP"
    ),
}


def unsubscribe_serializer() -> URLSafeSerializer:
    """Sign unsubscribe tokens (the invitation id) with the secret key."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult.mail.unsubscribe")


def unsubscribe_url(invitation_id: int) -> str:
    """Return the one-click unsubscribe address of an invitee."""
    token = unsubscribe_serializer().dumps(invitation_id)
    return absolute_url_for("mail.unsubscribe", token=token)


def invitation_from_token(token: str) -> int | None:
    """Return the invitation id of an unsubscribe token (None if forged)."""
    try:
        value = unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def template_text(session: Session, kind: str, language: str) -> tuple[str, str, bool]:
    """Return (subject, body, edited) of a kind in a language: the staff's, or the default."""
    edited = session.get(MailTemplate, (kind, language))
    if edited is not None:
        return edited.subject, edited.body, True
    with force_locale(language):
        return str(DEFAULT_SUBJECTS[kind]), str(DEFAULT_BODIES[kind]), False


def save_template(
    session: Session, kind: str, language: str, subject: str, body: str, user
) -> None:
    """Store the staff's subject and text of a kind in a language."""
    row = session.get(MailTemplate, (kind, language))
    if row is None:
        row = MailTemplate(kind=kind, language=language)
        session.add(row)
    row.subject = subject
    row.body = body
    row.updated_by_id = getattr(user, "id", None)
    session.flush()


def reset_template(session: Session, kind: str, language: str) -> None:
    """Go back to the default text of a kind in a language."""
    row = session.get(MailTemplate, (kind, language))
    if row is not None:
        session.delete(row)
        session.flush()


def unknown_placeholders(text: str) -> list[str]:
    """Return what ``text`` writes like a placeholder but is not one ("{Institution}",
    "{institutoin}", "{{link}}", "{ deadline }", "{deadline:%Y}"), each once, in order.

    fill() leaves those as written, so an invitee would read them: staff are told when they
    preview, test or save the text, never by a message that goes out wrong.
    """
    known = {"{" + name + "}" for name in PLACEHOLDERS}
    found: list[str] = []
    for match in _BRACED.finditer(text):
        token = match.group(0)
        if token not in known and token not in found:
            found.append(token)
    return found


def template_problems(subject: str, body: str) -> dict[str, str]:
    """Return what is wrong with a subject and text staff wrote, by field, as problem codes.

    The one check for every way a template reaches invitees (preview, test, save):
    ``"unknown:<tokens>"`` (placeholders that do not exist), ``"link_in_subject"`` (a personal
    link would show in every inbox list and notification), ``"no_link"`` (nobody could answer).
    """
    problems: dict[str, str] = {}
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            problems[field] = "unknown:" + ", ".join(unknown)
    if "subject" not in problems and "{link}" in subject:
        problems["subject"] = "link_in_subject"
    if "body" not in problems and "{link}" not in body:
        problems["body"] = "no_link"
    return problems


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the known placeholders in ``text``; anything else stays as written."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def html_of(text: str, link: str) -> Markup:
    """Turn a filled text into the HTML body: escaped paragraphs, the link as a button."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.strip() == link:
            blocks.append(
                Markup(
                    '<p><a class="button" href="{0}">{1}</a></p>\n<p class="link">{0}</p>'
                ).format(link, messages.OPEN_LINK_LABEL)
            )
            continue
        lines = [escape(line) for line in block.split("\n")]
        blocks.append(Markup("<p>") + Markup("<br>\n").join(lines) + Markup("</p>"))
    return Markup("\n").join(blocks)


@dataclass
class Rendered:
    """One invitee's message, as it will be sent."""

    subject: str
    text: str
    html: str
    unsubscribe_url: str


def render_for(
    session: Session,
    kind: str,
    language: str,
    questionnaire: Questionnaire,
    institution: str,
    link: str,
    unsubscribe: str,
    template: tuple[str, str] | None = None,
) -> Rendered:
    """Write an invitee's message from the template of its kind and language."""
    subject, body = template or template_text(session, kind, language)[:2]
    with force_locale(language):
        values = {
            "institution": institution,
            "link": link,
            "deadline": format_moment(questionnaire.closes_at),
            "questionnaire": translate_text(questionnaire.title, language),
        }
        text = fill(body, values)
        filled_subject = fill(subject, values)
        html = messages.render_html_body(
            language, filled_subject, html_of(text, link), unsubscribe_url=unsubscribe
        )
        footer = messages.unsubscribe_footer(unsubscribe)
    return Rendered(filled_subject, f"{text}\n\n-- \n{footer}\n", html, unsubscribe)


def _language(invitation: Invitation) -> str:
    return messages.language_of(invitation.language)


def _ensure_rows(session: Session, ids: list[int]) -> None:
    """Give each invitation a mail record (several workers at once: each row made once)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for chunk in _chunks(ids):
        known = set(
            session.scalars(
                select(InviteeMail.invitation_id).where(InviteeMail.invitation_id.in_(chunk))
            )
        )
        missing = [{"invitation_id": i, "reminder_count": 0} for i in chunk if i not in known]
        if missing:
            session.execute(insert(InviteeMail).values(missing).on_conflict_do_nothing())


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def claim_invitees(
    session: Session, kind: str, ids: list[int], now: datetime, interval: timedelta
) -> set[int]:
    """Take the invitees among ``ids`` that may get ``kind`` now, and note it; return them.

    The one place the pacing rule is applied to what is sent: one conditional UPDATE (per
    500), whose WHERE says who may get the message (not unsubscribed; an invitation: never
    invited; a reminder: invited, and neither invited nor reminded within ``interval``). The
    pages choose candidates from what they read, which another worker may be changing at the
    same moment (two staff pressing "send" together, or one pressing twice); on PostgreSQL
    the second UPDATE waits for the first one's row locks, then re-reads its WHERE and takes
    nobody, so an invitee never gets two messages in an interval.
    """
    _ensure_rows(session, ids)
    taken: set[int] = set()
    for chunk in _chunks(ids):
        claim = update(InviteeMail).where(
            InviteeMail.invitation_id.in_(chunk), InviteeMail.unsubscribed_at.is_(None)
        )
        if kind == "invitation":
            claim = claim.where(InviteeMail.invited_at.is_(None)).values(invited_at=now)
        else:
            since = now - interval
            claim = claim.where(
                InviteeMail.invited_at <= since,
                or_(InviteeMail.reminded_at.is_(None), InviteeMail.reminded_at <= since),
            ).values(reminded_at=now, reminder_count=InviteeMail.reminder_count + 1)
        taken.update(
            session.scalars(
                claim.returning(InviteeMail.invitation_id).execution_options(
                    synchronize_session=False
                )
            )
        )
    return taken


def queue_for(
    session: Session,
    kind: str,
    statuses: list[InvitationStatus],
    questionnaire: Questionnaire,
    link_for,
    interval: timedelta = timedelta(0),
) -> list[OutboxMessage]:
    """Queue ``kind`` to each invitee given that claim_invitees() admits, in its language
    (not committed)."""
    templates: dict[str, tuple[str, str]] = {}
    now = utcnow()
    # An address nothing can be sent to (stored before today's checks, or changed by hand) is
    # left out, not claimed: one such invitee must not fail the batch of everyone else.
    sendable = [s.invitation.id for s in statuses if normalise_address(s.invitation.email)]
    taken = claim_invitees(session, kind, sendable, now, interval)
    queued = []
    for status in statuses:
        invitation = status.invitation
        if invitation.id not in taken:
            continue
        language = _language(invitation)
        if language not in templates:
            templates[language] = template_text(session, kind, language)[:2]
        unsubscribe = unsubscribe_url(invitation.id)
        rendered = render_for(
            session,
            kind,
            language,
            questionnaire,
            invitation.institution_name,
            link_for(invitation),
            unsubscribe,
            templates[language],
        )
        queued.append(
            enqueue(
                session,
                Draft(
                    kind=kind,
                    recipient_email=invitation.email or "",
                    recipient_name=invitation.institution_name,
                    language=language,
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    unsubscribe_url=unsubscribe,
                    invitation_id=invitation.id,
                ),
                current_app.config["MAIL_FROM"],
                flush=False,
            )
        )
    session.flush()
    return queued


def invitation_candidates(
    statuses: list[InvitationStatus], states: dict[int, InviteeMail], region: str | None = None
) -> list[InvitationStatus]:
    """Invitees with an address, never e-mailed, not unsubscribed (optionally of one region)."""
    return [
        s
        for s in statuses
        if s.invitation.email
        and (region is None or s.region == region)
        and (states.get(s.invitation.id) is None or states[s.invitation.id].invited_at is None)
        and (states.get(s.invitation.id) is None or states[s.invitation.id].unsubscribed_at is None)
    ]


def reminder_candidates(
    statuses: list[InvitationStatus],
    states: dict[int, InviteeMail],
    target: str,
    interval: timedelta,
    now: datetime,
    region: str | None = None,
) -> list[InvitationStatus]:
    """Invitees to remind: e-mailed, in the target state, not unsubscribed, not too recently."""
    wanted = REMINDER_TARGETS[target]
    chosen = []
    for s in statuses:
        state = states.get(s.invitation.id)
        if not s.invitation.email or state is None or state.invited_at is None:
            continue
        if state.unsubscribed_at is not None or s.state not in wanted:
            continue
        if region is not None and s.region != region:
            continue
        last = max(d for d in (state.invited_at, state.reminded_at) if d is not None)
        if now - last < interval:
            continue
        chosen.append(s)
    return chosen


def states_by_invitation(session: Session) -> dict[int, InviteeMail]:
    """Every invitee's mail record, by invitation id."""
    return {row.invitation_id: row for row in session.scalars(select(InviteeMail))}


@dataclass
class Delivery:
    """The last message sent to an invitee: its state and, if it failed, why."""

    kind: str
    state: str
    error: str | None
    at: datetime


def last_deliveries(session: Session) -> dict[int, Delivery]:
    """The latest invitation or reminder of each invitee, by invitation id."""
    found: dict[int, Delivery] = {}
    rows = session.execute(
        select(
            OutboxMessage.invitation_id,
            OutboxMessage.kind,
            OutboxMessage.state,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
        )
        .where(OutboxMessage.invitation_id.is_not(None))
        .order_by(OutboxMessage.id)
    )
    for invitation_id, kind, state, error, created_at in rows:
        found[invitation_id] = Delivery(kind, state, error, created_at)
    return found


def record_opened(session: Session, invitation_id: int) -> None:
    """Note the first time an invitee opened the invitation link (flushed, not committed)."""
    row = session.get(InviteeMail, invitation_id)
    if row is None:
        row = InviteeMail(invitation_id=invitation_id, reminder_count=0)
        session.add(row)
    if row.opened_at is None:
        row.opened_at = utcnow()
    session.flush()


def unsubscribe(session: Session, invitation_id: int) -> bool:
    """Stop reminders to an invitee; tell whether this changed anything."""
    if session.get(Invitation, invitation_id) is None:
        return False
    row = session.get(InviteeMail, invitation_id)
    if row is None:
        row = InviteeMail(invitation_id=invitation_id, reminder_count=0)
        session.add(row)
    if row.unsubscribed_at is not None:
        return False
    row.unsubscribed_at = utcnow()
    session.flush()
    return True


def resubscribe(session: Session, invitation_id: int) -> bool:
    """Let reminders reach an invitee who had unsubscribed; tell whether this changed anything."""
    row = session.get(InviteeMail, invitation_id)
    if row is None or row.unsubscribed_at is None:
        return False
    row.unsubscribed_at = None
    session.flush()
    return True


def is_unsubscribed(session: Session, invitation_id: int) -> bool:
    """Tell whether an invitee asked for no more reminders."""
    row = session.get(InviteeMail, invitation_id)
    return row is not None and row.unsubscribed_at is not None


def counts(session: Session) -> dict[str, int]:
    """Invitees e-mailed, whose last message failed, who opened the link, who unsubscribed."""
    states = states_by_invitation(session)
    deliveries = last_deliveries(session)
    return {
        "emailed": sum(1 for s in states.values() if s.invited_at is not None),
        "failed": sum(1 for d in deliveries.values() if d.state == "failed"),
        "opened": sum(1 for s in states.values() if s.opened_at is not None),
        "unsubscribed": sum(1 for s in states.values() if s.unsubscribed_at is not None),
    }
