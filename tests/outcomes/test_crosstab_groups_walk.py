"""A walk of every output of the public cross-tabulation (the staff page's "as it could be
published" view, its CSV and its XLSX, in three languages) with one region of six respondents
who all gave the same answers: none prints a figure of that region's line but its size, and no
hidden figure can be worked out from the totals beside it. (The public page and the deck draw
no cross-tabulation; the participation by region, public by design, names the six's number and
nothing of their answers: test_group_disclosure_walk.)"""

from __future__ import annotations

import csv
import io

import lxml.html
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from consult.db import db, writing
from consult.questionnaires.models import Answer, Response
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_crosstab_groups import _reader

QUESTIONNAIRE = "local-governments"
REGION = "mewa"
LABEL = "Middle East and West Asia"
GROUP = 6
NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}
NOTE = {
    "en": "In a row or column of fewer than 10 respondents, no cell is shown, not even a zero",
    "fr": "Dans une ligne ou une colonne de moins de 10 répondants, aucune case n’est affichée",
    "es": "En una fila o columna de menos de 10 personas que respondieron no se muestra ninguna",
}
#: (rows, columns): the region against a question and a matrix row, and the other way round.
TABLES = [
    ("region", f"{QUESTIONNAIRE}:institution_type"),
    (f"{QUESTIONNAIRE}:article_relevance.art01", "region"),
]


@pytest.fixture
def unanimous(app, login):
    """Demo responses, six of them put alone in one region and made to answer alike."""
    fill_demo(app, 60, seed=7)
    client = login(app.test_client(), "analyst")
    with app.app_context(), writing():
        group = db.session.scalars(
            select(Response.id)
            .where(Response.status == "submitted", Response.questionnaire_key == QUESTIONNAIRE)
            .order_by(Response.id)
            .limit(GROUP)
        ).all()
        db.session.execute(
            update(Response).where(Response.region == REGION).values(region="europe")
        )
        db.session.execute(update(Response).where(Response.id.in_(group)).values(region=REGION))
        for question, value in (
            ("article_relevance", "very_relevant"),
            ("institution_type", "municipality"),
        ):
            db.session.execute(
                update(Answer)
                .where(Answer.response_id.in_(group), Answer.question_key == question)
                .values(value=value)
            )
        db.commit()
    return app, client


def _number(text: str) -> int | None:
    digits = "".join(c for c in text if c.isdigit())
    return int(digits) if digits else None


def _page_table(html: str) -> dict:
    """The counts table of a crosstab page: row labels, cells, totals (None: "not shown")."""
    table = lxml.html.fromstring(html).xpath('//table[contains(@class, "crosstab")]')[0]
    labels, counts, row_totals = [], [], []
    for line in table.xpath("./tbody/tr"):
        labels.append(line.xpath("./th")[0].text_content().strip())
        cells = [_number(td.text_content()) for td in line.xpath("./td")]
        counts.append(cells[:-1])
        row_totals.append(cells[-1])
    foot = [_number(td.text_content()) for td in table.xpath("./tfoot/tr/td")]
    heads = [th.text_content().strip() for th in table.xpath("./thead/tr/th")][1:-1]
    words = [td.text_content().strip() for td in table.xpath("./tbody/tr/td")]
    return {
        "labels": labels,
        "column_labels": heads,
        "counts": counts,
        "row_totals": row_totals,
        "column_totals": foot[:-1],
        "total": foot[-1],
        "words": words,
    }


def _file_table(lines: list[list]) -> dict:
    """The counts of a downloaded crosstab (between "Counts" and its "Total" line)."""
    start = next(i for i, line in enumerate(lines) if line[0] == "Counts") + 1
    end = next(i for i, line in enumerate(lines) if i > start and line[0] == "Total")

    def value(cell):
        return None if cell in (None, "") else int(cell)

    body = [[value(c) for c in line[1:]] for line in lines[start:end]]
    foot = [value(c) for c in lines[end][1:]]
    width = len(body[0]) - 1
    return {
        "labels": [line[0] for line in lines[start:end]],
        "counts": [line[:-1] for line in body],
        "row_totals": [line[-1] for line in body],
        "column_totals": foot[:width],
        "total": foot[width],
    }


def _region_line(table: dict, truth: dict, rows: str) -> list:
    """The cells of the six's line (their row, or their column: the columns keep the rows'
    order of the staff's view, whose English labels ``truth`` holds)."""
    if rows == "region":
        return table["counts"][truth["labels"].index(LABEL)]
    index = truth["column_labels"].index(LABEL)
    return [line[index] for line in table["counts"]]


def _check(where: str, shown: dict, truth: dict, rows: str, problems: list) -> None:
    line = _region_line(shown, truth, rows)
    if line != [None] * len(line):
        problems.append(f"{where}: the six's line reads {line}")
    for k, n in enumerate(shown["row_totals"]):
        if n and n < 10 and shown["counts"][k] != [None] * len(shown["counts"][k]):
            problems.append(f"{where}: row {shown['labels'][k]} of {n}: {shown['counts'][k]}")
    solved = _reader(shown, truth)
    if solved:
        problems.append(f"{where}: a reader works out {sorted(map(str, solved))}")


def test_no_public_crosstab_output_says_what_a_small_region_answered(unanimous):
    app, client = unanimous
    problems: list[str] = []
    for rows, columns in TABLES:
        url = f"/staff/outcomes/crosstab?rows={rows}&columns={columns}"
        truth = _page_table(client.get(url + "&lang=en").get_data(as_text=True))
        # The staff's own view still shows the six's answer: it is what they gave.
        assert sorted(_region_line(truth, truth, rows), reverse=True)[:2] == [GROUP, 0]
        for language in ("en", "fr", "es"):
            html = client.get(f"{url}&public=1&lang={language}").get_data(as_text=True)
            shown = _page_table(html)
            _check(f"{rows} x {columns} page {language}", shown, truth, rows, problems)
            if NOTE[language] not in html:
                problems.append(f"{rows} x {columns} page {language}: no note why")
            if not {w for w in shown["words"] if not any(c.isdigit() for c in w)} <= {
                NOT_SHOWN[language]
            }:
                problems.append(f"{rows} x {columns} {language}: {set(shown['words'])}")
        reply = client.get(f"{url}&public=1&format=csv&lang=en")
        lines = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
        _check(f"{rows} x {columns} csv", _file_table(lines), truth, rows, problems)
        if not any(NOTE["en"] in (line[0] if line else "") for line in lines):
            problems.append(f"{rows} x {columns} csv: no note why")
        reply = client.get(f"{url}&public=1&format=xlsx&lang=en")
        sheet = load_workbook(io.BytesIO(reply.get_data())).active
        lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        _check(f"{rows} x {columns} xlsx", _file_table(lines), truth, rows, problems)
    assert not problems, "\n".join(problems)
