"""A snapshot frozen from a filtered view says which part of the consultation it covers wherever
its figures are shown: the public page, the deck (title and methodology slides, in HTML, PPTX,
PDF and speaker notes) and each Charter article page with its downloads, in en/fr/es; an
unfiltered snapshot says nothing of the kind. One sentence (filter_words.coverage_note)."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import lxml.html
import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from consult.db import db, writing
from consult.outcomes import data, deck_pptx, operations
from consult.outcomes.filter_words import coverage_note
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import OutcomeSnapshot
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.outcomes.conftest import fill_demo

NOTE = {
    "en": "These outcomes cover part of the consultation only: Europe.",
    "fr": "Ces résultats ne portent que sur une partie de la consultation\u00a0: Europe.",
    "es": "Estos resultados abarcan solo una parte de la consulta: Europa.",
}
#: The slides that must say it.
SLIDES = ("title", "methodology")


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@pytest.fixture
def snapshots(app, login):
    """An admin's client, and two snapshots: 1 of everything, 2 of Europe only."""
    fill_demo(app, 120, seed=7)
    client = login(app.test_client(), "admin")
    email = f"admin-{id(client)}@cisdp.test"
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == email))
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        for label, filters in (
            ("All", SummaryFilter()),
            ("Europe", SummaryFilter(region="europe")),
        ):
            operations.freeze(
                db.session,
                sources,
                label=label,
                timezone="Europe/Paris",
                actor=admin,
                filters=filters,
            )
        db.commit()
    return app, client, admin


def test_the_deck_of_a_filtered_snapshot_says_so_in_every_output(snapshots):
    """Each language, each snapshot: the slides' HTML, PPTX text and notes, the presenter
    view's notes and (in English) the PDF; one set-up for all."""
    _app, client, _admin = snapshots
    for language, snapshot in ((lang, n) for lang in NOTE for n in (1, 2)):
        _deck_says_so(client, language, snapshot, filtered=snapshot == 2)


def _deck_says_so(client, language: str, snapshot: int, filtered: bool) -> None:
    note = NOTE[language]
    base = f"/staff/outcomes/{snapshot}/deck"
    html = client.get(f"{base}?lang={language}").get_data(as_text=True)
    slides = {s.key: s for s in deck_pptx.read_slides(html)}
    pptx = Presentation(io.BytesIO(client.get(f"{base}.pptx?lang={language}").data))
    notes = presenter_notes_of(client, snapshot, language)
    for number, slide in enumerate(pptx.slides):
        key = list(slides)[number]
        texts = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        spoken = slide.notes_slide.notes_text_frame.text
        expected = filtered and key in SLIDES
        assert (note in " ".join(p.text for p in slides[key].body)) is expected, key
        assert (note in texts) is expected, key
        assert (note in spoken) is expected, key
        assert (note in notes[key]) is expected, key
    if language == "en" and shutil.which("chromium"):
        reader = PdfReader(io.BytesIO(client.get(f"{base}.pdf?lang=en").data))
        pages = [_plain(page.extract_text()) for page in reader.pages]
        for number, key in enumerate(slides):
            assert (note in pages[number]) is (filtered and key in SLIDES), key


def presenter_notes_of(client, snapshot: int, language: str) -> dict[str, str]:
    """The speaker notes of each slide, by slide key, as the presenter view shows them."""
    page = client.get(f"/staff/outcomes/{snapshot}/deck/presenter?lang={language}")
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    return {
        item.get("data-slide"): " ".join(li.text_content() for li in item.findall("ul/li"))
        for item in tree.find_class("notes-slide")
    }


def test_charter_pages_and_the_public_page_of_a_filtered_snapshot_say_so(snapshots):
    app, client, admin = snapshots
    public = app.test_client()
    for snapshot, filtered in ((1, False), (2, True)):
        with app.app_context(), writing():
            # A filtered view in place of the whole consultation: a confirmed narrowing.
            frozen = db.session.get(OutcomeSnapshot, snapshot)
            operations.publish(db.session, frozen, admin, confirmed_narrower=filtered)
            db.commit()
        for language, note in NOTE.items():
            article = public.get(f"/charter/art01?lang={language}").get_data(as_text=True)
            assert article.count(note) == (2 if filtered else 0), (snapshot, language)
            page = public.get(f"/outcomes?lang={language}").get_data(as_text=True)
            assert (note in page) is filtered
        for table in ("ratings", "figures"):
            text = public.get(f"/charter/art01/{table}.csv?lang=en").get_data(as_text=True)
            assert (NOTE["en"] in text) is filtered, table


@pytest.mark.parametrize(
    ("language", "separator"),
    [
        ("en", "Europe; submitted from"),
        ("fr", "Europe\u00a0; envoyées à partir du"),
        ("es", "Europa; "),
    ],
)
def test_the_coverage_note_joins_its_conditions_the_languages_way(app, language, separator):
    """Two conditions or more are listed with the page's semicolon (French: a space before)."""
    filters = SummaryFilter(region="europe", submitted_from=date(2022, 1, 10))
    with app.test_request_context(f"/?lang={language}"):
        assert separator in coverage_note(filters)


@pytest.mark.parametrize(
    ("answers", "questionnaire", "left_out"),
    [
        ([], "local-governments", set()),
        (
            ["local-governments:charter_2011_adopted:yes"],
            "local-governments",
            {"charter_2011_adopted"},
        ),
        (["local-governments:charter_2011_adopted:yes"], "partners", set()),
        (["barriers:funding"], "partners", {"barriers"}),  # an older snapshot's: any
        (
            ["partners:barriers:funding", "partners:knows_charter:no"],
            "partners",
            {"barriers", "knows_charter"},
        ),
    ],
)
def test_a_filtered_question_is_no_key_finding(answers, questionnaire, left_out):
    """ "100% answered Yes" of a view kept to those who answered Yes restates the filter: the
    questions a filter selects on are left out of the key findings (headlines chokepoint)."""
    from consult.outcomes.headlines import filtered_questions

    summary = {"filters": {"answers": answers}}
    assert filtered_questions(summary, questionnaire) == left_out
