"""The deck's methodology and closing slides, speaker notes, presenter view, PPTX and PDF."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata

import lxml.html
import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from consult.db import db
from consult.exports.naming import parsed_filename
from consult.outcomes import deck_pptx
from consult.staff.models import AuditEntry
from tests.conftest import csrf_token
from tests.outcomes.pptx_check import pptx_problems
from tests.outcomes.test_pages import freeze

LANGUAGES = ("en", "fr", "es")
#: The slides of the demo deck: title, who took part, methodology, the key findings of each
#: questionnaire (on as many slides as they need: "-2", "-3"... continue them), contributions,
#: the 12 articles, quotes, closing.
SLIDES = re.compile(
    r"title participation methodology"
    r"( findings-local-governments(-[2-9])?)+( findings-partners(-[2-9])?)+"
    r" contributions articles( quotes( quotes-\d+)*)? closing"
)


@pytest.fixture
def deck_client(demo_app, login):
    """An analyst's client with one frozen snapshot of 300 demo responses."""
    client = login(demo_app.test_client(), "analyst")
    assert freeze(client, "Working session", as_of="2022-02-22T18:00").status_code == 302
    return client


def deck_html(client, language: str) -> str:
    return client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_deck_has_a_methodology_slide_and_a_key_on_every_slide(deck_client, language):
    html = deck_html(deck_client, language)
    slides = deck_pptx.read_slides(html)
    keys = [slide.key for slide in slides]
    assert SLIDES.fullmatch(" ".join(keys)), keys
    assert len(set(keys)) == len(keys)
    method = next(slide for slide in slides if slide.key == "methodology")
    text = " ".join(p.text for p in method.body)
    # who was asked, how many answered, period, cut-off, the suppression rule
    total_lg = re.search(r"(\d+)", text)
    assert total_lg is not None
    wanted = {
        "en": ["Who was asked", "Period", "Cut-off", "22 February 2022, 18:00 CET", "fewer than 5"],
        "fr": ["Période", "Date d'arrêt", "22 février 2022, 18:00 CET", "moins de 5"],
        "es": ["Periodo", "Fecha de corte", "22 de febrero de 2022, 18:00 CET", "menos de 5"],
    }[language]
    for fragment in wanted:
        assert fragment in html, fragment
    # the default closing slide speaks the deck's language, points included
    closing = " ".join(p.text for p in slides[-1].body)
    assert {
        "en": "Taking part Questionnaires and open contributions",
        "fr": "Participer Questionnaires et contributions libres",
        "es": "Participar Cuestionarios y contribuciones abiertas",
    }[language] in closing, closing


def test_the_methodology_counts_are_the_snapshots(deck_client, demo_app):
    from consult.outcomes.models import OutcomeSnapshot
    from consult.outcomes.operations import snapshot_summary

    with demo_app.app_context():
        summary = snapshot_summary(db.session.get(OutcomeSnapshot, 1))
    html = deck_html(deck_client, "en")
    method = next(s for s in deck_pptx.read_slides(html) if s.key == "methodology")
    rows = [p.text for p in method.body]
    for questionnaire in summary["questionnaires"]:
        assert any(
            f"{questionnaire['responses']:,} responses to the questionnaire" in row for row in rows
        ), rows
    contributions = (summary["contributions"] or {}).get("total") or 0
    assert any(f"{contributions:,} published by a moderator" in row for row in rows)
    # The period is the consultation's (the questionnaires opened on 15 November 2021), to the
    # cut-off; the notes say the same, never the first or the last response's day.
    # (each day kept with its month by a no-break space, in the PPTX too)
    assert "Period: 15\u00a0November 2021 to 22\u00a0February 2022" in rows, rows
    notes = " ".join(presenter_notes(deck_client, "en")["methodology"])
    assert "The questionnaires opened on 15 November 2021 and were still open" in notes, notes
    assert "Responses submitted from" not in notes


