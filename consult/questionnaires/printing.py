"""Printable copies: a response's answers as a PDF, and each questionnaire blank (HTML, PDF).

An officer sends their answers to their hierarchy for sign-off; an institution prepares its
answers offline. The PDFs are made by WeasyPrint from the same templates as the pages
(templates/questionnaires/_document.html), with static/css/print.css: HTML and CSS in, PDF out,
in the process, with no browser to run on the server. Fonts come from the system (fontconfig):
Noto covers the scripts answers may be written in.

A response's PDF opens only with its personal link, is never cached (Cache-Control: no-store),
and is in the response's language.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import force_locale

from consult.core.gone import unknown_link
from consult.db import db, utcnow
from consult.exports import naming
from consult.questionnaires import operations
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Questionnaire, Section, is_shown
from consult.questionnaires.models import Response as QuestionnaireResponse
from consult.questionnaires.registry import definition_of, get_questionnaire

bp = Blueprint("printing", __name__)

PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "print.css"


def render_pdf(html: str) -> bytes:
    """Return the PDF of a page of HTML laid out with static/css/print.css.

    The page fetches nothing: every resource it could name is refused, so user text can never
    make the renderer read a file or reach the network.
    """
    from weasyprint import CSS, HTML  # imported on first use: a second or so, and memory

    document = HTML(string=html, base_url=None, url_fetcher=_refuse_fetch)
    return document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict:
    raise ValueError(f"printing fetches nothing ({url[:40]})")


def _pdf(content: bytes, filename: str, *, private: bool) -> Response:
    reply = Response(content, mimetype="application/pdf")
    reply.headers["Content-Disposition"] = naming.content_disposition(filename)
    if private:
        reply.headers["Cache-Control"] = "no-store"
    return reply


def shown_sections(questionnaire: Questionnaire, answers: Answers) -> list[Section]:
    """Return the sections asked given the answers."""
    return [s for s in questionnaire.sections if is_shown(s, answers, questionnaire)]


def answers_context(
    questionnaire: Questionnaire, response: QuestionnaireResponse, answers: Answers
) -> dict:
    """What the answer list of a response needs (the closed page and the PDF)."""
    return {
        "questionnaire": questionnaire,
        "response": response,
        "answers": answers,
        "sections": shown_sections(questionnaire, answers),
        "is_shown": lambda q: is_shown(q, answers, questionnaire),
    }


@bp.get("/r/<token>/answers.pdf")
def response_pdf(token: str):
    """Download a response's answers as a PDF, in its language, with its receipt number."""
    response = operations.open_response(db.session, token)
    if response is None:
        unknown_link()
    questionnaire = definition_of(response)
    answers = operations.answers_of(db.session, response, questionnaire)
    with force_locale(response.language):
        html = render_template(
            "questionnaires/print/response.html",
            **answers_context(questionnaire, response, answers),
            now=utcnow(),
        )
    name = response.receipt_number or "draft"
    return _pdf(render_pdf(html), f"{questionnaire.key}-{name}.pdf", private=True)


def _questionnaire(key: str) -> Questionnaire:
    questionnaire = get_questionnaire(key)
    if questionnaire is None:
        abort(404)
    return questionnaire


@bp.get("/questionnaires/<key>/print")
def blank_page(key: str):
    """Show a questionnaire blank, to print or to prepare answers offline."""
    questionnaire = _questionnaire(key)
    return render_template("questionnaires/print/blank_page.html", questionnaire=questionnaire)


@bp.get("/questionnaires/<key>/print/<language>.pdf")
def blank_pdf(key: str, language: str):
    """Download a questionnaire blank as a PDF in one of the three languages."""
    questionnaire = _questionnaire(key)
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    # The same for everyone until the definitions are loaded again (a restart): made once.
    made = current_app.extensions.setdefault("consult.blank_pdfs", {})
    cache_key = (questionnaire.key, questionnaire.version, language)
    if cache_key not in made:
        with force_locale(language):
            html = render_template("questionnaires/print/blank.html", questionnaire=questionnaire)
        made[cache_key] = render_pdf(html)
    reply = _pdf(made[cache_key], f"{questionnaire.key}-{language}.pdf", private=False)
    reply.headers["Cache-Control"] = "public, max-age=3600"
    return reply
