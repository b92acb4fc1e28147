"""Long quotes in three scripts on the deck: whole on the HTML deck, the presenter view's notes,
the PPTX and the PDF, in English, French and Spanish; and a PPTX PowerPoint opens unrepaired."""

from __future__ import annotations

import io
import shutil

import lxml.html
import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from consult.db import db, writing
from consult.outcomes import deck_pptx
from consult.outcomes.models import OutcomeQuote
from consult.questionnaires.models import Answer, Response
from tests.outcomes.conftest import fill_demo
from tests.outcomes.pptx_check import pptx_problems
from tests.outcomes.quote_texts import LONG_QUOTES
from tests.outcomes.test_pages import freeze

LANGUAGES = ("en", "fr", "es")


def _squash(text: str) -> str:
    """The words of a text without spaces, quote marks and the ellipses that mark a break."""
    return "".join(text.split()).replace("“", "").replace("”", "").replace("…", "")


@pytest.fixture
def long_quotes_client(app, login):
    """An analyst's client with a snapshot whose deck quotes three long answers (fr, zh, ar)."""
    fill_demo(app, 40)
    with app.app_context(), writing():
        answers = db.session.scalars(
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.status == "submitted",
                Answer.question_key == "final_priority",
                Answer.part_key == "",
            )
            .limit(3)
        ).all()
        for position, (answer, (language, text)) in enumerate(
            zip(answers, LONG_QUOTES, strict=True), start=1
        ):
            # The freeze re-reads every quote from its answer: the answer says the same.
            answer.value = text
            db.session.add(
                OutcomeQuote(
                    source="answer",
                    response_id=answer.response_id,
                    question_key="final_priority",
                    text=text,
                    language=language,
                    starred_by_email="analyst@cisdp.test",
                    deck_position=position,
                )
            )
        db.commit()
    client = login(app.test_client(), "analyst")
    assert freeze(client).status_code == 302
    return client


def _html_quotes(html: str) -> list[str]:
    page = lxml.html.fromstring(html)
    path = "//section[starts-with(@data-slide, 'quotes')]//blockquote"
    return [quote.text_content() for quote in page.xpath(path)]


def test_long_quotes_are_whole_on_every_format_of_the_deck(long_quotes_client):
    """One snapshot, the three languages in turn (one set-up: the test stays lean)."""
    for language in LANGUAGES:
        check_deck_language(long_quotes_client, language)
    # the quotes bank flags each of the three long quotes; none is cut there either
    page = long_quotes_client.get("/staff/outcomes/quotes?lang=fr").get_data(as_text=True)
    assert page.count("Longue\u00a0: le diaporama la montre en entier sur") == 3
    assert "délibérative" in page


def check_deck_language(client, language: str) -> None:
    """The deck in ``language``: HTML, presenter notes and PPTX hold the quotes whole."""
    html = client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
    slides = deck_pptx.read_slides(html)
    quote_slides = [s for s in slides if s.key.startswith("quotes")]
    assert [s.key for s in quote_slides][:3] == ["quotes", "quotes-2", "quotes-3"]
    # the three quotes, whole and in order, over the slides; each break marked
    shown = _html_quotes(html)
    assert _squash("".join(shown)) == _squash("".join(text for _l, text in LONG_QUOTES))
    assert sum(text.endswith(" …") for text in shown) >= 3
    page = lxml.html.fromstring(html)
    assert {b.get("dir") for b in page.xpath("//blockquote[@lang='ar']")} == {"rtl"}
    # the presenter's notes say which quote goes on over several slides
    presenter = client.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
    notes = presenter.get_data(as_text=True)
    wanted = {"en": "is long", "fr": "est long", "es": "es larga"}[language]
    assert notes.count(wanted) == 3
    # the PPTX: the same slides, the quotes whole in native text, nothing PowerPoint repairs
    body = client.get(f"/staff/outcomes/1/deck.pptx?lang={language}").get_data()
    assert pptx_problems(body) == []
    presentation = Presentation(io.BytesIO(body))
    assert len(presentation.slides) == len(slides)
    in_pptx = [
        shape.text_frame.text
        for slide in presentation.slides
        for shape in slide.shapes
        if shape.name == "Quote"
    ]
    assert _squash("".join(in_pptx)) == _squash("".join(shown))
    for deck_slide, slide in zip(slides, presentation.slides, strict=True):
        if deck_slide.key.startswith("quotes"):
            assert slide.notes_slide.notes_text_frame.text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_pdf_prints_every_part_of_a_long_quote(long_quotes_client):
    html = long_quotes_client.get("/staff/outcomes/1/deck?lang=fr").get_data(as_text=True)
    slides = deck_pptx.read_slides(html)
    reply = long_quotes_client.get("/staff/outcomes/1/deck.pdf?lang=fr")
    reader = PdfReader(io.BytesIO(reply.get_data()))
    assert len(reader.pages) == len(slides)
    first = next(i for i, s in enumerate(slides) if s.key == "quotes")
    # the French quote's last words are on a following page, not cut away
    text = " ".join(page.extract_text() for page in reader.pages[first + 1 : first + 4])
    assert "délibérative" in text
