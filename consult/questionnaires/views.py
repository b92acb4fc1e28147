"""The responding pages: introduction, one page per section, review, submit, receipt.

A respondent needs no account: the resume token in the link opens the draft from any browser.
Every POST validates against the definition, keeps what the respondent typed when something is
wrong, and commits once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from consult import geography
from consult.core.errors import recovers_from_csrf, recovers_from_unavailable
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.extensions import limiter
from consult.i18n import current_language, prefer_page_language, translate_text
from consult.mail import link_box
from consult.mail import respondents as respondent_mail
from consult.questionnaires import (
    completeness,
    display,
    hiding,
    merging,
    navigation,
    operations,
    printing,
    retired,
    sharing,
)
from consult.questionnaires.answers import (
    Answers,
    Message,
    PageResult,
    hidden_by,
    missing_required,
    question_fields,
    read_page,
    without_nul,
)
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire, Section, is_shown
from consult.questionnaires.models import SUBMITTED, Response
from consult.questionnaires.origin import SaveOrigin, device_of
from consult.questionnaires.registry import definition_of, get_questionnaire
from consult.questionnaires.throttling import limit_saves

bp = Blueprint("questionnaires", __name__)
bp.record_once(retired.install)

#: Category of the flashed notes saying which answers a save kept but will not send.
HIDDEN_FLASH = "answers-hidden"


@bp.url_value_preprocessor
def _open_in_the_response_language(endpoint: str | None, values: dict | None) -> None:
    """A personal link opens in its response's language unless the visitor chose another."""
    token = (values or {}).get("token")
    if token:
        # The loaders below note the language of the response they read: no second query.
        prefer_page_language(
            lambda: g.get("response_language") or operations.response_language(db.session, token)
        )


MESSAGES = {
    "option_unknown": _l("Choose one of the options offered."),
    "text_too_long": _l(
        "This answer is %(length)s characters long; the limit is %(max)s. Please shorten it."
    ),
    "number_invalid": _l("Enter a number, for example 12."),
    "number_integer": _l("Enter a whole number."),
    "number_min": _l("Enter a number of at least %(min)s."),
    "number_max": _l("Enter a number of at most %(max)s."),
    "too_many_choices": _l("Choose at most %(max)s options."),
    "rank_duplicate": _l("Each option can be ranked only once."),
    "rank_gap": _l("Fill the choices in order, starting with the first."),
    "exclusive_option": _l(
        "“%(option)s” cannot be combined with other answers: untick it, or untick the others."
    ),
    "required": _l("This question needs an answer."),
    "required_rows": _l("Please answer every row. Not answered yet: %(rows)s."),
    "required_elsewhere": _l(
        "Your changes make this question of the page “%(page)s” apply, and it needs an "
        "answer: answer it here to save them."
    ),
}


def message_text(message: Message) -> str:
    """Translate a validation message."""
    params = {
        k: translate_text(v) if isinstance(v, Mapping) else _format_param(v)
        for k, v in message.params.items()
    }
    return str(MESSAGES[message.code]) % params if params else str(MESSAGES[message.code])


def _format_param(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):  # labels (of matrix rows), named in the respondent's language
        return "; ".join(translate_text(label) for label in value)
    return value


def _start_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult.start")


def _load(token: str) -> tuple[Response, Questionnaire]:
    # A POST locks the response row (PostgreSQL): a page save and an autosave of the same
    # response in two workers then follow each other instead of colliding on the answers.
    response = operations.find_response(
        db.session, token, for_update=request.method == "POST" and not g.get("_read_only_token")
    )
    if response is None:
        abort(404)
    g.response_language = response.language
    return response, definition_of(response)


def _load_with_answers(token: str) -> tuple[Response, Questionnaire, Answers]:
    """Load a response to show one of its pages (saving one goes through _load_to_save)."""
    response = operations.open_response(db.session, token)
    if response is None:
        abort(404)
    g.response_language = response.language
    questionnaire = definition_of(response)
    return response, questionnaire, operations.answers_of(db.session, response, questionnaire)