def test_staff_set_the_closing_slide_in_three_languages(deck_client, demo_app):
    page = deck_client.get("/staff/outcomes/1/deck/closing")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # the form starts from what the deck shows: the default next steps
    assert "Next steps of the revision" in html
    assert "Prochaines étapes" in html
    token = csrf_token(html)
    too_many = "\n".join(f"Point {n}" for n in range(8))
    refused = deck_client.post(
        "/staff/outcomes/1/deck/closing",
        data={"csrf_token": token, "title_en": "Kept as typed", "text_en": too_many},
    )
    assert refused.status_code == 400
    assert "Kept as typed" in refused.get_data(as_text=True)
    saved = deck_client.post(
        "/staff/outcomes/1/deck/closing",
        data={
            "csrf_token": token,
            "title_en": "Thank you, Gwangju",
            "text_en": "Join the campaign: 10, 100, 1000 cities\nWrite to us",
            "title_fr": "Merci, Gwangju",
            "text_fr": "Rejoignez la campagne : 10, 100, 1000 villes",
            "title_es": "",
            "text_es": "",
        },
    )
    assert saved.status_code == 303
    english = deck_pptx.read_slides(deck_html(deck_client, "en"))[-1]
    assert english.title == "Thank you, Gwangju"
    assert [p.text for p in english.body[:2]] == [
        "Join the campaign 10, 100, 1000 cities",
        "Write to us",
    ]
    french = deck_pptx.read_slides(deck_html(deck_client, "fr"))[-1]
    assert french.title == "Merci, Gwangju"
    assert french.body[0].text == "Rejoignez la campagne 10, 100, 1000 villes"
    # a language left empty keeps the default, never an empty slide
    spanish = deck_pptx.read_slides(deck_html(deck_client, "es"))[-1]
    assert spanish.title == "Próximos pasos de la revisión"
    with demo_app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert "outcomes.deck_closing" in actions
    # the page says which audience would still read the default next steps
    after = deck_client.get("/staff/outcomes/1/deck/closing?lang=en").get_data(as_text=True)
    assert "Español still shows the default next steps" in after
    assert "Français" not in after.split('data-closing="left-default">', 1)[1].split("</p>")[0]


@pytest.mark.parametrize(
    ("rewritten", "warned"),
    [
        ((), ()),  # all three on the default: one message, nothing to say
        (("en",), ("fr", "es")),
        (("en", "fr"), ("es",)),
        (("en", "fr", "es"), ()),
        (("es",), ("en", "fr")),
    ],
)
def test_a_closing_rewritten_in_some_languages_names_the_others(rewritten, warned, demo_app):
    """Audiences of one session in three languages read one closing slide, not two."""
    from consult.outcomes import deck_content
    from consult.outcomes.deck_settings import Closing, left_default

    with demo_app.test_request_context("/"):
        default = deck_content.default_closing()
    closing = Closing(
        title={lang: "Thanks" if lang in rewritten else default.title[lang] for lang in LANGUAGES},
        # the default as the form gave it back, spaces and line ends aside
        text={
            lang: "Our point" if lang in rewritten else default.text[lang].replace("\n", " \n")
            for lang in LANGUAGES
        },
    )
    assert left_default(closing, default) == list(warned)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pptx_holds_every_slide_its_text_and_notes(deck_client, language, demo_app):
    html = deck_html(deck_client, language)
    slides = deck_pptx.read_slides(html)
    reply = deck_client.get(f"/staff/outcomes/1/deck.pptx?lang={language}")
    assert reply.status_code == 200
    name = parsed_filename(reply.headers["Content-Disposition"])
    assert f"-{language}-" in name and name.endswith(".pptx")
    # nothing PowerPoint refuses or repairs (it cannot run here: the package is checked)
    assert pptx_problems(reply.get_data()) == []
    presentation = Presentation(io.BytesIO(reply.get_data()))
    assert len(presentation.slides) == len(slides)
    presenter = deck_client.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
    presenter_html = presenter.get_data(as_text=True)
    for deck_slide, slide in zip(slides, presentation.slides, strict=True):
        # native, editable text: the slide's title in its title placeholder, its body in boxes
        assert slide.shapes.title.text_frame.text == deck_slide.title
        texts = "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for paragraph in deck_slide.body:
            assert paragraph.text in texts
        notes = slide.notes_slide.notes_text_frame.text
        assert notes, deck_slide.key
        # the same notes as the presenter view
        for line in notes.splitlines():
            assert line.replace("“", "&#34;").replace("”", "&#34;")[:30] in presenter_html or (
                line[:30] in presenter_html.replace("&#39;", "'").replace("&#34;", '"')
            )
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert len(pictures) == len(deck_slide.charts[:1])
    # the region map and the article heat map are pictures
    kinds = [s.key for s in slides if s.charts]
    assert {"participation", "articles"} <= set(kinds)
    with demo_app.app_context():
        formats = [
            entry.details.get("format")
            for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "export.outcomes")
            )
        ]
    assert "pptx" in formats


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_has_one_page_per_slide_with_its_text(deck_client, language):
    slides = deck_pptx.read_slides(deck_html(deck_client, language))
    reply = deck_client.get(f"/staff/outcomes/1/deck.pdf?lang={language}")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    reader = PdfReader(io.BytesIO(reply.get_data()))
    assert len(reader.pages) == len(slides)
    for deck_slide, page in zip(slides, reader.pages, strict=True):
        text = re.sub(r"\s+", " ", page.extract_text())
        assert deck_slide.title.split()[0] in text, (deck_slide.title, text[:200])


