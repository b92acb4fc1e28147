"""Replaced personal links: a page of the old link still open learns why it stopped working.

A personal link is replaced when someone asks for it again ("Lost your link?") or an admin
issues a new one (consult.staff.invitations.reissue_personal_link, which keeps the old token's
hash in retired_links). A colleague may still be typing on a page of the old link. Every
respondent route under /r/<token> (and the campaign's join form opened from a response's link)
that finds no response for its token answers 404 through
``explain_not_found`` (see install), which asks ``refuse_replaced_link``: a replaced token is
answered 410 Gone with a page that says what happened, that what was just sent was not saved,
shows that text back to copy, and offers a way forward (ask for the link again, or write to
CISDP); the autosave gets JSON, on which respond.js stops retrying. The page never shows the
stored answers nor the new link. A token that never existed stays a 404.
"""

from __future__ import annotations

from flask import g, jsonify, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from consult.core.errors import answer_refusal, refusal_message
from consult.core.views import contact_url
from consult.db import db
from consult.i18n import translate_text
from consult.questionnaires import navigation
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Response, RetiredLink
from consult.questionnaires.operations import hash_token
from consult.questionnaires.registry import definition_of

#: Every route of a personal link starts so (pages, autosave, review, receipt, PDF, e-mail).
PERSONAL_LINK_PREFIX = "/r/<token>"
#: Every route that opens something by a response's personal link: its own pages, and the
#: campaign's join form filled from the response (offered on the receipt and in its e-mail).
PERSONAL_LINK_ROUTES = (PERSONAL_LINK_PREFIX, "/campaign/join/from/<token>")
#: Every route of a pledge's personal link: a replaced one gets the same page, for the pledge.
PLEDGE_LINK_PREFIX = "/campaign/pledge/<token>"

#: Question types typed as text (their value is what someone wrote, worth giving back).
TYPED_TYPES = ("short_text", "long_text", "number")


def typed_text(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """The text this POST carried that could not be saved: (label, text) to copy.

    Typed answers and "please specify" texts, then contact details; never choices.
    """
    if request.method != "POST":
        return []
    typed = []
    for question in questionnaire.questions:
        names = [f"q.{question.key}"] if question.type in TYPED_TYPES else []
        names.append(f"q.{question.key}.other")
        for name in names:
            value = request.form.get(name, "").strip()
            if value:
                typed.append((translate_text(question.label), value))
    for name in ("contact.name", "contact.email", "contact.job_title"):
        value = request.form.get(name, "").strip()
        if value:
            typed.append((str(navigation.CONTACT_LABELS[name.split(".")[1]]), value))
    return typed


def replaced_response(token: str) -> tuple[Response, RetiredLink] | None:
    """The response whose link ``token`` was, with why it was replaced; None if never one."""
    row = db.session.execute(
        select(Response, RetiredLink)
        .join(RetiredLink, RetiredLink.response_id == Response.id)
        .where(RetiredLink.token_hash == hash_token(token))
    ).first()
    return (row[0], row[1]) if row else None


def install(state) -> None:
    """Explain replaced links where a personal link is found to be unknown: the 404 of any
    /r/<token> route (a loader's abort, or a stale form's CSRF recovery, which loads too).

    Only on that path, never before: a live link's page and save cost no extra query.
    """
    state.app.register_error_handler(NotFound, explain_not_found)


def explain_not_found(error: NotFound):
    """The app's 404, unless the request's personal link was replaced: then the 410 page."""
    return refuse_replaced_link() or answer_refusal(404, refusal_message(error))


def refuse_replaced_link():
    """Answer 410 to a personal-link route whose token is a replaced one; else None."""
    rule = request.url_rule
    token = (request.view_args or {}).get("token")
    if rule is not None and token and rule.rule.startswith(PLEDGE_LINK_PREFIX):
        return _refuse_replaced_pledge_link(token)
    if rule is None or not token or not rule.rule.startswith(PERSONAL_LINK_ROUTES):
        return None
    found = replaced_response(token)
    if found is None:
        return None  # a live token, or one that never existed: the view answers as before
    response, _retired = found
    g.response_language = response.language  # the page speaks the response's language
    lost_link_url = url_for("mail.lost_link", key=response.questionnaire_key)
    if request.endpoint == "questionnaires.autosave" or (
        request.accept_mimetypes.best == "application/json"
    ):
        return jsonify({"saved": False, "replaced": True, "lost_link": lost_link_url}), 410
    questionnaire = definition_of(response)
    page = render_template(
        "questionnaires/link_replaced.html",
        questionnaire=questionnaire,
        typed=typed_text(questionnaire),
        sent=request.method == "POST",
        lost_link_url=lost_link_url,
        contact_url=contact_url(),
    )
    return page, 410, {"Cache-Control": "no-store"}


def _refuse_replaced_pledge_link(token: str):
    """The 410 page of a pledge's replaced link (consult.campaign.links.reissue); else None."""
    from consult.campaign.links import replaced_pledge

    pledge = replaced_pledge(db.session, token)
    if pledge is None:
        return None
    g.pledge_language = pledge.language
    lost_link_url = url_for("campaign.lost_link")
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"saved": False, "replaced": True, "lost_link": lost_link_url}), 410
    page = render_template(
        "questionnaires/link_replaced.html",
        questionnaire=None,
        typed=[],
        sent=request.method == "POST",
        lost_link_url=lost_link_url,
        contact_url=contact_url(),
    )
    return page, 410, {"Cache-Control": "no-store"}
