"""Respondents' messages: their personal link on request, the receipt, and a lost link.

A respondent's address is used to send what they asked for; what is kept for "Lost your
link?" is only a keyed hash of it (HMAC-SHA256 under the secret key), so that a copy of the
database does not list who answered. The address itself stays only in the contact details,
and only when the respondent consented to that.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol, TypeVar

from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.core.links import absolute_url_for
from consult.db import utcnow
from consult.i18n import format_moment, translate_text
from consult.mail import messages, quota
from consult.mail.compose import normalise_address
from consult.mail.models import AddressKey
from consult.mail.outbox import Draft, enqueue
from consult.questionnaires.definition import Questionnaire, is_shown
from consult.questionnaires.models import Response
from consult.questionnaires.operations import hash_token

#: At most this many "lost link" requests for one address from one client address in a day
#: (counted whether or not the address is known, so a refusal tells nothing).
LOST_LINK_PER_ADDRESS_PER_DAY = 3
#: What send_lost_link tells the page: a message is on its way if the address is known, or
#: nothing was sent, known or not (this client asked enough for the address, or for mail).
LOST_LINK_ASKED = "asked"
LOST_LINK_REFUSED = "refused"
#: How long the link in a "lost link" message can be opened.
LOST_LINK_MAX_AGE = timedelta(days=7)
_LOST_LINK_SALT = "consult.mail.lost-link"
#: The personal-link hash of the stand-in response an unmatched address is rendered for.
_STAND_IN_HASH = "0" * 64


def address_hash(address: str, secret_key: str) -> str:
    """Return the keyed hash under which an address is matched (case-insensitive)."""
    normalised = (normalise_address(address) or address.strip()).casefold()
    key = hashlib.sha256(b"consult.mail.address:" + secret_key.encode()).digest()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def remember_address(session: Session, response_id: int, address: str) -> None:
    """Keep the keyed hash of an address given for a response (once)."""
    digest = address_hash(address, current_app.config["SECRET_KEY"])
    known = session.scalar(
        select(AddressKey.id).where(
            AddressKey.response_id == response_id, AddressKey.address_hash == digest
        )
    )
    if known is None:
        session.add(AddressKey(response_id=response_id, address_hash=digest))
        session.flush()


def _facts(questionnaire: Questionnaire, language: str) -> dict[str, str]:
    with force_locale(language):
        return {
            "questionnaire_title": translate_text(questionnaire.title, language),
            "closes_on": format_moment(questionnaire.closes_at),
        }


def requester_of(response: Response) -> str:
    """Who causes a response's messages, for the public's mail budgets (consult/mail/quota.py):
    the response itself, so that another response's messages never use up its own."""
    return f"response:{response.id}"


def queue_personal_link(
    session: Session, response: Response, questionnaire: Questionnaire, token: str, address: str
) -> bool:
    """Queue the personal link to ``address`` and remember the address's hash; tell whether it
    was queued (False: the response or this client asked for enough messages today)."""
    language = messages.language_of(response.language)
    queued = messages.queue(
        session,
        "personal_link",
        address,
        language,
        requester=requester_of(response),
        link=absolute_url_for("questionnaires.resume", token=token),
        **_facts(questionnaire, language),
    )
    if queued is not None:
        # Only an address mailed is remembered: a flood refused never joins the owner's
        # "Lost your link?" message.
        remember_address(session, response.id, address)
    return queued is not None


def receipt_sections(
    questionnaire: Questionnaire,
    answers: dict,
    language: str,
    describe: Callable,
) -> list[dict]:
    """Return the copy of the answers: each shown section with its questions' lines."""
    sections = []
    with force_locale(language):
        for section in questionnaire.sections:
            if not is_shown(section, answers, questionnaire):
                continue
            items = [
                {
                    "label": translate_text(q.label, language),
                    "lines": describe(questionnaire, q, answers.get(q.key, {})),
                }
                for q in section.questions
                if is_shown(q, answers, questionnaire)
            ]
            sections.append({"title": translate_text(section.title, language), "answers": items})
    return sections