def presenter_notes(client, language: str) -> dict[str, list[str]]:
    """The speaker notes of every slide, by slide key, as the presenter view shows them."""
    page = client.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    return {
        item.get("data-slide"): [li.text_content() for li in item.findall("ul/li")]
        for item in tree.find_class("notes-slide")
    }


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_pdf_with_notes_follows_each_slide_with_its_notes(deck_client, demo_app, language):
    slides = deck_pptx.read_slides(deck_html(deck_client, language))
    deck = deck_client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
    assert f"deck.pdf?lang={language}&amp;notes=1" in deck
    reply = deck_client.get(f"/staff/outcomes/1/deck.pdf?lang={language}&notes=1")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    name = parsed_filename(reply.headers["Content-Disposition"])
    assert "-deck-notes-" in name and f"-{language}-" in name and name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(reply.get_data()))
    assert len(reader.pages) == 2 * len(slides)
    notes_of = presenter_notes(deck_client, language)
    for number, deck_slide in enumerate(slides):
        slide_page = _plain(reader.pages[2 * number].extract_text())
        notes_page = _plain(reader.pages[2 * number + 1].extract_text())
        assert _plain(deck_slide.title) in slide_page
        # the notes page names its slide, then holds every line of its notes, whole
        assert _plain(deck_slide.title) in notes_page
        notes = notes_of[deck_slide.key]
        assert notes, deck_slide.key
        for line in notes:
            assert _plain(line) in notes_page, (deck_slide.key, line, notes_page[:300])
    with demo_app.app_context():
        details = [
            entry.details
            for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "export.outcomes")
            )
        ]
    assert {"format": "pdf", "language": language, "notes": True} in details


def test_without_chromium_the_pdf_says_what_to_do(deck_client, demo_app):
    demo_app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    original = shutil.which
    try:
        shutil.which = lambda name, *a, **k: None  # noqa: ARG005
        reply = deck_client.get("/staff/outcomes/1/deck.pdf?lang=en")
    finally:
        shutil.which = original
    assert reply.status_code == 503
    assert "PowerPoint" in reply.get_data(as_text=True)


def test_the_presenter_view_lists_every_slide_with_its_notes(deck_client):
    html = deck_client.get("/staff/outcomes/1/deck/presenter?lang=fr").get_data(as_text=True)
    assert html.count('class="notes-slide"') == len(
        deck_pptx.read_slides(deck_html(deck_client, "fr"))
    )
    assert 'data-presenter="current"' in html and 'data-presenter="clock"' in html
    assert "Vue de présentation" in html and "Notes de l'orateur" in html.replace("&#39;", "'")
    assert "<script>" not in html and " style=" not in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_text_in_other_scripts_survives_in_the_pptx_and_the_pdf(demo_app, login):
    """A quote in Chinese and Arabic: native text in the PPTX, real glyphs in the PDF."""
    from consult.db import writing
    from consult.outcomes.models import OutcomeQuote
    from consult.questionnaires.models import Answer, Response

    quote = "人权城市 — 光州 · حقوق الإنسان في المدينة"
    with demo_app.app_context(), writing():
        # The freeze re-reads every quote from its answer: the answer must say the same.
        answer = db.session.scalars(
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.status == "submitted",
                Answer.question_key == "final_priority",
                Answer.part_key == "",
            )
            .limit(1)
        ).one()
        answer.value = quote
        response_id = answer.response_id
        db.session.add(
            OutcomeQuote(
                source="answer",
                response_id=response_id,
                question_key="final_priority",
                text=quote,
                language="zh",
                starred_by_email="analyst@cisdp.test",
                deck_position=1,
            )
        )
        db.commit()
    client = login(demo_app.test_client(), "analyst")
    assert freeze(client).status_code == 302
    reply = client.get("/staff/outcomes/1/deck.pptx")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:3000]
    pptx = Presentation(io.BytesIO(reply.get_data()))
    texts = [
        shape.text_frame.text
        for slide in pptx.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert any("人权城市" in text and "حقوق" in text for text in texts)
    pdf = PdfReader(io.BytesIO(client.get("/staff/outcomes/1/deck.pdf").get_data()))
    # NFKC: the CJK font's glyphs extract as compatibility ideographs (⼈ for 人)
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in pdf.pages))
    assert "人权城市" in text and "光州" in text  # drawn with real glyphs, not empty boxes


def test_a_closing_slide_too_long_for_its_slide_is_refused_as_typed(deck_client, demo_app):
    from consult.outcomes.deck_views import _closing_fits

    with demo_app.test_request_context("/"):
        # the default next steps fit in every language
        assert all(_closing_fits(language, "", "") for language in LANGUAGES)
    page = deck_client.get("/staff/outcomes/1/deck/closing")
    long_point = (
        "Étape : "
        + "rejoindre la campagne des villes des droits humains " * 2
        + "et ses partenaires"
    )
    typed = "\n".join([long_point.strip()] * 6)
    assert len(typed) <= 900
    refused = deck_client.post(
        "/staff/outcomes/1/deck/closing",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "text_fr": typed},
    )
    html = refused.get_data(as_text=True).replace("&#39;", "'")
    assert refused.status_code == 400
    assert "Too long for one slide" in html
    assert "rejoindre la campagne des villes" in html
