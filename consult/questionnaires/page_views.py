"""One page per section: showing it, saving it and moving on, and the autosave while typing.

Every POST validates against the definition, merges with what another browser saved meanwhile,
keeps what the respondent typed when something is wrong, and commits once.
"""

from __future__ import annotations

from flask import flash, get_flashed_messages, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from consult.core.errors import recovers_from_csrf, recovers_from_unavailable
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.i18n import current_language, translate_text
from consult.mail import link_box
from consult.questionnaires import completeness, hiding, merging, navigation, operations, sharing
from consult.questionnaires.answers import Answers, missing_required, question_fields, read_page
from consult.questionnaires.blueprint import (
    HIDDEN_FLASH,
    bp,
    closed_page,
    load_response,
    load_to_save,
    load_with_answers,
    response_of,
    section_or_404,
)
from consult.questionnaires.browser import browser_hash, save_origin
from consult.questionnaires.definition import Question, Questionnaire, Section, is_shown
from consult.questionnaires.guarded import guarded_save
from consult.questionnaires.link_views import send_link_from
from consult.questionnaires.models import SUBMITTED, Response
from consult.questionnaires.page_fields import (
    answers_to_fields,
    default_region,
    fields_for_reshow,
    with_kept_answers,
)
from consult.questionnaires.throttling import limit_saves
from consult.questionnaires.wording import message_text


def _render_page(
    questionnaire: Questionnaire,
    response: Response,
    token: str,
    section: Section,
    answers: Answers,
    fields: dict[str, list[str]],
    errors: dict[str, str],
    notice: str | None = None,
    status: int = 200,
    *,
    base: merging.Base | None = None,
    conflicts: list[merging.Conflict] | None = None,
    theirs_saved_by: str | None = None,
    pending: str = "",
    also: tuple[Question, ...] = (),
    as_posted: dict[str, str] | None = None,
):
    # What the last save set aside (see hiding.py) is said on the page shown next.
    kept_aside = get_flashed_messages(category_filter=[HIDDEN_FLASH])
    notice = " ".join(filter(None, [notice, *kept_aside])) or None
    sections = navigation.shown_sections(questionnaire, answers)
    if section not in sections:
        sections = [s for s in questionnaire.sections if s in sections or s is section]
    position = sections.index(section)
    same_page = {q.key for q in section.questions}
    questions = [
        q
        for q in section.questions
        if is_shown(q, answers, questionnaire)
        or (q.when is not None and q.when.question in same_page)
        or any(c.question is q for c in conflicts or ())  # what another answer hides now
    ]
    return (
        render_template(
            "questionnaires/page.html",
            questionnaire=questionnaire,
            response=response,
            token=token,
            section=section,
            questions=questions,
            sections=sections,
            position=position,
            fields=fields,
            errors=errors,
            notice=notice,
            resume_url=absolute_url_for("questionnaires.resume", token=token),
            page_form="questionnaire-form",
            page_form_saves=True,
            returns_to_review=navigation.returns_to_review(),
            also=also,
            **sharing.page_versioning(
                questionnaire,
                response,
                questions,
                answers,
                base,
                conflicts,
                theirs_saved_by,
                pending,
                as_posted,
            ),
        ),
        status,
    )


def _reshow_posted_page(notice: str, status: int):
    """Show the posted section again, after a refusal, with what the respondent sent over the
    stored answers: the person's copy, with the bases it was posted with (never fresh ones)."""
    token = request.view_args["token"]
    response, questionnaire = load_response(token)
    section = section_or_404(questionnaire, request.view_args["section_key"])
    if not questionnaire.is_open(utcnow()):
        return closed_page(questionnaire, response)
    answers = operations.answers_of(db.session, response, questionnaire)
    fields = answers_to_fields(questionnaire, answers)
    # Questions of other pages a submitted response showed here (completeness.py) come back too.
    also = completeness.shown_also(questionnaire, request.form)
    for question in (*section.questions, *also):
        for name in question_fields(question):
            fields.pop(name, None)
            if name in request.form:
                fields[name] = request.form.getlist(name)
    # Nothing was saved: the page is still based on what it was shown with, and conflicts it
    # showed still wait for a choice (the next save shows them again, as first shown).
    return _render_page(
        questionnaire,
        response,
        token,
        section,
        answers,
        fields,
        {},
        notice,
        status,
        also=also,
        as_posted=sharing.bases_as_posted(request.form),
    )


def _recover_page():
    return _reshow_posted_page(
        _(
            "Your session had expired, so nothing was saved yet. Your answers are below: "
            "please press the button again."
        ),
        200,
    )


