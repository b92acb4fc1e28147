"""Numbers are numbers in every language: a table download (CSV, XLSX) writes a figure as a
number a program reads (a dot decimal in CSV, a typed number in XLSX), never as the page's text
("3,24", "48 %"); only headers and labels are translated. The rule lives in the one spreadsheet
writer (consult.exports.writers, consult.outcomes.downloads.table_file); the walk opens every
table download linked from the pages that show figures, in Spanish and French."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from consult.exports.writers import formatted_number, number_cell
from consult.outcomes.downloads import table_file
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish


@pytest.mark.parametrize(
    ("text", "is_formatted"),
    [
        ("3,24", True),
        ("48 %", True),
        ("48\u00a0%", True),
        ("48%", True),
        ("12,5\u202f%", True),
        ("1 234", True),
        ("1\u202f234", True),
        ("1.234,5", True),
        ("3.24", False),
        ("2021", False),
        ("-5", False),
        ("Europe", False),
        ("10 000–50 000 inhabitants", False),
        ("fewer than 5", False),
    ],
)
def test_a_figure_formatted_for_a_page_is_told_from_a_number(text, is_formatted):
    assert formatted_number(text) is is_formatted


@pytest.mark.parametrize(
    ("value", "cell"),
    [(3, 3), (3.0, 3), (0.1 + 0.2, 0.3), (2 / 3, 0.666667), (True, 1), (float("nan"), None)],
)
def test_a_number_cell_is_a_plain_number(value, cell):
    assert number_cell(value) == cell and type(number_cell(value)) is type(cell)


@pytest.fixture(scope="module")
def bare():
    from consult.i18n_tools import ROOT

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "consult/outcomes/translations")
    Babel(app)
    return app


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_writer_writes_numbers_the_same_in_every_language(bare, language):
    with bare.test_request_context("/"), force_locale(language):
        body = table_file("csv", ["Option", "Count", "Share"], [["Europe", 12, 0.324]], "t")
        assert body.decode("utf-8-sig").splitlines()[1] == '"Europe",12,0.324'
        book = openpyxl.load_workbook(
            io.BytesIO(table_file("xlsx", ["a", "b"], [["x", 3.24]], "t"))
        )
        assert book.active["B2"].value == 3.24 and book.active["B2"].data_type == "n"
        with pytest.raises(ValueError, match="written as text"):
            table_file("csv", ["Option", "Mean"], [["Europe", "3,24"]], "t")


DOWNLOAD = re.compile(r'href="([^"]*(?:\.(?:csv|xlsx)|format=(?:csv|xlsx))[^"]*)"')


def _links(page: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in DOWNLOAD.findall(page)}


def _with_language(url: str, language: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def _csv_cells(body: bytes) -> list[list]:
    """Rows read the way a program reads numbers: unquoted fields are floats."""
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC))


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_table_download_writes_numbers_as_numbers(app, login, language):
    fill_demo(app, 60)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    public = app.test_client()
    pages = [(public, "/outcomes")] + [(public, f"/charter/art{n:02d}") for n in range(1, 13)]
    pages += [
        (admin, "/staff/outcomes/"),
        (admin, "/staff/outcomes/snapshots/1"),
        (
            admin,
            "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers",
        ),
    ]
    seen, problems, numbers = set(), [], 0
    for client, path in pages:
        page = client.get(_with_language(path, language)).get_data(as_text=True)
        for href in sorted(_links(page) - seen):
            seen.add(href)
            reply = client.get(_with_language(href, language))
            assert reply.status_code == 200, href
            if "xlsx" in href.rsplit("?", 1)[-1] or href.split("?")[0].endswith(".xlsx"):
                book = openpyxl.load_workbook(io.BytesIO(reply.data))
                cells = [c for sheet in book for row in sheet.iter_rows(min_row=2) for c in row]
                numbers += sum(c.data_type == "n" and c.value is not None for c in cells)
                problems += [(href, c.value) for c in cells if formatted_number(c.value)]
            else:
                rows = _csv_cells(reply.data)[1:]
                cells = [cell for row in rows for cell in row]
                numbers += sum(isinstance(cell, float) for cell in cells)
                problems += [(href, cell) for cell in cells if formatted_number(cell)]
    assert len(seen) > 40 and any("/charter/" in h for h in seen)
    assert any("crosstab" in h for h in seen)
    assert numbers
    assert problems == []
