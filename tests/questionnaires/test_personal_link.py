"""The personal link: its language, what it shows after closing, and the printable copies."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from consult.questionnaires.parsing import definition_files, load_all
from tests.conftest import Respondent
from tests.questionnaires.test_nothing_lost import _closed_copy
from tests.questionnaires.test_respond import ARTICLES, PROFILE, fill_required

QUESTIONNAIRES = load_all(definition_files(Path(__file__).resolve().parents[2] / "questionnaires"))
ARABIC_NAME = "بلدية تونس"  # a free-text answer in a non-Latin script
CJK_NAME = "光州广域市"


def lang_of(reply) -> str:
    return re.search(r'<html lang="([a-z]+)"', reply.get_data(as_text=True)).group(1)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def spanish_response(app):
    """A response answered in Spanish (the respondent chose Spanish with the switcher)."""
    client = app.test_client()
    client.get("/?lang=es")
    respondent = Respondent(client)
    respondent.start()
    return respondent


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"headers": {"Accept-Language": "fr-FR,fr;q=0.9"}}, "es"),  # the browser's default
        ({"headers": {"Accept-Language": "en"}}, "es"),
        ({"cookie": "en"}, "en"),  # chosen earlier with the switcher, remembered
        ({"query": "fr"}, "fr"),  # chosen now
    ],
)
def test_the_personal_link_opens_in_the_responses_language_unless_the_visitor_chose(
    app, spanish_response, how, expected
):
    other = app.test_client()
    if "cookie" in how:
        other.set_cookie("consult_lang", how["cookie"])
    query = f"?lang={how['query']}" if "query" in how else ""
    reply = other.get(
        f"/r/{spanish_response.token}/s/profile{query}", headers=how.get("headers", {})
    )
    assert reply.status_code == 200
    assert lang_of(reply) == expected


def test_a_page_of_the_site_still_follows_accept_language(app, spanish_response):
    reply = app.test_client().get("/questionnaires/partners", headers={"Accept-Language": "fr"})
    assert lang_of(reply) == "fr"


# -- after the closing date --------------------------------------------------------------------


def closed_client(app, make_app, tmp_path):
    closed_app = make_app(
        instance=app.instance_path, QUESTIONNAIRES_PATH=str(_closed_copy(tmp_path / "closed"))
    )
    return closed_app.test_client()


def test_after_closing_a_submitted_response_shows_its_answers_read_only(
    app, make_app, respondent, tmp_path
):
    respondent.start()
    fill_required(respondent)
    respondent.save("profile", {**PROFILE, "q.institution_name": ARABIC_NAME})
    respondent.submit()
    later = closed_client(app, make_app, tmp_path)
    reply = later.get(f"/r/{respondent.token}", follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', page).group(1)
    assert number.startswith("LG-")
    assert "no longer accepts answers" in page
    assert ARABIC_NAME in page and "Metropolis or metropolitan government" in page
    assert 'name="q.' not in page and "<form" not in page.split("<main")[1]
    assert "Download my answers (PDF)" in page


def test_after_closing_a_drafts_link_says_it_was_not_submitted(app, make_app, respondent, tmp_path):
    respondent.start()
    respondent.save("profile", PROFILE, action="save")
    later = closed_client(app, make_app, tmp_path)
    reply = later.get(f"/r/{respondent.token}", follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert "This draft was not submitted before the questionnaire closed" in page
    assert "Ciudad de México" in page  # what it held, read-only
    assert 'name="q.' not in page
    assert "receipt-number" not in page


# -- printable copies --------------------------------------------------------------------------


def test_the_pdf_of_a_submitted_response_has_its_receipt_answers_and_language(
    app, spanish_response
):
    respondent = spanish_response
    fill_required(respondent)
    respondent.save("profile", {**PROFILE, "q.institution_name": ARABIC_NAME + " " + CJK_NAME})
    respondent.submit()
    review = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert f'href="/r/{respondent.token}/answers.pdf"' in review
    receipt = respondent.client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert f'href="/r/{respondent.token}/answers.pdf"' in receipt
    number = re.search(r'class="receipt-number">([A-Z0-9-]+)<', receipt).group(1)

    # Asked from a browser in English: the copy is in the response's language (Spanish).
    reply = app.test_client().get(f"/r/{respondent.token}/answers.pdf?lang=en")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "attachment" in reply.headers["Content-Disposition"]
    text = pdf_text(reply.data)
    assert number in text
    assert "Revisión de la Carta-Agenda Mundial" in text.replace("\n", " ")
    assert "Metrópolis o gobierno metropolitano" in text  # the label, not the key
    assert "metropolis" not in text
    assert ARABIC_NAME in text and CJK_NAME in text
    assert re.search(r"\d{1,2} de [a-z]+ de 20\d\d", text)  # the date, CLDR Spanish


def test_the_pdf_of_a_draft_says_it_is_not_submitted(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE, action="save")
    reply = respondent.client.get(f"/r/{respondent.token}/answers.pdf")
    text = pdf_text(reply.data)
    assert "Draft, not submitted" in text and "Ciudad de México" in text


def test_the_pdf_needs_the_personal_link(client):
    assert client.get("/r/not-a-real-token-at-all/answers.pdf").status_code == 404


@pytest.mark.parametrize("key", sorted(QUESTIONNAIRES))
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_blank_questionnaire_prints_every_question_and_option(client, key, language):
    questionnaire = QUESTIONNAIRES[key]
    intro = client.get(f"/questionnaires/{key}?lang={language}").get_data(as_text=True)
    assert f'href="/questionnaires/{key}/print"' in intro
    page = client.get(f"/questionnaires/{key}/print").get_data(as_text=True)
    assert f'href="/questionnaires/{key}/print/{language}.pdf"' in page
    page = html.unescape(page)
    for question in questionnaire.questions:
        assert question.label[language] in page, question.key
        for option in (*question.options, *question.rows, *question.scale):
            assert option.label[language] in page, (question.key, option.key)
    assert 'name="q.' not in page
    conditional = [q for q in questionnaire.questions if q.when]
    assert page.count('class="condition-note"') >= len(conditional) > 0


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_blank_questionnaire_pdf_is_in_each_language(client, language):
    questionnaire = QUESTIONNAIRES["partners"]
    reply = client.get(f"/questionnaires/partners/print/{language}.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    text = " ".join(pdf_text(reply.data).split())
    assert " ".join(questionnaire.title[language].split()) in text
    assert " ".join(questionnaire.questions[-1].label[language].split()) in text
    assert client.get("/questionnaires/partners/print/de.pdf").status_code == 404


def test_the_answers_of_an_article_matrix_print_with_their_labels(app, respondent):
    respondent.start()
    fill_required(respondent)
    assert ARTICLES  # every article rated "very relevant"
    text = pdf_text(respondent.client.get(f"/r/{respondent.token}/answers.pdf").data)
    assert "very_relevant" not in text and text.count("Very relevant") >= 12


def test_a_blank_pdf_is_made_once_per_language(client, monkeypatch):
    from consult.questionnaires import printing

    made = []
    monkeypatch.setattr(printing, "render_pdf", lambda html: made.append(html) or b"%PDF-1.7")
    for _ in range(2):
        reply = client.get("/questionnaires/partners/print/fr.pdf")
        assert reply.data == b"%PDF-1.7" and "public" in reply.headers["Cache-Control"]
    client.get("/questionnaires/partners/print/es.pdf")
    assert len(made) == 2


def test_saving_from_another_browser_keeps_the_responses_language(app, spanish_response):
    from sqlalchemy import select

    from consult.db import db
    from consult.questionnaires.models import Response

    colleague = Respondent(app.test_client())
    colleague.token = spanish_response.token
    colleague.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert colleague.save("profile", PROFILE, action="save").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Response.language)) == "es"
    chose = colleague.client.get(f"/r/{spanish_response.token}/s/profile?lang=fr")
    assert lang_of(chose) == "fr"
    colleague.csrf = None
    assert colleague.save("profile", PROFILE, action="save").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Response.language)) == "fr"  # an explicit choice
