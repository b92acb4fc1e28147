"""The way into a questionnaire: its introduction, and Start, which makes the draft once however
often the button is pressed (a signed start token names the draft before it exists).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from consult.core.errors import recovers_from_csrf, recovers_from_unavailable
from consult.db import db, utcnow
from consult.extensions import limiter
from consult.i18n import current_language
from consult.questionnaires import operations, this_browser
from consult.questionnaires.blueprint import bp, closed_page, start_limit
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.registry import get_questionnaire
from consult.security import NO_STORE


def _start_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult.start")


@bp.get("/questionnaires/<key>")
def intro(key: str):
    """Introduce a questionnaire and offer to start it."""
    questionnaire = get_questionnaire(key) or abort(404)
    return _render_intro(questionnaire)


def _render_intro(
    questionnaire: Questionnaire,
    notice: str | None = None,
    status: int = 200,
    start_token: str | None = None,
):
    start_token = start_token or _start_serializer().dumps(operations.new_resume_token())
    here = this_browser.remembered(questionnaire.key)
    return (
        render_template(
            "questionnaires/intro.html",
            questionnaire=questionnaire,
            start_token=start_token,
            is_open=questionnaire.is_open(utcnow()),
            notice=notice,
            here=here,
        ),
        status,
        # The page then holds a personal link: never kept by a cache.
        {"Cache-Control": NO_STORE} if here is not None else {},
    )


@bp.post("/questionnaires/<key>/forget-here")
def forget_here(key: str):
    """Forget, on this browser, the response it opened (a shared computer): nothing else changes."""
    questionnaire = get_questionnaire(key) or abort(404)
    this_browser.forget(questionnaire.key)
    return redirect(url_for(".intro", key=questionnaire.key), 303)


def _recover_start():
    questionnaire = get_questionnaire(request.view_args["key"]) or abort(404)
    return _render_intro(questionnaire, _("Your session had expired. Please press Start again."))


def _start_unavailable():
    questionnaire = get_questionnaire(request.view_args["key"]) or abort(404)
    # Same start token again: pressing Start later opens the draft if this attempt made it.
    return _render_intro(
        questionnaire,
        _("We could not start your response just now. Please press Start again in a moment."),
        503,
        start_token=request.form.get("start_token") or None,
    )


@bp.post("/questionnaires/<key>/start")
@limiter.limit(start_limit)
@recovers_from_csrf(_recover_start)
@recovers_from_unavailable(_start_unavailable)
def start(key: str):
    """Create the draft (once, however often the button is pressed) and open its first page."""
    questionnaire = get_questionnaire(key) or abort(404)
    if not questionnaire.is_open(utcnow()):
        return closed_page(questionnaire)
    try:
        token = _start_serializer().loads(request.form.get("start_token", ""))
    except BadSignature:
        abort(400)
    try:
        operations.start_response(db.session, questionnaire, token, current_language())
        db.commit()
    except IntegrityError:
        # The same Start press reached two workers at once (PostgreSQL): the other one made it.
        db.rollback()
        if operations.find_response(db.session, token) is None:
            raise
    this_browser.remember(questionnaire.key, token)
    # A repeated click on Start after the response moved on leads to where it now is.
    return redirect(url_for(".resume", token=token), 303)
