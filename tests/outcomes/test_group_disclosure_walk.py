"""A walk of every public output of a snapshot filtered to one region whose six respondents
gave the same answers: nothing printed may tell what they answered (group_disclosure).

Demo responses; six local governments are put in one region (MEWA, nobody else there), all
rating every article "very relevant" and all of the same type of institution. The snapshot of
that region is frozen and published. Then the public page (in three languages), each of its
figure downloads (CSV, XLSX, SVG), the Charter article pages and their downloads, and the deck
(HTML, PPTX, the presenter's notes) are read: no cell of those two questions may print a count
or a share, no heat map cell or Charter rating a figure, no output a mean of 4 or a share of 100 %.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import lxml.html
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import select, update

from consult.db import db, writing
from consult.outcomes import data, operations
from consult.outcomes.filters import SummaryFilter
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import publish

QUESTIONNAIRE = "local-governments"
REGION = "mewa"
GROUP = 6
ARTICLES = [f"art{n:02d}" for n in range(1, 13)]
#: A mean of 4 (the scale's top), a share of 100 %: the six's answer, in any notation.
SAYS_IT = re.compile(r"(?<![\d.,])4[.,]0+(?!\d)|(?<![\d.,])100(?:[.,]0+)?\s?%")
NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}


@pytest.fixture
def unanimous(app, login):
    """The published snapshot of one region, whose six respondents all answered alike."""
    fill_demo(app, 60, seed=7)
    admin_client = login(app.test_client(), "admin")
    email = f"admin-{id(admin_client)}@cisdp.test"
    with app.app_context(), writing():
        group = db.session.scalars(
            select(Response.id)
            .where(Response.status == "submitted", Response.questionnaire_key == QUESTIONNAIRE)
            .order_by(Response.id)
            .limit(GROUP)
        ).all()
        assert len(group) == GROUP
        db.session.execute(
            update(Response).where(Response.region == REGION).values(region="europe")
        )
        db.session.execute(update(Response).where(Response.id.in_(group)).values(region=REGION))
        rated = db.session.execute(
            update(Answer)
            .where(Answer.response_id.in_(group), Answer.question_key == "article_relevance")
            .values(value="very_relevant")
        )
        assert rated.rowcount == GROUP * len(ARTICLES)
        typed = db.session.execute(
            update(Answer)
            .where(Answer.response_id.in_(group), Answer.question_key == "institution_type")
            .values(value="municipality")
        )
        assert typed.rowcount == GROUP
        admin = db.session.scalar(select(User).where(User.email == email))
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(
            db.session,
            sources,
            label="MEWA",
            timezone="Europe/Paris",
            actor=admin,
            filters=SummaryFilter(region=REGION),
        )
        db.commit()
        snapshot_id = snapshot.id
    assert publish(admin_client, snapshot_id).status_code == 302
    return app, admin_client, snapshot_id


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _says_it(where: str, text: str, problems: list[str]) -> None:
    """A mean of 4 or a share of 100 % anywhere in ``text``."""
    for match in SAYS_IT.finditer(text):
        context = text[max(0, match.start() - 60) : match.end() + 20].replace("\n", " ")
        problems.append(f"{where}: {match.group(0)!r} in …{context}…")


def _figures_only_the_group(where: str, cells: list[str], problems: list[str]) -> None:
    """A line of a withheld table: its cells in words; the one figure it may print is the
    group's size (how many answered), never a count or a share of an answer."""
    figures = [c for c in cells if re.search(r"\d", c)]
    if figures not in ([], [str(GROUP)]):
        problems.append(f"{where}: {cells!r}")