def _load_to_save(token: str) -> tuple[operations.ResponseRow, Questionnaire, Answers]:
    """Load what saving a page needs: the response as a locked plain row, and its answers."""
    row = operations.open_response_to_save(
        db.session, token, for_update=not g.get("_read_only_token")
    )
    if row is None:
        abort(404)
    g.response_language = row.language
    questionnaire = definition_of(row)
    return row, questionnaire, operations.answers_of(db.session, row, questionnaire)


def _response(token: str) -> Response:
    """The response as an ORM object, for the pages that show it after a save."""
    response = operations.find_response(db.session, token)
    if response is None:
        abort(404)
    return response


def _shown_sections(questionnaire: Questionnaire, answers: Answers) -> list[Section]:
    return navigation.shown_sections(questionnaire, answers)


def answers_to_fields(questionnaire: Questionnaire, answers: Answers) -> dict[str, list[str]]:
    """Turn stored answers into form field values, the shape a posted page has."""
    fields: dict[str, list[str]] = {}
    for question in questionnaire.questions:
        parts = answers.get(question.key)
        if not parts:
            continue
        name = f"q.{question.key}"
        if question.type == "multiple_choice":
            fields[name] = [p for p, v in parts.items() if p != OTHER_PART and v == "1"]
            if OTHER_PART in parts:
                fields[f"{name}.{OTHER_PART}"] = [parts[OTHER_PART]]
        elif question.type == "matrix":
            for row, value in parts.items():
                fields[f"{name}.{row}"] = [value]
        elif question.type == "ranking":
            for option, rank in parts.items():
                fields[f"{name}.rank{rank}"] = [option]
        else:
            fields[name] = [parts.get("", "")]
    return fields


def _closed(questionnaire: Questionnaire, response: Response | None = None, status: int = 403):
    """Say the questionnaire is closed; a personal link still shows its answers, read-only."""
    context: dict = {
        "questionnaire": questionnaire,
        "response": response,
        "typed_too_late": retired.typed_text(questionnaire),
    }
    if response is not None:
        answers = operations.answers_of(db.session, response, questionnaire)
        context.update(printing.answers_context(questionnaire, response, answers))
    return render_template("questionnaires/closed.html", **context), status


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
):
    # What the last save set aside (see hiding.py) is said on the page shown next.
    kept_aside = get_flashed_messages(category_filter=[HIDDEN_FLASH])
    notice = " ".join(filter(None, [notice, *kept_aside])) or None
    sections = _shown_sections(questionnaire, answers)
    if section not in sections:
        sections = [s for s in questionnaire.sections if s in sections or s is section]
    position = sections.index(section)
    same_page = {q.key for q in section.questions}
    questions = [
        q
        for q in section.questions
        if is_shown(q, answers, questionnaire)
        or (q.when is not None and q.when.question in same_page)
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
                response, questions, answers, base, conflicts, theirs_saved_by, pending
            ),
        ),
        status,
    )


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
    return (
        render_template(
            "questionnaires/intro.html",
            questionnaire=questionnaire,
            start_token=start_token,
            is_open=questionnaire.is_open(utcnow()),
            notice=notice,
        ),
        status,
    )


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


def _start_limit() -> str:
    return current_app.config["QUESTIONNAIRE_START_RATE_LIMIT"]


@bp.post("/questionnaires/<key>/start")
@limiter.limit(_start_limit)
@recovers_from_csrf(_recover_start)
@recovers_from_unavailable(_start_unavailable)
def start(key: str):
    """Create the draft (once, however often the button is pressed) and open its first page."""
    questionnaire = get_questionnaire(key) or abort(404)
    if not questionnaire.is_open(utcnow()):
        return _closed(questionnaire)
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
    # A repeated click on Start after the response moved on leads to where it now is.
    return redirect(url_for(".resume", token=token), 303)