def queue_receipt(
    session: Session,
    response: Response,
    questionnaire: Questionnaire,
    token: str,
    address: str,
    answers: dict,
    describe: Callable,
) -> bool:
    """Queue the receipt of a submitted response (number, date, link, copy of the answers); tell
    whether it was queued (False: the response or this client asked for enough today)."""
    language = messages.language_of(response.language)
    with force_locale(language):
        submitted_on = format_moment(response.submitted_at)
    queued = messages.queue(
        session,
        "receipt",
        address,
        language,
        requester=requester_of(response),
        receipt_number=response.receipt_number,
        submitted_on=submitted_on,
        link=absolute_url_for("questionnaires.resume", token=token),
        can_edit=questionnaire.is_open(utcnow()),
        sections=receipt_sections(questionnaire, answers, language, describe),
        join_url=campaign_join_url(response, token),
        **_facts(questionnaire, language),
    )
    if queued is not None:
        # Only an address mailed is remembered: a flood refused never joins the owner's
        # "Lost your link?" message.
        remember_address(session, response.id, address)
    return queued is not None


def campaign_join_url(response: Response, token: str) -> str | None:
    """The join form's address for a response that wishes to join the campaign, or None."""
    if "campaign.join_from_response" not in current_app.view_functions:
        return None
    from consult.campaign.prefill import join_offer

    if join_offer(response, token) is None:
        return None
    return absolute_url_for("campaign.join_from_response", token=token)


def read_receipt_request(form) -> tuple[str | None, str | None]:
    """Read the review page's receipt field: (address or None, error code or None)."""
    raw = (form.get("mail.receipt_email") or "").strip()
    if not raw:
        return None, None
    address = normalise_address(raw)
    return (address, None) if address else (None, "invalid")


def link_fingerprint(token_hash: str) -> str:
    """Who a personal link is now (its stored hash), in a form that gives nothing of it away."""
    return hashlib.sha256(b"consult.lost-link:" + token_hash.encode()).hexdigest()[:16]


def _fingerprint(response: Response) -> str:
    return link_fingerprint(response.resume_token_hash)


def link_ticket(salt: str, owner_id: int, token_hash: str) -> str:
    """The ticket a "lost link" message carries for a response or a pledge (``salt`` tells
    which): signed, dated, and bound to the personal link it has now (``token_hash``), so
    that it can replace that link once, and only that link."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
    # The nonce: two messages asked for in the same second still carry two tickets.
    return serializer.dumps([owner_id, link_fingerprint(token_hash), secrets.token_hex(4)])


def read_link_ticket(salt: str, ticket: str) -> tuple[int, str] | None:
    """The (owner id, fingerprint) a ticket of ``salt`` names; None: forged or too old."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
    try:
        owner_id, fingerprint, _nonce = serializer.loads(
            ticket, max_age=int(LOST_LINK_MAX_AGE.total_seconds())
        )
    except (BadSignature, ValueError, TypeError):
        return None
    return (owner_id, str(fingerprint)) if type(owner_id) is int else None


def lost_link_ticket(response: Response) -> str:
    """The ticket of a response's "lost link" message (see link_ticket)."""
    return link_ticket(_LOST_LINK_SALT, response.id, response.resume_token_hash)


