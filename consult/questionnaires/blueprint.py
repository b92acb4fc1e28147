"""The responding pages' blueprint and what each of its views shares: loading a response from
its personal link, the closed page, the rate limits.

The view modules (start_views, link_views, page_views, review_views) import this one, never the
reverse; consult.questionnaires.views imports them all, which registers every route.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request

from consult.core.gone import unknown_link
from consult.db import db
from consult.i18n import prefer_page_language
from consult.questionnaires import guarded, operations, printing, retired, wording
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Questionnaire, Section
from consult.questionnaires.models import Response
from consult.questionnaires.registry import definition_of

bp = Blueprint("questionnaires", __name__)
bp.record_once(retired.install)
bp.app_context_processor(wording.template_helpers)

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


def load_response(token: str) -> tuple[Response, Questionnaire]:
    """Load a response and its questionnaire from a personal link (404 if unknown)."""
    # A POST locks the response row (PostgreSQL): a page save and an autosave of the same
    # response in two workers then follow each other instead of colliding on the answers.
    response = operations.find_response(
        db.session, token, for_update=request.method == "POST" and not g.get("_read_only")
    )
    if response is None:
        unknown_link()
    g.response_language = response.language
    return response, definition_of(response)


def load_with_answers(token: str) -> tuple[Response, Questionnaire, Answers]:
    """Load a response to show one of its pages (saving one goes through load_to_save)."""
    response = operations.open_response(db.session, token)
    if response is None:
        unknown_link()
    g.response_language = response.language
    questionnaire = definition_of(response)
    return response, questionnaire, operations.answers_of(db.session, response, questionnaire)


def load_to_save(token: str) -> tuple[operations.ResponseRow, Questionnaire, Answers]:
    """Load what saving a page needs: the response as a locked plain row, and its answers.

    In a view wrapped in guarded.guarded_save on PostgreSQL, the row is read without a lock,
    and its write is guarded instead (see consult.questionnaires.guarded).
    """
    # Statements only, through the request's connection: no ORM session (see db.connection).
    locks = not guarded.reads_without_lock() and not g.get("_read_only")
    row = operations.open_response_to_save(db, token, for_update=locks)
    if row is None:
        unknown_link()
    g.response_language = row.language
    questionnaire = definition_of(row)
    return row, questionnaire, operations.answers_of(db, row, questionnaire)


def response_of(token: str) -> Response:
    """The response as an ORM object, for the pages that show it after a save."""
    response = operations.find_response(db.session, token)
    if response is None:
        unknown_link()
    return response


def closed_page(questionnaire: Questionnaire, response: Response | None = None, status: int = 403):
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


def start_limit() -> str:
    """The rate limit of starting a response, from the configuration."""
    return current_app.config["QUESTIONNAIRE_START_RATE_LIMIT"]


def section_or_404(questionnaire: Questionnaire, section_key: str) -> Section:
    """The section of a questionnaire a URL names (404 if none)."""
    try:
        return questionnaire.section(section_key)
    except KeyError:
        abort(404)