@bp.get("/r/<token>")
def resume(token: str):
    """Open a draft or a submitted response from its personal link."""
    response, questionnaire = _load(token)
    if response.is_submitted:
        return redirect(url_for(".review", token=token))
    answers = operations.answers_of(db.session, response, questionnaire)
    sections = _shown_sections(questionnaire, answers)
    target = next((s for s in sections if s.key == response.last_section_key), sections[0])
    return redirect(url_for(".page", token=token, section_key=target.key))


def _reshow_posted_page(notice: str, status: int):
    """Show the posted section again with what the respondent sent, over the stored answers."""
    token = request.view_args["token"]
    response, questionnaire = _load(token)
    section = _section_or_404(questionnaire, request.view_args["section_key"])
    if not questionnaire.is_open(utcnow()):
        return _closed(questionnaire, response)
    answers = operations.answers_of(db.session, response, questionnaire)
    fields = answers_to_fields(questionnaire, answers)
    for question in section.questions:
        for name in question_fields(question):
            fields.pop(name, None)
            if name in request.form:
                fields[name] = request.form.getlist(name)
    # Nothing was saved: the page is still based on what it was shown with, and conflicts it
    # showed still wait for a choice (the next save shows them again).
    pending = merging.parse_pending(request.form.get(merging.PENDING_FIELD))
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
        base=merging.parse_base(request.form.get(merging.BASE_FIELD)),
        pending=",".join(sorted(pending)),
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


def _section_or_404(questionnaire: Questionnaire, section_key: str) -> Section:
    try:
        return questionnaire.section(section_key)
    except KeyError:
        abort(404)


@bp.route("/r/<token>/s/<section_key>", methods=["GET", "POST"])
@limit_saves(methods=["POST"])
@recovers_from_csrf(_recover_page)
@recovers_from_unavailable(_page_unavailable)
def page(token: str, section_key: str):
    """Show one section, or save it and move on."""
    if request.method == "GET":
        response, questionnaire, stored = _load_with_answers(token)
        section = _section_or_404(questionnaire, section_key)
        if not questionnaire.is_open(utcnow()):
            return _closed(questionnaire, response, 200)
        return _render_page(
            questionnaire,
            response,
            token,
            section,
            stored,
            answers_to_fields(questionnaire, stored),
            {},
        )

    saved, questionnaire, stored = _load_to_save(token)
    section = _section_or_404(questionnaire, section_key)
    if not questionnaire.is_open(utcnow()):
        return _closed(questionnaire, _response(token), 403)
    result = read_page(questionnaire, section, request.form, stored)
    _default_region(questionnaire, section, result, stored)
    # Another browser may have saved since this page was shown: merge, never overwrite.
    page_merge = sharing.merge_posted(request.form, section, saved, stored, result.answers)
    merged = {**stored, **page_merge.answers}
    action, goto = navigation.posted_action(questionnaire, merged)
    if goto is None and request.form.get("action") == "compare":
        action = "save"  # the autosave's conflict message: save here, show the conflicts
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
        theirs_saved_by = sharing.saved_by(last_save, _browser_hash(), contact)
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
            db.session,
            questionnaire,
            saved,
            page_merge.answers,
            stored=stored,
            section_key=(destination or section).key,
            language=current_language(),
            origin=_save_origin(),
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
    if page_merge.conflicts:
        # Both values shown, the respondent chooses; what they typed stays in the fields.
        return _render_page(
            questionnaire,
            _response(token),
            token,
            section,
            merged,
            _with_kept_answers(
                questionnaire, _fields_for_reshow(questionnaire, merged, result), page_merge
            ),
            errors,
            None,
            409,
            base=shown_base,
            also=also,
            conflicts=page_merge.conflicts,
            theirs_saved_by=theirs_saved_by,
        )
    if errors or result.unknown_fields:
        notice = None
        if result.unknown_fields:
            notice = _("Some of what was sent does not belong to this page and was ignored.")
        return _render_page(
            questionnaire,
            _response(token),
            token,
            section,
            merged,
            _with_kept_answers(
                questionnaire, _fields_for_reshow(questionnaire, merged, result), page_merge
            ),
            errors,
            notice,
            422,
            base=shown_base,
            also=also,
        )
    if goto == navigation.EMAIL_LINK:
        # Saved: now the link, to the address of the box (kept with its error if refused).
        return redirect(_send_link_from(token, questionnaire, request.path), 303)
    link_box.keep_typed(token, request.form)
    return redirect(navigation.page_target(token, section, destination, action, goto), 303)


