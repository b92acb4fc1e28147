"""The personal link: opening a response from it, checking it still works, and sending it by
e-mail from a page.

A respondent needs no account: the resume token in the link opens the draft from any browser.
"""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for

from consult.db import db
from consult.mail import link_box
from consult.questionnaires import navigation, operations, this_browser
from consult.questionnaires.blueprint import bp, load_response, response_of
from consult.questionnaires.definition import Questionnaire


@bp.get("/r/<token>")
def resume(token: str):
    """Open a draft or a submitted response from its personal link."""
    response, questionnaire = load_response(token)
    this_browser.remember(questionnaire.key, token)
    if response.is_submitted:
        return redirect(url_for(".review", token=token))
    answers = operations.answers_of(db.session, response, questionnaire)
    sections = navigation.shown_sections(questionnaire, answers)
    target = next((s for s in sections if s.key == response.last_section_key), sections[0])
    return redirect(url_for(".page", token=token, section_key=target.key))


@bp.get("/r/<token>/link")
def link_state(token: str):
    """Tell a page shown again (back/forward, a tab come back to) whether its link still works.

    Live: 200. Replaced since the page was drawn: the 410 of questionnaires.retired (JSON),
    on which consult.js turns the page's link box to what to do instead. Never the answers.
    """
    load_response(token)
    return jsonify({"live": True}), 200, {"Cache-Control": "no-store"}


def send_link_from(token: str, questionnaire: Questionnaire, page_path: str) -> str:
    """Send the personal link from a response's page; return where to go next."""
    outcome = link_box.send(db.session, response_of(token), questionnaire, token, request.form)
    db.commit()
    if outcome:
        return f"{page_path}?{outcome}=1"
    return f"{page_path}#email-link"
