"""The same mean is printed the same everywhere: the matrix table, the matrix chart and the heat
map of /outcomes, the Charter pages, the deck's heat map and headlines (their ties too), and
the PPTX and PDF made from the deck all print a mean through formatting.mean_text, with one
precision (MEAN_DIGITS). With one decimal on the deck, the demo's article III printed 2.99 on
the page and 3.0 on the deck, level with article IX."""

from __future__ import annotations

import html as markup
import io
import re
import shutil
from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
from flask_babel import force_locale
from pptx import Presentation
from pypdf import PdfReader

from consult import outcomes
from consult.db import db
from consult.outcomes import formatting, heat
from consult.outcomes.headlines import matrix_headlines
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.operations import snapshot_summary
from tests.outcomes import frames
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish

ROOT = Path(outcomes.__file__).parents[2]
ARTICLES = [f"art{n:02d}" for n in range(1, 13)]
#: A printed mean: digits, the language's decimal mark, digits.
FIGURE = r"\d+[.,]\d+"


@pytest.fixture(scope="module")
def bare():
    return frames.catalog_app()


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", 2.994, "2.99"),
        ("en", 2.996, "3.00"),
        ("en", 3, "3.00"),
        ("fr", 2.994, "2,99"),
        ("es", 3.5, "3,50"),
        ("en", None, "–"),
    ],
)
def test_mean_text(bare, language, value, expected):
    with bare.test_request_context("/"), force_locale(language):
        assert formatting.mean_text(value) == expected


def _matrix():
    """Article III at 2.99 and IX at 3.00: one decimal printed both 3.0."""
    means = {"r3": 2.994, "r9": 3.004, "r1": 2.0}
    return {
        "key": "relevance",
        "type": "matrix",
        "ordinal": True,
        "label": {"en": "Relevance"},
        "answered": 30,
        "score_range": [1, 4],
        "scale": [{"key": "vh", "label": {"en": "Very relevant"}, "score": 4}],
        "rows": [
            {
                "key": key,
                "label": {"en": key.upper()},
                "mean": mean,
                "scored": 30,
                "unscored": 0,
                "answered": 30,
                "distribution": [{"key": "vh", "share": 1.0, "count": 30}],
            }
            for key, mean in means.items()
        ],
    }


#: Every function that prints a matrix mean, each reading the printed text of article III.
PRINTERS = {
    "matrix chart": lambda q: re.search(r"R3: Very relevant 100%; (\S+) \|", _chart(q))[1],
    "page heat map": lambda q: _cell(heat.article_heat_map(_articles(q))),
    "deck heat map": lambda q: _cell(heat.deck_heat_map(_articles(q), threshold=5)),
    "Charter page": lambda q: heat.article_figures({"articles": {"columns": [_column(q)]}}, "r3")[
        0
    ]["figure"],
    "headline figure": lambda q: matrix_headlines(_trimmed(q))[-1].figure.split("/")[0],
    "headline sentence": lambda q: re.search(rf"mean score: ({FIGURE})", _lowest(q))[1],
}


def _chart(question):
    from consult.outcomes import figure_charts

    return markup.unescape(str(figure_charts.matrix_chart(question)))


def _column(question):
    rows = {r["key"]: r for r in question["rows"]}
    return {
        "kind": "mean",
        "question": "relevance",
        "questionnaire": "local-governments",
        "label": question["label"],
        "scale": question["scale"],
        "range": [1, 4],
        "values": {k: r["mean"] for k, r in rows.items()},
        "bases": {k: r["scored"] for k, r in rows.items()},
    }


def _trimmed(question):
    """Article III is the lowest once article I is left out."""
    return {**question, "rows": question["rows"][:2]}


def _articles(question):
    """A summary whose heat map has the question's rows as its articles."""
    keys = [r["key"] for r in question["rows"]]
    return {
        "articles": {"articles": keys, "columns": [_column(question)]},
        "article_titles": {r["key"]: r["label"] for r in question["rows"]},
    }


def _cell(svg) -> str:
    """The figure of article III in a heat map, read from its cell's title."""
    return dict(_heat_titles(str(svg)))["R3"]


def _lowest(question):
    return matrix_headlines(_trimmed(question))[-1].sentence


@pytest.mark.parametrize("printer", sorted(PRINTERS))
def test_every_printer_prints_the_mean_as_mean_text(bare, printer):
    with bare.test_request_context("/"), force_locale("en"):
        assert PRINTERS[printer](_matrix()) == "2.99"


def test_means_that_print_apart_are_not_said_level(bare):
    with bare.test_request_context("/"), force_locale("en"):
        trimmed = {**_matrix(), "rows": _matrix()["rows"][:2]}
        sentences = [h.sentence for h in matrix_headlines(trimmed)]
    assert len(sentences) == 2 and not any("Tied" in s for s in sentences), sentences


#: Means printed at another precision on purpose: the number question's mean and the average
#: number of options chosen are rounded to one decimal by derived_cells.py (the suppression of
#: derived figures), whose disclosure checks rest on that rounding (±0.05); they are printed on
#: the summary pages only.
ONE_DECIMAL = ('question["mean_choices"], 1', "question.mean, 1")


def test_no_mean_is_formatted_outside_mean_text():
    calls = re.compile(r"(?:number|quantity|format_decimal|round)\(([^()]*mean[^()]*)\)")
    found = []
    for path in [*ROOT.glob("consult/**/*.py"), *ROOT.glob("templates/**/*.html")]:
        if path.name in ("suppression.py", "derived_cells.py"):
            continue
        for call in calls.findall(path.read_text(encoding="utf-8")):
            if not call.rstrip().endswith(ONE_DECIMAL) and re.search(r",\s*\d+\s*$", call):
                found.append(f"{path.relative_to(ROOT)}: {call}")
    assert found == []


