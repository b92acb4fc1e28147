"""Review and submit: every answer shown before sending, the contact details and the receipt's
address read, the submission committed once (idempotently), and the receipt page.
"""

from __future__ import annotations

from flask import get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from consult.core.errors import recovers_from_csrf, recovers_from_unavailable
from consult.core.leaving import entered
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.i18n import current_language
from consult.mail import link_box
from consult.mail import respondents as respondent_mail
from consult.questionnaires import hiding, navigation, operations, review_check, sharing
from consult.questionnaires.answers import Answers, hidden_by, missing_required, without_nul
from consult.questionnaires.blueprint import (
    HIDDEN_FLASH,
    bp,
    closed_page,
    load_response,
)
from consult.questionnaires.browser import browser_hash, contact_for_this_browser
from consult.questionnaires.definition import Question, Questionnaire, is_shown
from consult.questionnaires.link_views import send_link_from
from consult.questionnaires.models import Response
from consult.questionnaires.throttling import limit_saves
from consult.questionnaires.wording import answer_lines, message_text


def _hidden_groups(
    questionnaire: Questionnaire, answers: Answers
) -> list[tuple[Question, str, list[Question]]]:
    """Return (the answer that hides, its note, the questions it hides) for the review page."""
    # The review lists them all: a note flashed by the last save is said there already.
    get_flashed_messages(category_filter=[HIDDEN_FLASH])
    groups = []
    for trigger_key, questions in hidden_by(questionnaire, answers).items():
        (note,) = hiding.hidden_notes(questionnaire, answers, questions)
        groups.append((questionnaire.question(trigger_key), note, questions))
    return groups


def _review_context(
    questionnaire: Questionnaire, response: Response, token: str, answers: Answers
) -> dict:
    return {
        "questionnaire": questionnaire,
        "response": response,
        "token": token,
        "answers": answers,
        "sections": navigation.shown_sections(questionnaire, answers),
        "is_shown": lambda q: is_shown(q, answers, questionnaire),
        "hidden_groups": _hidden_groups(questionnaire, answers),
        "resume_url": absolute_url_for("questionnaires.resume", token=token),
        "page_form": "review-form",
        "page_form_saves": True,
        **contact_for_this_browser(response),
        **review_check.page_fields(
            questionnaire, response, answers, operations.contact_details(db.session, response)
        ),
    }


def _as_posted() -> dict[str, str]:
    """Return the review form's bases as posted (sharing.bases_as_posted), for the template."""
    carried = sharing.bases_as_posted(request.form)
    return {
        "review_base": carried[review_check.ANSWERS_BASE_FIELD],
        "review_contact_base": carried[review_check.CONTACT_BASE_FIELD],
    }


def _review_again(notice: str):
    """Show the review again after a refusal (an expired session, an outage), with what was
    typed and the bases it was posted with: the next press still compares with what the
    respondent was first shown (see review_check)."""
    token = request.view_args["token"]
    response, questionnaire = load_response(token)
    if not questionnaire.is_open(utcnow()):
        return closed_page(questionnaire, response)
    answers = operations.answers_of(db.session, response, questionnaire)
    return render_template(
        "questionnaires/review.html",
        **{**_review_context(questionnaire, response, token, answers), **_as_posted()},
        missing={},
        error_items=[],
        contact_form=request.form,
        contact_errors={},
        notice=notice,
    )


def _recover_review():
    return _review_again(
        _("Your session had expired, so nothing was sent yet. Please press the button again.")
    )


def _review_unavailable():
    if request.method != "POST":
        return None
    # Answered 503 whatever it returns (core/errors.answer_unavailable).
    return _review_again(
        _(
            "We could not send your response just now. Nothing is lost: please try "
            "again in a moment."
        )
    )


