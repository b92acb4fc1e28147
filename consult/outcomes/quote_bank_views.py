"""The quotes bank: text answers and published contributions to star, the starred quotes with
the attribution the deck would print, and their place in the deck."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from consult.core.inputs import form_int, parse_id, query_page
from consult.core.links import safe_local_path
from consult.db import db
from consult.outcomes import attribution, deck_content, operations, presenting
from consult.outcomes import contributions as contribution_data
from consult.outcomes.blueprints import QUOTES_PER_PAGE, STAFF_ROLES, bp, threshold
from consult.outcomes.filter_reading import region_names
from consult.outcomes.models import OutcomeQuote
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.staff import audit
from consult.staff.access import role_required
from consult.staff.views import client_ip


@bp.get("/quotes")
@role_required(*STAFF_ROLES)
def quotes():
    """The quotes bank, and text answers (or published contributions) to star."""
    starred = db.session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    questionnaires = current_questionnaires()
    questionnaire_key = request.args.get("questionnaire") or next(iter(questionnaires), None)
    questionnaire = questionnaires.get(questionnaire_key) if questionnaire_key else None
    text_questions = operations.quotable_questions(questionnaire)
    question_key = request.args.get("question") or (
        text_questions[0].key if text_questions else None
    )
    if question_key is not None and question_key not in {q.key for q in text_questions}:
        abort(404)  # what the page promises, whatever the URL asks: no names, no choices
    search = (request.args.get("q") or "").strip()[:100]
    page = query_page()
    query = (
        select(
            Answer.response_id,
            Answer.value,
            Response.language,
            Response.region,
            Response.respondent_type,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.status == "submitted",
            Response.questionnaire_key == questionnaire_key,
            Answer.question_key == question_key,
            Answer.part_key == "",
        )
        .order_by(Answer.response_id.desc())
    )
    if search:
        query = query.where(func.lower(Answer.value).contains(search.lower()))
    candidates = db.session.execute(
        query.limit(QUOTES_PER_PAGE + 1).offset((page - 1) * QUOTES_PER_PAGE)
    ).all()
    if candidates:
        # Answers of individual responses are shown: the audit log says who saw which.
        audit.record(
            db.session,
            current_user,
            "responses.viewed",
            target=questionnaire_key,
            details={
                "page": "quotes",
                "question": question_key,
                "responses": [row.response_id for row in candidates[:QUOTES_PER_PAGE]],
            },
            ip=client_ip(),
        )
        db.commit()
    starred_keys = {(q.response_id, q.question_key) for q in starred if q.source == "answer"}
    contributions = None
    if request.args.get("source") == "contributions":
        frame = contribution_data.load(db.session.connection())
        if search:
            frame = frame[frame["text"].str.lower().str.contains(search.lower(), regex=False)]
        contributions = frame.sort_values("supports", ascending=False).head(QUOTES_PER_PAGE)
    no_longer_public = {
        q.contribution_id for q in starred if q.source == "contribution"
    } - operations.published_contribution_ids(
        db.session, (q.contribution_id for q in starred if q.source == "contribution")
    )
    return render_template(
        "outcomes/quotes.html",
        starred=starred,
        questionnaires=questionnaires,
        questionnaire_key=questionnaire_key,
        text_questions=text_questions,
        identifying=operations.identifying_questions(questionnaire),
        names_author={q.id for q in starred if operations.identifies_its_author(q, questionnaires)},
        question_key=question_key,
        candidates=candidates[:QUOTES_PER_PAGE],
        has_more=len(candidates) > QUOTES_PER_PAGE,
        page=page,
        search=search,
        starred_keys=starred_keys,
        contributions=contributions.to_dict("records") if contributions is not None else None,
        starred_contributions={q.contribution_id for q in starred if q.source == "contribution"},
        no_longer_public=no_longer_public,
        deck_slides={q.id: deck_content.deck_slides_of(q.text) for q in starred},
        attributions=_bank_attributions(starred, questionnaires),
        threshold=threshold(),
        p=presenting,
        region_names=region_names(),
    )


def _bank_attributions(starred, questionnaires) -> dict[int, dict[str, Any]]:
    """Each starred quote's attribution as the deck would print it with the responses submitted
    now (attribution.py), and whether it is withheld: no quote leaves the deck unexplained."""
    if not starred:
        return {}
    # The base is every submitted response, counted by the database: none is read one by one.
    records = attribution.checked(db.session, starred, None, None, threshold())
    # The labels a summary carries, from the definitions (this page has no summary).
    labels = {
        "questionnaires": [
            {
                "key": key,
                "audience": definition.audience,
                "respondent_types": {
                    option.key: dict(option.label)
                    for field in [definition.profile_fields.get("respondent_type")]
                    if field
                    for option in definition.question(field).options
                },
            }
            for key, definition in questionnaires.items()
        ]
    }
    names = region_names()
    result = {}
    for record in records:
        safe = record["attribution"]
        shown = {**record, "region": safe["region"], "respondent_type": safe["respondent_type"]}
        result[record["quote_id"]] = {
            **safe,
            "source": deck_content.quote_source(shown, labels, names),
        }
    return result


def _back_to_quotes():
    return redirect(
        safe_local_path(
            request.form.get("next"), url_for("outcomes.quotes"), allowed_prefix="/staff/outcomes"
        )
    )


@bp.post("/quotes")
@role_required(*STAFF_ROLES)
def star():
    """Star a text answer (or a published contribution) as a quote."""
    try:
        if request.form.get("contribution_id"):
            operations.star_contribution(
                db.session,
                form_int("contribution_id") or 0,
                current_user,
                ip=client_ip(),
            )
        else:
            operations.star_answer(
                db.session,
                current_questionnaires(),
                form_int("response_id") or 0,
                request.form.get("question", ""),
                current_user,
                ip=client_ip(),
            )
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return _back_to_quotes()
    db.commit()
    flash(_("Added to the quotes bank."), "success")
    return _back_to_quotes()


@bp.post("/quotes/<int:quote_id>/remove")
@role_required(*STAFF_ROLES)
def unstar(quote_id: int):
    """Remove a quote from the bank."""
    try:
        operations.unstar(db.session, quote_id, current_user, ip=client_ip())
    except operations.OutcomesError:
        abort(404)
    db.commit()
    flash(_("Removed from the quotes bank."), "success")
    return _back_to_quotes()


@bp.post("/quotes/<int:quote_id>/deck")
@role_required(*STAFF_ROLES)
def deck_position(quote_id: int):
    """Choose where (or whether) a quote appears in the deck."""
    raw = request.form.get("position", "")
    position = parse_id(raw, maximum=1000)
    try:
        operations.set_deck_position(db.session, quote_id, position)
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return _back_to_quotes()
    db.commit()
    return _back_to_quotes()
