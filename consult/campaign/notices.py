"""E-mail notices to the institution's contact, through the outbox (consult/mail): the pledge
received (with its personal link), and each of staff's decisions (with the reason)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from consult.campaign.models import DRAFT, NEEDS_MORE, REJECTED, VERIFIED, Pledge
from consult.core.links import absolute_url_for
from consult.mail.outbox import Draft, InvalidAddress, enqueue

#: No subject carries text the public typed (the institution's name): anyone may type any
#: address as the contact, and a subject is what a stranger's mailbox shows of a message.
SUBJECTS = {
    "received": _l("Your pledge to join the campaign: your personal link"),
    VERIFIED: _l("Welcome to the campaign: %(institution)s has joined"),
    NEEDS_MORE: _l("Your pledge to join the campaign: we need more"),
    REJECTED: _l("Your pledge to join the campaign was not accepted"),
}
#: The outbox's kind of each notice (consult/mail/kinds.py says who causes each).
KINDS = {
    "received": "campaign_received",
    #: The same notice for a join draft: anyone can save one naming any contact.
    "draft_received": "campaign_draft_received",
    VERIFIED: "campaign_verified",
    NEEDS_MORE: "campaign_needs_more",
    REJECTED: "campaign_rejected",
}


def _language(pledge: Pledge) -> str:
    languages = current_app.config["LANGUAGES"]
    return pledge.language if pledge.language in languages else languages[0]


def _queue(
    session: Session, pledge: Pledge, notice: str, link: str | None, kind: str | None = None
) -> bool:
    language = _language(pledge)
    context = {
        "pledge": pledge,
        "notice": notice,
        "link": link,
        "language": language,
        # The way back to a lost personal link (consult.campaign.links).
        "lost_link_url": absolute_url_for("campaign.lost_link"),
    }
    with force_locale(language):
        subject = str(SUBJECTS[notice]) % {"institution": pledge.institution_name}
        text = render_template("campaign/mail/notice.txt", subject=subject, **context)
        html = render_template("campaign/mail/notice.html", subject=subject, **context)
    kind = kind or KINDS[notice]
    return queue_to_contact(session, pledge, kind, language, subject, text, html)


def queue_to_contact(
    session: Session, pledge: Pledge, kind: str, language: str, subject: str, text: str, html: str
) -> bool:
    """Queue a message to the pledge's contact (not committed); tell whether it was queued."""
    try:
        queued = enqueue(
            session,
            Draft(
                kind=kind,
                recipient_email=pledge.contact_email,
                recipient_name=pledge.contact_name,
                language=language,
                subject=subject,
                body_text=text,
                body_html=html,
                # The pledge's own budget: other pledges to the same address never use it up.
                requester=f"pledge:{pledge.id}",
            ),
            current_app.config["MAIL_FROM"],
        )
    except InvalidAddress:
        current_app.logger.info("campaign notice not queued: the contact address is not usable")
        return False
    return queued is not None


def queue_pledge_received(session: Session, pledge: Pledge, token: str) -> bool:
    """Tell the contact the pledge was received, with its personal link (not committed); tell
    whether the message was queued."""
    link = absolute_url_for("campaign.pledge", token=token)
    kind = KINDS["draft_received" if pledge.status == DRAFT else "received"]
    return _queue(session, pledge, "received", link, kind)


def queue_decision(session: Session, pledge: Pledge) -> None:
    """Tell the contact of staff's decision (verified, more needed, rejected) (not committed).

    The personal link is not repeated: it is only in the first message and the institution's
    hands (only its hash is stored).
    """
    if pledge.status in (VERIFIED, NEEDS_MORE, REJECTED):
        _queue(session, pledge, pledge.status, None)