@bp.route("/r/<token>/review", methods=["GET", "POST"])
@limit_saves(methods=["POST"])
@recovers_from_csrf(_recover_review)
@recovers_from_unavailable(_review_unavailable)
def review(token: str):
    """Show every answer before submitting; submit (idempotently) on POST."""
    response, questionnaire = load_response(token)
    answers = operations.answers_of(db.session, response, questionnaire)
    context = _review_context(questionnaire, response, token, answers)
    if not questionnaire.is_open(utcnow()):
        return closed_page(questionnaire, response, 403 if request.method == "POST" else 200)
    missing = {
        key: message_text(m)
        for key, m in missing_required(questionnaire, questionnaire.questions, answers).items()
    }
    if request.method == "GET":
        # A submitted response that an edit left incomplete says so (a draft's gaps wait
        # until the respondent presses Submit).
        shown_missing = missing if response.is_submitted else {}
        return render_template(
            "questionnaires/review.html",
            **context,
            missing=shown_missing,
            error_items=navigation.review_error_items(
                questionnaire, token, answers, shown_missing, {}
            ),
            # What this browser typed here before leaving by a button or an error link.
            contact_form=navigation.review_typed(token),
            contact_errors={},
            notice=None,
        )

    if request.form.get("goto") == navigation.EMAIL_LINK:
        # The "e-mail me my link" box: keep the contact fields typed, send the link.
        navigation.keep_review_typed(token, request.form)
        return redirect(send_link_from(token, questionnaire, request.path), 303)
    if entered():
        # Enter in a field (the hidden first button, base.html): nothing is sent, ever; what
        # was typed is kept and the page says how to submit (and how to send the link).
        navigation.keep_review_typed(token, request.form)
        link_box.keep_typed(token, request.form)
        said = "link" if (request.form.get(link_box.FIELD) or "").strip() else "1"
        return redirect(url_for(".review", token=token, entered=said), 303)
    way_out = navigation.review_way_out(questionnaire, token, answers)
    if way_out is not None:
        # The language switcher or a "Change" button: keep what was typed, then go.
        navigation.keep_review_typed(token, request.form)
        link_box.keep_typed(token, request.form)
        return redirect(way_out, 303)

    contact, contact_errors = _read_contact(request.form)
    receipt_to, receipt_error = respondent_mail.read_receipt_request(request.form)
    if receipt_error:
        contact_errors["receipt_email"] = _(
            "Enter an e-mail address such as name@example.org, or leave it empty."
        )
    # What changed since the page was shown is shown before anything is sent.
    stale = review_check.check(
        request.form,
        questionnaire,
        response,
        answers,
        operations.contact_details(db.session, response),
        contact,
        elsewhere=context["contact_elsewhere"],
    )
    contact_errors.update(stale.contact_errors)
    if missing or contact_errors or stale:
        # The error summary's links lead to other pages: what was typed here waits for the
        # respondent's return.
        navigation.keep_review_typed(token, request.form)
        link_box.keep_typed(token, request.form)
        # Drawn in this request, from what the check compared with: its bases are what it
        # shows (a change made since the page the person pressed is listed above).
        return render_template(
            "questionnaires/review.html",
            **context,
            missing=missing,
            error_items=navigation.review_error_items(
                questionnaire, token, answers, missing, contact_errors
            ),
            is_refused=True,
            contact_form=request.form,
            contact_errors=contact_errors,
            changed_since=stale.questions,
            notice=None,
        ), (409 if stale.is_conflict else 422)
    # Contact details and submission commit together or not at all (see _review_unavailable).
    # Empty fields in a browser that was not shown the stored details keep them as they are.
    if any(contact.values()) or not context["contact_elsewhere"]:
        operations.save_contact_details(
            db.session,
            response,
            language=current_language(),
            browser_hash=browser_hash(),
            **contact,
        )
    operations.submit_response(
        db.session, questionnaire, response, current_language(), answers=answers
    )
    # The receipt is queued in the submission's transaction: both happen, or neither.
    receipt_mailed = True
    if receipt_to:
        receipt_mailed = respondent_mail.queue_receipt(
            db.session, response, questionnaire, token, receipt_to, answers, answer_lines
        )
    if contact.get("email"):
        respondent_mail.remember_address(db.session, response.id, contact["email"])
    db.commit()
    navigation.forget_review_typed()
    link_box.keep_typed(token, request.form)  # the receipt's own box shows it, not sent
    # A receipt not queued (this response or client asked for enough mail today) is said so.
    arguments = {} if receipt_mailed else {"receipt_not_sent": 1}
    return redirect(url_for(".receipt", token=token, **arguments), 303)


CONTACT_LIMITS = {"name": 200, "email": 254, "job_title": 200}


def _read_contact(form) -> tuple[dict[str, str], dict[str, str]]:
    contact = {
        name: without_nul(form.get(f"contact.{name}", "")).strip() for name in CONTACT_LIMITS
    }
    errors: dict[str, str] = {}
    for name, limit in CONTACT_LIMITS.items():
        if len(contact[name]) > limit:
            errors[name] = _("At most %(max)s characters.", max=limit)
    if contact["email"] and ("@" not in contact["email"] or " " in contact["email"]):
        errors["email"] = _("Enter an e-mail address such as name@example.org, or leave it empty.")
    if any(contact.values()) and form.get("contact.consent") != "yes":
        errors["consent"] = _(
            "To keep your contact details we need your consent to the privacy "
            "notice. Tick the box, or leave the contact fields empty."
        )
    return contact, errors


@bp.get("/r/<token>/receipt")
def receipt(token: str):
    """Confirm a submitted response with its receipt number."""
    response, questionnaire = load_response(token)
    if not response.is_submitted:
        return redirect(url_for(".review", token=token))
    return render_template(
        "questionnaires/receipt.html",
        questionnaire=questionnaire,
        response=response,
        resume_url=absolute_url_for("questionnaires.resume", token=token),
        can_edit=questionnaire.is_open(utcnow()),
    )