def ticket_token(ticket: str) -> str:
    """The personal link a ticket gives: derived from it, so that opening the same message twice
    (a double click, a reload) gives the same link instead of replacing the one just given."""
    key = hashlib.sha256(b"consult.lost-link-token:" + current_app.config["SECRET_KEY"].encode())
    digest = hmac.new(key.digest(), ticket.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def redeem_lost_link(
    session: Session, ticket: str, *, replace: bool, ip: str | None = None
) -> tuple[str, str | None]:
    """Read a "lost link" message's ticket: return (state, personal link token).

    - ``"stale"``, None: forged, older than LOST_LINK_MAX_AGE, or its response's link was
      replaced since (by another message's link, or by staff);
    - ``"again"``, token: this ticket was opened before; the link it gave then;
    - ``"ready"``, None: valid, not opened yet (``replace`` False: nothing changed);
    - ``"new"``, token: ``replace`` True: the response's personal link is now ``token``.

    Only here is a personal link replaced for a "lost link" request, through the one reissue
    function (audited, the old link stops working): asking for a lost link changes nothing, so
    nobody who merely knows a respondent's address can end that respondent's link.
    """
    from consult.staff import invitations
    from consult.staff.models import Invitation

    read = read_link_ticket(_LOST_LINK_SALT, ticket)
    response = session.get(Response, read[0]) if read else None
    if response is None:
        return "stale", None
    fingerprint = read[1]
    token = ticket_token(ticket)
    if hmac.compare_digest(response.resume_token_hash, hash_token(token)):
        return "again", token
    if not hmac.compare_digest(str(fingerprint), _fingerprint(response)):
        return "stale", None
    if not replace:
        return "ready", None
    invitation = session.get(Invitation, response.invitation_id) if response.invitation_id else None
    invitations.reissue_personal_link(
        session, response, invitations.LOST_LINK_ACTOR, invitation=invitation, ip=ip, token=token
    )
    return "new", token


def send_lost_link(
    session: Session,
    questionnaire: Questionnaire,
    typed: str,
    language: str,
    ip: str | None = None,
) -> str:
    """Send a way back to the responses ``typed`` was given for; return LOST_LINK_ASKED or
    LOST_LINK_REFUSED (the page says which; neither tells whether the address matched).

    The message holds, per response, a link that gives a new personal link when it is opened
    (redeem_lost_link); until then the respondent's current link keeps working, whoever asked.
    An invited institution too: its invitation link only says that the response was started,
    so it would not help.

    The bounds are the asking client's own: LOST_LINK_PER_ADDRESS_PER_DAY requests for one
    address, and its public mail meter. Counted per client, known address or not: a stranger
    asking for someone's address never uses up what that person asks for herself, and a
    refusal (said on the page) tells nothing about the address.

    An address that matches nothing does the same work (the counts, the public mail meter, a
    signed ticket, the message rendered) and only skips the insert into the outbox, so the
    answer's time does not tell whether that address answered the consultation.
    """
    del ip  # nothing changes here: the audit entry is written when the link is opened
    digest_of = functools.partial(address_hash, secret_key=current_app.config["SECRET_KEY"])

    def find(address: str) -> list[Response]:
        return session.scalars(
            select(Response)
            .join(AddressKey, AddressKey.response_id == Response.id)
            .where(
                AddressKey.address_hash == digest_of(address),
                Response.questionnaire_key == questionnaire.key,
            )
            .order_by(Response.id)
            .distinct()
        ).all()

    def render(responses: Sequence[Response], language: str) -> tuple[str, str, str]:
        # A stand-in response for an address that matched nothing: its ticket is never sent.
        tickets = responses or [Response(id=0, resume_token_hash=_STAND_IN_HASH)]
        links = [
            absolute_url_for(
                "mail.open_lost_link", key=questionnaire.key, link_token=lost_link_ticket(r)
            )
            for r in tickets
        ]
        return messages.render(
            "lost_link",
            language,
            unsubscribe_url=None,
            links=links,
            invited=any(response.invitation_id for response in responses),
            days=LOST_LINK_MAX_AGE.days,
            **_facts(questionnaire, language),
        )

    return answer_lost_link(
        session, typed, language, asks="lost-link", kind="lost_link", find=find, render=render
    )


class _Owner(Protocol):
    language: str | None


Owner = TypeVar("Owner", bound=_Owner)


def answer_lost_link(
    session: Session,
    typed: str,
    language: str,
    *,
    asks: str,
    kind: str,
    find: Callable[[str], Sequence[Owner]],
    render: Callable[[Sequence[Owner], str], tuple[str, str, str]],
) -> str:
    """Answer a "Lost your link?" request, a response's or a pledge's: return LOST_LINK_ASKED
    or LOST_LINK_REFUSED (neither tells whether the address matched).

    ``find`` gives the owners (responses, pledges) of the normalised address, ``render`` the
    message (subject, text, HTML) for them in a language, with a stand-in when there are none:
    an address that matches nothing does the same work (this client's asks about the address,
    counted under ``asks``, its public mail meter, the message rendered) and only skips the
    insert into the outbox, so the answer's time does not tell whether the address is known.
    The message is queued unmetered: it goes to the owner's own address.
    """
    address = normalise_address(typed)
    if address is None:
        return LOST_LINK_REFUSED
    owners = find(address)
    asked = quota.asks_about(session, asks, address, timedelta(days=1))
    # The client's public mail meter, asked for every address alike (a refusal tells nothing).
    admitted = quota.count_client_hit(session, "mail-public") is None
    language = messages.language_of((owners[-1].language if owners else None) or language)
    subject, text, html = render(owners, language)
    if asked > LOST_LINK_PER_ADDRESS_PER_DAY or not admitted:
        return LOST_LINK_REFUSED
    if owners:
        enqueue(
            session,
            Draft(
                kind=kind,
                recipient_email=address,
                language=language,
                subject=subject,
                body_text=text,
                body_html=html,
                requester=f"lost-link:{quota.client_requester()}",
            ),
            current_app.config["MAIL_FROM"],
            metered=False,
        )
    return LOST_LINK_ASKED