def _page_unavailable():
    if request.method != "POST":
        return None  # a page that could not be read: the plain "busy" message
    return _reshow_posted_page(
        _(
            "We could not save your answers just now. They are still below: "
            "please try again in a moment."
        ),
        503,
    )


@bp.route("/r/<token>/s/<section_key>", methods=["GET", "POST"])
@limit_saves(methods=["POST"])
@recovers_from_csrf(_recover_page)
@recovers_from_unavailable(_page_unavailable)
@guarded_save
def page(token: str, section_key: str):
    """Show one section, or save it and move on."""
    if request.method == "GET":
        response, questionnaire, stored = load_with_answers(token)
        section = section_or_404(questionnaire, section_key)
        if not questionnaire.is_open(utcnow()):
            return closed_page(questionnaire, response, 200)
        return _render_page(
            questionnaire,
            response,
            token,
            section,
            stored,
            answers_to_fields(questionnaire, stored),
            {},
        )

    saved, questionnaire, stored = load_to_save(token)
    section = section_or_404(questionnaire, section_key)
    if not questionnaire.is_open(utcnow()):
        return closed_page(questionnaire, response_of(token), 403)
    result = read_page(questionnaire, section, request.form, stored)
    default_region(questionnaire, section, result, stored)
    # Another browser may have saved since this page was shown: merge, never overwrite.
    page_merge = sharing.merge_posted(
        request.form, section, saved, stored, result.answers, questionnaire
    )
    merged = {**stored, **page_merge.answers}
    action, goto = navigation.posted_action(questionnaire, merged)
    if goto is None and request.form.get("action") == "compare":
        action = "save"  # the autosave's conflict message: save here, show the conflicts
    # Enter (the hidden first button, base.html) with an address just typed in the link box:
    # the respondent meant the link. Saved, the page stays and says the link was not sent
    # (with JavaScript, Enter in the box presses the box's own button: consult.js).
    link_left = (
        goto is None
        and request.form.get("action") == "default"
        and link_box.typed_here(token, request.form)
    )
    if link_left:
        action = "save"
    errors = {key: message_text(message) for key, message in result.errors.items()}
    is_submitted = saved.status == SUBMITTED
    also: tuple[Question, ...] = ()
    incomplete = False
    if is_submitted:
        # A submitted response stays complete: a save that would leave a required question
        # unanswered (on this page, or on another that it makes apply) stores nothing; the
        # questions of other pages are shown here, to be answered with it.
        also, also_result = completeness.settle(questionnaire, section, request.form, merged)
        tolerated = completeness.also_field_names(
            also + completeness.shown_also(questionnaire, request.form)
        )
        result.unknown_fields = [n for n in result.unknown_fields if n not in tolerated]
        result.raw.update(also_result.raw)
        for key, message in also_result.errors.items():
            errors[key] = message_text(message)
            result.errors[key] = message
        page_merge.answers.update(also_result.answers)
        merged = {**merged, **also_result.answers}
        incomplete = bool(also_result.errors)
    if action in ("next", "review") or is_submitted:
        missing = missing_required(questionnaire, section.questions, merged)
        for key, message in missing.items():
            errors.setdefault(key, message_text(message))
            if is_submitted:
                # The stored answers stay until one is given; the fields show what was sent.
                result.errors.setdefault(key, message)
                incomplete = True
    # A failure here (locked, disk full, server gone) rolls everything back and shows the page
    # again with what was sent: see _page_unavailable.
    moves_on = not errors and not result.unknown_fields and not page_merge.conflicts
    destination = (
        navigation.destination(questionnaire, section, merged, action, goto)
        if moves_on
        else section
    )
    # Read before this save changes it: when the other browser's answers were saved.
    theirs_saved_by = None
    if page_merge.conflicts:
        last_save = operations.last_save(db.session, saved.id)
        contact = operations.contact_details(db.session, saved)
        tags = merging.browser_tags(saved.unit_editors, (c.unit for c in page_merge.conflicts))
        theirs_saved_by = sharing.saved_by(last_save, browser_hash(), contact, tags)
    shown_base = None
    written_revision = None
    if incomplete:
        # Nothing is stored: the page is still based on what it was shown with.
        shown_base = merging.parse_base(request.form.get(merging.BASE_FIELD))
        if page_merge.conflicts:
            shown_base = page_merge.shown_base(saved.revision)
    else:
        # The resume link leads to where the respondent was going, not to the page just saved.
        written = operations.write_answers(
            db,
            questionnaire,
            saved,
            page_merge.answers,
            stored=stored,
            section_key=(destination or section).key,
            language=current_language(),
            origin=save_origin(),
        )
        written_revision = written["revision"]
        after = {**stored, **page_merge.answers}
        hidden = hiding.newly_hidden(questionnaire, stored, after, page_merge.answers)
        for note in hiding.hidden_notes(questionnaire, after, hidden):
            flash(note, HIDDEN_FLASH)
    db.commit()
    if written_revision is not None and (page_merge.conflicts or errors or result.unknown_fields):
        # The page is shown again, based on what was just written (a page that moves on
        # carries no base: its digests are not computed).
        shown_base = page_merge.shown_base(written_revision)

    def reshow(status: int, notice: str | None = None, **extra):
        # What they typed stays in the fields; the page is based on shown_base (above).
        fields = fields_for_reshow(questionnaire, merged, result)
        return _render_page(
            questionnaire,
            response_of(token),
            token,
            section,
            merged,
            with_kept_answers(questionnaire, fields, page_merge),
            errors,
            notice,
            status,
            base=shown_base,
            also=also,
            **extra,
        )

    if page_merge.conflicts:
        # Both values shown, the respondent chooses.
        return reshow(409, conflicts=page_merge.conflicts, theirs_saved_by=theirs_saved_by)
    if result.unknown_fields:
        return reshow(422, _("Some of what was sent does not belong to this page and was ignored."))
    if errors:
        return reshow(422)
    if goto == navigation.EMAIL_LINK:
        # Saved: now the link, to the address of the box (kept with its error if refused).
        return redirect(send_link_from(token, questionnaire, request.path), 303)
    link_box.keep_typed(token, request.form)
    target = navigation.page_target(token, section, destination, action, goto, link_left)
    return redirect(target, 303)


