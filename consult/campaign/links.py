"""A pledge's way back: "Lost your link?" and staff's new link, as responses have them.

A pledge is opened only by its personal link (the institution holds the token, the database its
hash). A verified city reports its progress each year through it, so a lost link must be
recoverable: "Lost your link?" mails a link to the pledge's contact address which, when opened,
gives a new personal link and retires the old one; staff can send a new link from the pledge's
page. Both replace the link through ``reissue`` (audited; pages of the old link still open say
it was replaced, 410: consult.questionnaires.retired). The tickets, the asking client's bounds
and the way the answer hides whether an address is known are the responses' own
(consult.mail.respondents, consult.mail.quota).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.campaign import notices, operations
from consult.campaign.models import Pledge, RetiredPledgeLink
from consult.core.links import absolute_url_for
from consult.db import utcnow
from consult.mail import messages
from consult.mail.respondents import (
    LOST_LINK_MAX_AGE,
    answer_lost_link,
    link_fingerprint,
    link_ticket,
    read_link_ticket,
    ticket_token,
)
from consult.questionnaires.models import RETIRED_LINK_DAYS

_SALT = "consult.campaign.lost-link"
#: Who asked for a new link, as the audit log shows it when no staff account did.
LOST_LINK_ACTOR = "institution (lost link, by e-mail)"
#: No subject carries what the public typed (see consult.campaign.notices.SUBJECTS).
SUBJECTS = {
    "lost_link": _l("Open your pledge again"),
    "new_link": _l("A new personal link to your pledge"),
}


def reissue(
    session: Session, pledge: Pledge, actor, *, ip: str | None = None, token: str | None = None
) -> str:
    """Give a pledge a new personal link and return its token; the old link stops working and
    says so (audited; not committed)."""
    from consult.staff import audit
    from consult.staff.models import User

    token = token or operations.new_token()
    reason = "staff" if isinstance(actor, User) else "lost_link"
    if operations.hash_token(token) != pledge.token_hash:  # equal: a ticket redeemed twice
        session.merge(
            RetiredPledgeLink(
                token_hash=pledge.token_hash,
                pledge_id=pledge.id,
                retired_at=utcnow(),
                reason=reason,
            )
        )
    pledge.token_hash = operations.hash_token(token)
    session.flush()
    audit.record(
        session,
        actor,
        "campaign.pledge_link_reissued",
        target=f"pledge {pledge.id}",
        details={"pledge_id": pledge.id, "by": reason},
        ip=ip,
    )
    return token


def purge_retired_pledge_links(
    session: Session, older_than_days: float = RETIRED_LINK_DAYS, now: datetime | None = None
) -> int:
    """Forget replaced pledge links older than ``older_than_days`` (a response's replaced
    links' retention); return how many (flushes only)."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    result = session.execute(
        delete(RetiredPledgeLink)
        .where(RetiredPledgeLink.retired_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def replaced_pledge(session: Session, token: str) -> Pledge | None:
    """The pledge whose link ``token`` was before it was replaced; None if never one."""
    if not operations.is_token(token):
        return None
    return session.scalar(
        select(Pledge)
        .join(RetiredPledgeLink, RetiredPledgeLink.pledge_id == Pledge.id)
        .where(RetiredPledgeLink.token_hash == operations.hash_token(token))
    )


def _render(kind: str, language: str, **context) -> tuple[str, str, str]:
    with force_locale(language):
        subject = str(SUBJECTS[kind])
        text = render_template(
            f"campaign/mail/{kind}.txt", subject=subject, language=language, **context
        )
        html = render_template(
            f"campaign/mail/{kind}.html", subject=subject, language=language, **context
        )
    return subject, text, html


def send_lost_link(session: Session, typed: str, language: str) -> str:
    """Mail a way back to the pledges whose contact address is ``typed``; return
    LOST_LINK_ASKED or LOST_LINK_REFUSED (neither tells whether the address matched).

    The same request as a response's "Lost your link?" (consult.mail.respondents.
    answer_lost_link: the same bounds, the same work for a known address and an unknown one).
    """

    def find(address: str) -> Sequence[Pledge]:
        return session.scalars(
            select(Pledge)
            .where(func.lower(Pledge.contact_email) == address.casefold())
            .order_by(Pledge.id)
        ).all()

    def render(pledges: Sequence[Pledge], language: str) -> tuple[str, str, str]:
        # A stand-in for an address that matched nothing: its ticket is never sent.
        owners = [(p.id, p.token_hash) for p in pledges] or [(0, "0" * 64)]
        links = [
            absolute_url_for("campaign.open_lost_link", link_token=link_ticket(_SALT, *owner))
            for owner in owners
        ]
        return _render("lost_link", language, links=links, days=LOST_LINK_MAX_AGE.days)

    return answer_lost_link(
        session,
        typed,
        language,
        asks="pledge-lost-link",
        kind="campaign_lost_link",
        find=find,
        render=render,
    )


def redeem_lost_link(
    session: Session, ticket: str, *, replace: bool, ip: str | None = None
) -> tuple[str, str | None]:
    """Read a pledge's "lost link" ticket: ("stale", None), ("again", token), ("ready", None)
    or ("new", token), as consult.mail.respondents.redeem_lost_link does for a response."""
    read = read_link_ticket(_SALT, ticket)
    pledge = session.get(Pledge, read[0]) if read else None
    if pledge is None:
        return "stale", None
    token = ticket_token(ticket)
    if operations.hash_token(token) == pledge.token_hash:
        return "again", token
    if read[1] != link_fingerprint(pledge.token_hash):
        return "stale", None
    if not replace:
        return "ready", None
    return "new", reissue(session, pledge, LOST_LINK_ACTOR, ip=ip, token=token)


def send_new_link(session: Session, pledge: Pledge, actor, ip: str | None = None) -> bool:
    """Staff's new link: replace the pledge's link and mail it to the contact address (not
    committed); tell whether the message was queued."""
    token = reissue(session, pledge, actor, ip=ip)
    language = messages.language_of(pledge.language)
    link = absolute_url_for("campaign.pledge", token=token)
    subject, text, html = _render("new_link", language, link=link)
    return notices.queue_to_contact(
        session, pledge, "campaign_new_link", language, subject, text, html
    )