def _expected(summary) -> dict[str, set[str]]:
    """Each ordinal matrix row's label -> its means as mean_text prints them (a label can be
    a row of several questions)."""
    expected = defaultdict(set)
    for questionnaire in summary["questionnaires"]:
        for question in questionnaire["questions"]:
            if question["type"] == "matrix" and question.get("ordinal"):
                for row in question["rows"]:
                    if row.get("mean") is not None:
                        expected[formatting.t(row["label"])].add(formatting.mean_text(row["mean"]))
    return expected


def _heat_titles(page: str) -> list[tuple[str, str]]:
    """(row, figure) of every mean cell of the heat maps in a page."""
    titles = re.findall(r"<title>([^<]*)</title>", page)
    found = []
    for title in map(markup.unescape, titles):
        cell = re.fullmatch(rf"(.+?) · [^·]*mean score[^·]*: ({FIGURE}|–) \(.*\)", title, re.S)
        if cell and cell[2] != "–":
            found.append((cell[1], cell[2]))
    return found


def _page_means(page: str) -> list[tuple[str, str]]:
    """(row, figure) of every mean the outcomes page prints: tables, charts, heat map."""
    doc = lxml.html.fromstring(page)
    found = _heat_titles(page)
    for table in doc.xpath('//table[contains(@class, "matrix-table")]'):
        if not table.xpath(".//thead//th[normalize-space()='Mean score']"):
            continue
        for row in table.xpath("./tbody/tr"):
            figure = row.xpath("./td")[-1].text_content().strip()
            if figure != "–":
                found.append((row.xpath("./th")[0].text_content().strip(), figure))
    for description in re.findall(r"<desc[^>]*>([^<]*then the mean score:[^<]*)</desc>", page):
        for entry in markup.unescape(description).split("then the mean score: ", 1)[1].split(" | "):
            label = entry.split(": ", 1)[0]
            figure = entry.rstrip(".").rsplit("; ", 1)[-1]
            if figure != "mean not shown" and re.fullmatch(FIGURE, figure):
                found.append((label, figure))
    return found


def _pdf_heat_means(text: str, titles: dict[str, str]) -> list[tuple[str, str]]:
    """(row, figure) of the means in the PDF's heat map: a row per line, its label cut short
    ("II. Right to participatory… 3.42 – 3.37 39% 0"), the means its decimal figures."""
    by_numeral = {title.split(".")[0]: title for title in titles.values()}
    found = []
    for line in text.splitlines():
        row = re.match(r"([IVX]+)\. .*?…?((?: (?:\d+[.,]\d+|–|\d+%|\d+))+)$", line)
        if row and row[1] in by_numeral:
            found += [(by_numeral[row[1]], f) for f in re.findall(FIGURE, row[2])]
    return found


def _sentence_means(text: str) -> list[tuple[str, str]]:
    return re.findall(rf"“([^”]+)” has the (?:highest|lowest) mean score: ({FIGURE}) ", text)


def test_every_output_prints_each_mean_the_same(app, login):
    fill_demo(app, 200)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    with app.test_request_context("/"), force_locale("en"):
        frozen = snapshot_summary(db.session.get(OutcomeSnapshot, 1))
        expected = _expected(frozen)
        titles = {a: formatting.t(frozen["article_titles"].get(a)) for a in ARTICLES}
    outputs: dict[str, list[tuple[str, str]]] = {}
    public = app.test_client()
    outputs["/outcomes"] = _page_means(public.get("/outcomes?lang=en").get_data(as_text=True))
    charter = []
    for article in ARTICLES:
        doc = lxml.html.fromstring(public.get(f"/charter/{article}?lang=en").get_data(as_text=True))
        for item in doc.xpath('//ul[@class="article-figures"]/li'):
            if "mean score" in item.xpath('./span[@class="figure-label"]')[0].text_content():
                figure = item.xpath('./span[@class="figure-value"]')[0].text_content().strip()
                if figure != "not shown":
                    charter.append((titles[article], figure))
    outputs["Charter pages"] = charter
    deck = admin.get("/staff/outcomes/1/deck?lang=en").get_data(as_text=True)
    outputs["deck"] = _heat_titles(deck) + _sentence_means(markup.unescape(deck))
    presentation = Presentation(io.BytesIO(admin.get("/staff/outcomes/1/deck.pptx?lang=en").data))
    texts = [
        shape.text_frame.text
        for slide in presentation.slides
        for shape in [*slide.shapes, *slide.notes_slide.shapes]
        if shape.has_text_frame
    ]
    outputs["PPTX"] = _sentence_means(" ".join(texts))
    if shutil.which("chromium"):
        reader = PdfReader(io.BytesIO(admin.get("/staff/outcomes/1/deck.pdf?lang=en").data))
        text = "\n".join(page.extract_text() for page in reader.pages)
        outputs["PDF"] = _pdf_heat_means(text, titles) + _sentence_means(re.sub(r"\s+", " ", text))
    problems = [
        f"{where}: {label} {figure}, printed elsewhere {sorted(expected.get(label, ()))}"
        for where, means in outputs.items()
        for label, figure in means
        if figure not in expected.get(label, ())
    ]
    assert problems == []
    # the walk reads means in every output (the PPTX shows the heat map as a picture of the
    # deck's SVG: its text holds a mean only in a headline, which this dataset has none of)
    assert all(v for k, v in outputs.items() if k != "PPTX"), {
        k: len(v) for k, v in outputs.items()
    }