def _send_link_from(token: str, questionnaire: Questionnaire, page_path: str) -> str:
    """Send the personal link from a response's page; return where to go next."""
    sent = link_box.send(db.session, _response(token), questionnaire, token, request.form)
    db.commit()
    if sent:
        return f"{page_path}?link_sent=1"
    return f"{page_path}#email-link"


def _with_kept_answers(
    questionnaire: Questionnaire, fields: dict[str, list[str]], page_merge: merging.Merge
) -> dict[str, list[str]]:
    """Show the answers another browser saved, that this page had not changed, as stored."""
    for unit, (key, theirs) in page_merge.kept.items():
        question = questionnaire.question(key)
        names = question_fields(question)
        if question.type == "matrix":
            names = tuple(name for name in names if name == f"q.{unit}")
        for name in names:
            fields.pop(name, None)
        stored_fields = answers_to_fields(questionnaire, {key: theirs})
        fields.update({name: stored_fields[name] for name in names if name in stored_fields})
    return fields


def _default_region(
    questionnaire: Questionnaire, section: Section, result: PageResult, stored: Answers
) -> None:
    """Fill an unanswered region on this page from the country; the respondent may correct it."""
    region_key = questionnaire.profile_fields.get("region")
    country_key = questionnaire.profile_fields.get("country")
    if region_key not in {q.key for q in section.questions} or result.answers.get(region_key):
        return
    if region_key in result.errors:
        return
    country = {**stored, **result.answers}.get(country_key, {}).get("")
    region = geography.region_of(current_app.config["QUESTIONNAIRES_PATH"], country or "")
    if region:
        result.answers[region_key] = {"": region}
        result.raw[f"q.{region_key}"] = [region]


def _fields_for_reshow(
    questionnaire: Questionnaire, answers: Answers, result: PageResult
) -> dict[str, list[str]]:
    fields = answers_to_fields(questionnaire, answers)
    page_fields = {
        name
        for q in questionnaire.questions
        if q.key in result.answers or q.key in result.errors
        for name in question_fields(q)
    }
    for name in page_fields:
        fields.pop(name, None)
    fields.update(result.raw)
    return fields


def _autosave_unavailable():
    return jsonify({"saved": False, "retry": True}), 503


@bp.post("/r/<token>/s/<section_key>/autosave")
@limit_saves()
@recovers_from_unavailable(_autosave_unavailable)
def autosave(token: str, section_key: str):
    """Save the valid answers of a page while the respondent types (JavaScript only)."""
    saved, questionnaire, stored = _load_to_save(token)
    section = _section_or_404(questionnaire, section_key)
    if not questionnaire.is_open(utcnow()):
        return jsonify({"saved": False, "closed": True}), 403
    result = read_page(questionnaire, section, request.form, stored)
    page_merge = sharing.merge_posted(request.form, section, saved, stored, result.answers)
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
        db.session,
        questionnaire,
        saved,
        page_merge.answers,
        stored=stored,
        section_key=section.key,
        origin=_save_origin(),
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
        "sections": _shown_sections(questionnaire, answers),
        "is_shown": lambda q: is_shown(q, answers, questionnaire),
        "hidden_groups": _hidden_groups(questionnaire, answers),
        "resume_url": absolute_url_for("questionnaires.resume", token=token),
        "page_form": "review-form",
        "page_form_saves": True,
        **_contact_for_this_browser(response),
    }


#: Session key of this browser's random id: contact details are shown only where entered.
BROWSER_KEY = "respondent_browser"