def _check_page(doc, language: str, problems: list[str]) -> None:
    """The six's two questions (every line of their tables), and the heat map."""
    for question in ("article_relevance", "institution_type"):
        found = doc.xpath(f'//article[@id="q-{QUESTIONNAIRE}-{question}"]')
        if not found:
            problems.append(f"{language}: {question} not on the page")
            continue
        for row in found[0].xpath(".//table/tbody/tr"):
            cells = [_text(c) for c in row.xpath("./td")]
            _figures_only_the_group(f"{language} {question} {row.get('data-key')}", cells, problems)
            words = {c for c in cells if not re.search(r"\d", c)} - {"", "–"}
            if not words <= {NOT_SHOWN[language]}:
                problems.append(f"{language}: {question} says {words}")
        # The chart beside the table, and every sentence under it.
        said = " ".join(_text(e) for e in found[0].xpath(".//tbody|.//svg|./p|.//figcaption"))
        _says_it(f"/outcomes {language} {question}", said, problems)
    heat = doc.xpath('//table[.//tr[@id="article-art01"]]')
    if not heat:
        problems.append(f"{language}: no heat map")
        return
    for article in ARTICLES:
        for cell in heat[0].xpath(f'.//tr[@id="article-{article}"]/td'):
            # The questionnaires' columns: no figure; the contributions' count is public.
            text = _text(cell)
            if not text.startswith("–") and not re.match(r"^\d+\s?n = \d", text):
                problems.append(f"{language}: heat {article}: {text!r}")


def _check_downloads(client, doc, problems: list[str]) -> None:
    """Each download of the two questions and of the heat map that the public page offers."""
    hrefs = sorted({h for h in doc.xpath("//a/@href") if "/outcomes/figure." in h})
    names = ("question:article_relevance", "question:institution_type", "name=articles")
    hrefs = [h for h in hrefs if any(n in h for n in names) and ".png" not in h]
    assert len(hrefs) >= 9, hrefs
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        if ".svg" in href:
            svg = lxml.html.fromstring(response.data)
            _says_it(href, " ".join(t.text_content() for t in svg.iter("text")), problems)
            continue
        if ".xlsx" in href:
            sheet = load_workbook(io.BytesIO(response.data)).active
            lines = [
                ["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        else:
            lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        _says_it(href, "\n".join(" ".join(line) for line in lines), problems)
        if "question:" in href:
            for line in lines[1:]:
                if line and line[0]:
                    _figures_only_the_group(href, line[1:], problems)


def _check_charter(client, problems: list[str]) -> None:
    """The Charter pages' ratings of the six: every cell in words, and their downloads."""
    for article in ARTICLES[:3]:
        doc = lxml.html.fromstring(client.get(f"/charter/{article}").get_data(as_text=True))
        for row in doc.xpath("//table[.//td[@data-label]]/tbody/tr"):
            cells = [_text(c) for c in row.xpath("./td[@data-label]")]  # a withheld row: none
            if cells and cells[-1] != "0":  # a questionnaire none of the region answered
                _figures_only_the_group(f"/charter/{article}", cells, problems)
        for table in ("ratings", "figures"):
            response = client.get(f"/charter/{article}/{table}.csv")
            assert response.status_code == 200
            _says_it(f"{article} {table}.csv", response.get_data(as_text=True), problems)


def _check_deck(admin, snapshot: int, problems: list[str]) -> None:
    """The deck's slides, presenter view and PPTX (slides, tables, notes)."""
    for language in ("en", "fr", "es"):
        for page in ("deck", "deck/presenter"):
            response = admin.get(f"/staff/outcomes/{snapshot}/{page}?lang={language}")
            assert response.status_code == 200
            doc = lxml.html.fromstring(response.get_data(as_text=True))
            _says_it(f"{page} {language}", _text(doc), problems)
    deck = admin.get(f"/staff/outcomes/{snapshot}/deck.pptx?lang=en")
    for number, slide in enumerate(Presentation(io.BytesIO(deck.data)).slides, start=1):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        for shape in slide.shapes:
            if shape.has_table:
                texts += [c.text for r in shape.table.rows for c in r.cells]
        texts.append(slide.notes_slide.notes_text_frame.text)
        _says_it(f"deck.pptx slide {number}", "\n".join(texts), problems)


def test_no_public_output_tells_a_unanimous_region_s_answers(unanimous):
    app, admin, snapshot = unanimous
    client = app.test_client()
    problems: list[str] = []
    for language in ("en", "fr", "es"):
        page = client.get(f"/outcomes?lang={language}")
        assert page.status_code == 200
        doc = lxml.html.fromstring(page.get_data(as_text=True))
        _check_page(doc, language, problems)
        if language == "en":
            _check_downloads(client, doc, problems)
    _check_charter(client, problems)
    _check_deck(admin, snapshot, problems)
    assert problems == [], "\n".join(problems)
