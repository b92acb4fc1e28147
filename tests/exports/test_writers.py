"""The generic writers: any table (e.g. the contributions export) gets the same safety."""

from __future__ import annotations

import csv
import json

import openpyxl
import pandas as pd
import pytest

from consult.exports.writers import neutralise, write_table
from consult.staff.exporting import contributions_table


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+33", "'+33"),
        ("-x", "'-x"),
        ("@here", "'@here"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_a_contributions_frame_is_written_safely_in_every_format(tmp_path):
    frame = pd.DataFrame(
        {
            "contribution_id": [1, 2],
            "article": ["I", "X"],
            "text": ["=cmd|' /C calc'!A0", "Vivienda digna 🏠\nsegunda línea"],
            "published_at": pd.to_datetime(["2022-02-01T10:00:00Z", None], utc=True),
        }
    )
    csv_rows = None
    for fmt in ("csv", "xlsx", "json"):
        path = tmp_path / f"contributions.{fmt}"
        assert write_table(fmt, contributions_table(frame), path) == 2
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                csv_rows = list(csv.reader(handle))
            assert (tmp_path / "contributions.codebook.csv").exists()
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(path)
            sheet = book["contributions"]
            assert sheet["C2"].value == "'=cmd|' /C calc'!A0" and sheet["C2"].data_type == "s"
            assert "codebook" in book.sheetnames
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
            assert rows[0]["text"] == "=cmd|' /C calc'!A0"
            assert rows[1]["text"] == "Vivienda digna 🏠\nsegunda línea"
            assert rows[1]["published_at"] is None
    assert csv_rows[0] == ["contribution_id", "article", "text", "published_at"]
    assert csv_rows[1][2] == "'=cmd|' /C calc'!A0"
    assert csv_rows[2][2] == "Vivienda digna 🏠\nsegunda línea"


def test_a_failed_write_leaves_no_file(tmp_path):
    def rows():
        yield ["a"]
        raise RuntimeError("database went away")

    from consult.exports.writers import Table

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