def _browser_hash() -> str:
    """Keyed hash of this browser's id (kept in its session cookie; made on first need)."""
    browser_id = session.get(BROWSER_KEY)
    if not browser_id:
        browser_id = session[BROWSER_KEY] = secrets.token_urlsafe(16)
        session.permanent = True
    return _keyed_browser_hash(current_app.config["SECRET_KEY"], browser_id)


@functools.lru_cache(maxsize=4096)
def _keyed_browser_hash(secret_key: str, browser_id: str) -> str:
    # The same browser saves page after page: its hash is made once per worker, not per save.
    key = secret_key.encode()
    return hmac.new(key, f"respondent-browser:{browser_id}".encode(), hashlib.sha256).hexdigest()


def _save_origin() -> SaveOrigin:
    """Who is saving: this browser, its families, the page's language (see origin.py)."""
    return SaveOrigin(
        browser=_browser_hash(),
        device=device_of(request.headers.get("User-Agent")),
        language=current_language(),
    )


def _contact_for_this_browser(response: Response) -> dict:
    """The response's contact details, only for the browser that entered them.

    A personal link opened in another browser (a colleague's, a shared computer) shows that
    contact details were given, never what they are; they stay unless replaced.
    """
    contact = operations.contact_details(db.session, response)
    if contact is None:
        return {"contact": None, "contact_elsewhere": False}
    if contact.browser_hash and hmac.compare_digest(contact.browser_hash, _browser_hash()):
        return {"contact": contact, "contact_elsewhere": False}
    return {"contact": None, "contact_elsewhere": True}


def _recover_review():
    token = request.view_args["token"]
    response, questionnaire = _load(token)
    if not questionnaire.is_open(utcnow()):
        return _closed(questionnaire, response)
    answers = operations.answers_of(db.session, response, questionnaire)
    context = _review_context(questionnaire, response, token, answers)
    return render_template(
        "questionnaires/review.html",
        **context,
        missing={},
        error_items=[],
        contact_form=request.form,
        contact_errors={},
        notice=_(
            "Your session had expired, so nothing was sent yet. Please press the button again."
        ),
    )


def _review_unavailable():
    if request.method != "POST":
        return None
    token = request.view_args["token"]
    response, questionnaire = _load(token)
    answers = operations.answers_of(db.session, response, questionnaire)
    return render_template(
        "questionnaires/review.html",
        **_review_context(questionnaire, response, token, answers),
        missing={},
        error_items=[],
        contact_form=request.form,
        contact_errors={},
        notice=_(
            "We could not send your response just now. Nothing is lost: please try "
            "again in a moment."
        ),
    ), 503


@bp.route("/r/<token>/review", methods=["GET", "POST"])
@limit_saves(methods=["POST"])
@recovers_from_csrf(_recover_review)
@recovers_from_unavailable(_review_unavailable)
def review(token: str):
    """Show every answer before submitting; submit (idempotently) on POST."""
    response, questionnaire = _load(token)
    answers = operations.answers_of(db.session, response, questionnaire)
    context = _review_context(questionnaire, response, token, answers)
    if not questionnaire.is_open(utcnow()):
        return _closed(questionnaire, response, 403 if request.method == "POST" else 200)
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
        return redirect(_send_link_from(token, questionnaire, request.path), 303)
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
    if missing or contact_errors:
        # The error summary's links lead to other pages: what was typed here waits for the
        # respondent's return.
        navigation.keep_review_typed(token, request.form)
        link_box.keep_typed(token, request.form)
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
            notice=None,
        ), 422
    # Contact details and submission commit together or not at all (see _review_unavailable).
    # Empty fields in a browser that was not shown the stored details keep them as they are.
    if any(contact.values()) or not context["contact_elsewhere"]:
        operations.save_contact_details(
            db.session,
            response,
            language=current_language(),
            browser_hash=_browser_hash(),
            **contact,
        )
    operations.submit_response(
        db.session, questionnaire, response, current_language(), answers=answers
    )
    # The receipt is queued in the submission's transaction: both happen, or neither.
    if receipt_to:
        respondent_mail.queue_receipt(
            db.session, response, questionnaire, token, receipt_to, answers, answer_lines
        )
    if contact.get("email"):
        respondent_mail.remember_address(db.session, response.id, contact["email"])
    db.commit()
    navigation.forget_review_typed()
    link_box.keep_typed(token, request.form)  # the receipt's own box shows it, not sent
    return redirect(url_for(".receipt", token=token), 303)


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
    response, questionnaire = _load(token)
    if not response.is_submitted:
        return redirect(url_for(".review", token=token))
    return render_template(
        "questionnaires/receipt.html",
        questionnaire=questionnaire,
        response=response,
        resume_url=absolute_url_for("questionnaires.resume", token=token),
        can_edit=questionnaire.is_open(utcnow()),
    )