def _autosave_unavailable():
    return jsonify({"saved": False, "retry": True}), 503


def _autosave_expired():
    """The page's form token no longer matches a session (it expired, or the phone's browser
    was closed and its cookies went): the page gets a fresh token and saves again at once.

    Left to itself the page could only say "reload", which drops what was typed since the last
    save. The token is read by the page's own script only (same origin); a page of another
    site cannot read this reply, and the address it posted to holds the response's link.
    """
    return jsonify({"saved": False, "expired": True, "csrf_token": generate_csrf()}), 400


@bp.post("/r/<token>/s/<section_key>/autosave")
@limit_saves()
@recovers_from_csrf(_autosave_expired)
@recovers_from_unavailable(_autosave_unavailable)
@guarded_save
def autosave(token: str, section_key: str):
    """Save the valid answers of a page while the respondent types (JavaScript only)."""
    saved, questionnaire, stored = load_to_save(token)
    section = section_or_404(questionnaire, section_key)
    if not questionnaire.is_open(utcnow()):
        return jsonify({"saved": False, "closed": True}), 403
    result = read_page(questionnaire, section, request.form, stored)
    page_merge = sharing.merge_posted(
        request.form, section, saved, stored, result.answers, questionnaire
    )
    errors = dict(result.errors)
    if saved.status == SUBMITTED:
        # As on the page save: a submitted response stays complete, or nothing is stored (the
        # page save then shows what is missing, on this page or on the others it makes apply).
        merged = {**stored, **page_merge.answers}
        _also, also_result = completeness.settle(questionnaire, section, request.form, merged)
        merged.update(also_result.answers)
        missing = {
            **missing_required(questionnaire, section.questions, merged),
            **also_result.errors,
        }
        if missing:
            return jsonify(
                {
                    "saved": False,
                    "incomplete": True,
                    "errors": {k: message_text(m) for k, m in {**errors, **missing}.items()},
                }
            )
        page_merge.answers.update(also_result.answers)
    written = operations.write_answers(
        db,
        questionnaire,
        saved,
        page_merge.answers,
        stored=stored,
        section_key=section.key,
        origin=save_origin(),
    )
    after = {**stored, **page_merge.answers}
    hidden = hiding.newly_hidden(questionnaire, stored, after, page_merge.answers)
    db.commit()
    # A conflict the page shows already waits for the respondent's choice: not news.
    conflicts = [c for c in page_merge.conflicts if c.is_new]
    return jsonify(
        {
            "saved": True,
            "saved_at": utcnow().isoformat(),
            "errors": {k: message_text(m) for k, m in errors.items()},
            # Kept but not to be sent: the page says so instead of a plain "Saved".
            "hidden": " ".join(hiding.hidden_notes(questionnaire, after, hidden)),
            "base": merging.encode_base(page_merge.next_base(written["revision"])),
            "conflicts": [
                {
                    "question": c.question.key,
                    "unit": c.unit,
                    "label": translate_text(c.question.label),
                }
                for c in conflicts
            ],
        }
    ), (409 if conflicts else 200)
