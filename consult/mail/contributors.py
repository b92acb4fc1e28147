"""Contributors are told what became of their contribution, when they left an address.

One chokepoint for every path: a listener on the session's flush notices a contribution whose
status changes to published, rejected or hidden (by a moderator, or automatically after
reports), and an official response written or changed, and queues the message in the same
flush, hence the same transaction, as the change. Only contributors who gave an e-mail address
with consent (ContributorDetails) hear anything; demo data never does. Outside an application
context (scripts, migrations) nothing is queued.
"""

from __future__ import annotations

from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from consult.contributions.labels import MODERATION_REASON_LABELS
from consult.contributions.models import Contribution, ContributorDetails, OfficialResponse
from consult.core.links import absolute_url_for
from consult.mail import messages
from consult.mail.outbox import InvalidAddress

#: Status reached -> message kind.
KINDS = {
    "published": "contribution_published",
    "rejected": "contribution_rejected",
    "hidden": "contribution_hidden",
}

messages.SUBJECTS.update(
    {
        "contribution_published": _l("Your contribution is published"),
        "contribution_rejected": _l("Your contribution was not published"),
        "contribution_hidden": _l("Your contribution is hidden for review"),
        "contribution_replied": _l("UCLG CISDP answered your contribution"),
    }
)


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def _roman(article: str | None) -> str | None:
    """The Charter's own numbering: "art10" -> "X" (anything else as it is)."""
    if article and article.startswith("art") and article[3:].isdigit():
        number = int(article[3:])
        if 1 <= number <= len(ROMAN):
            return ROMAN[number - 1]
    return article


def _changes(session: Session) -> list[tuple[Contribution, str]]:
    found = []
    for item in list(session.dirty) + list(session.new):
        if isinstance(item, Contribution) and not item.is_demo:
            history = inspect(item).attrs.status.history
            if not history.has_changes() or item.status not in KINDS or item in session.new:
                continue
            # Hidden by a moderator is a decision they explain elsewhere; after reports, the
            # contributor is told the contribution waits for a moderator.
            if item.status == "hidden" and not item.is_hidden_by_reports:
                continue
            found.append((item, KINDS[item.status]))
        elif isinstance(item, OfficialResponse):
            state = inspect(item)
            changed = item in session.new or state.attrs.text.history.has_changes()
            if changed and item.contribution_id is not None:
                with session.no_autoflush:
                    contribution = session.get(Contribution, item.contribution_id)
                if contribution is not None and not contribution.is_demo:
                    found.append((contribution, "contribution_replied"))
    return found


def _address(session: Session, contribution: Contribution) -> tuple[str, str] | None:
    with session.no_autoflush:
        row = session.execute(
            select(ContributorDetails.email, ContributorDetails.name).where(
                ContributorDetails.contribution_id == contribution.id
            )
        ).first()
    if row is None or not row.email:
        return None
    return row.email, row.name or ""


def _context(contribution: Contribution, kind: str, session: Session) -> dict:
    language = messages.language_of(contribution.interface_language)
    context: dict = {
        "excerpt": (contribution.text or "")[:300],
        "article": _roman(contribution.article),
        "link": absolute_url_for("contributions.detail", contribution_id=contribution.id)
        if kind in ("contribution_published", "contribution_replied")
        else None,
    }
    with force_locale(language):
        if kind == "contribution_rejected":
            label = MODERATION_REASON_LABELS.get(contribution.moderation_reason or "")
            context["reason"] = str(label) if label else ""
            context["note"] = contribution.moderation_note or ""
        if kind == "contribution_replied":
            response = contribution.official_response
            context["response_text"] = response.text if response is not None else ""
    return context


def queue_changes(session: Session) -> None:
    """Queue the messages the pending changes of ``session`` call for."""
    if not has_app_context() or not has_request_context():
        return
    for contribution, kind in _changes(session):
        address = _address(session, contribution)
        if address is None:
            continue
        language = messages.language_of(contribution.interface_language)
        try:
            with session.no_autoflush:
                messages.queue(
                    session,
                    kind,
                    address[0],
                    language,
                    recipient_name=address[1],
                    # Its own budget: reports from strangers that hide someone else's
                    # contribution never use up this contributor's messages.
                    requester=f"contribution:{contribution.id}",
                    flush=False,
                    **_context(contribution, kind, session),
                )
        except InvalidAddress:
            current_app.logger.info("contribution %s: address not usable", contribution.id)


def init_app() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def _before_flush(session: Session, _context, _instances) -> None:
    queue_changes(session)