ORDINALS = {
    1: _l("First choice"),
    2: _l("Second choice"),
    3: _l("Third choice"),
    4: _l("Fourth choice"),
    5: _l("Fifth choice"),
}


def answer_lines(
    questionnaire: Questionnaire, question: Question, parts: dict[str, str]
) -> list[str]:
    """Describe a stored answer in words, one line per value (for the review page)."""
    language = current_language()
    if not parts:
        return []
    labels = dict(option_choices(question))
    if question.type in ("short_text", "long_text", "number"):
        return [parts.get("", "")]
    if question.type == "country":
        return [geography.country_name(parts.get(""), language)]
    if question.type in ("single_choice", "yes_no", "region"):
        return [labels.get(parts.get(""), parts.get(""))]
    if question.type == "multiple_choice":
        lines = [labels.get(p, p) for p in parts if p != OTHER_PART]
        if OTHER_PART in parts:
            lines.append(_("Other: %(text)s", text=parts[OTHER_PART]))
        return lines
    if question.type == "matrix":
        scale = {point.key: translate_text(point.label) for point in question.scale}
        return [
            f"{translate_text(row.label)}: {scale.get(parts[row.key], parts[row.key])}"
            for row in question.rows
            if row.key in parts
        ]
    if question.type == "ranking":
        ranked = sorted(parts.items(), key=lambda item: int(item[1]))
        return [f"{rank}. {labels.get(option, option)}" for option, rank in ranked]
    return [str(parts)]


def option_choices(question: Question) -> list[tuple[str, str]]:
    """Return (key, label) pairs of a choice question in the current language."""
    if question.type == "yes_no":
        return [("yes", _("Yes")), ("no", _("No")), ("dont_know", _("Don't know"))]
    if question.type == "region":
        return region_choices()
    return [(option.key, translate_text(option.label)) for option in question.options]


def region_choices() -> list[tuple[str, str]]:
    """Return UCLG's regions as (key, label) in the current language."""
    labels = geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])
    return [(key, translate_text(labels[key])) for key in geography.REGION_KEYS]


def region_map() -> dict[str, str]:
    """Return the country -> region mapping in force."""
    return geography.region_map(current_app.config["QUESTIONNAIRES_PATH"])


def condition_note(questionnaire: Questionnaire, question: Question) -> str:
    """Say in words when a conditional question applies (shown when JavaScript is off)."""
    assert question.when is not None
    source = questionnaire.question(question.when.question)
    value = dict(option_choices(source)).get(question.when.value, question.when.value)
    return _(
        "Answer only if your answer to “%(question)s” is “%(value)s”.",
        question=translate_text(source.label),
        value=value,
    )


@bp.app_context_processor
def questionnaire_helpers():
    """Helpers the question templates use."""
    return {
        "option_choices": option_choices,
        "region_choices": region_choices,
        "country_names": geography.country_names,
        "ordinal_choice": lambda i: str(ORDINALS.get(i, i)),
        "condition_note": condition_note,
        "page_of": navigation.page_of,
        "error_target": navigation.error_target,
        "answer_lines": answer_lines,
        "region_map_json": lambda: json.dumps(region_map(), separators=(",", ":")),
        "charter_article": display.charter_article,
        "rank_choices": display.rank_choices,
        "rank_choices_json": display.rank_choices_json,
    }
