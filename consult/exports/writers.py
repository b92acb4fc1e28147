"""Table writers for CSV, XLSX and JSON: rows in, a file out, in constant memory.

Every writer takes the same things: the column names (and which are numeric), an iterable of
rows, the codebook and a few facts about the export. They write to a temporary file beside the
target and rename it at the end, so a reader (or a download) never sees half a file.

Spreadsheet safety (CSV): every place where a spreadsheet program could begin a cell and read a
formula gets an apostrophe, which spreadsheets show as "this is text" and hide:

- the start of the text, when it begins with = + - @ (or their full-width and small forms
  ＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫, or the minus sign −), a tab or a carriage return, or with blanks or
  control characters followed by one of those signs (" =1+1", "\x00=1");
- the start of every piece after a ``;`` or a line break, under the same rule: Excel set to
  French or Spanish reads a CSV file split on ``;`` (its list separator there), ignoring our
  commas and the quotes around a field that does not begin the line, so "ok;=HYPERLINK(...)"
  would become a cell "=HYPERLINK(...)". The apostrophe goes right after the ``;``.

Every text field is also quoted (csv.QUOTE_NONNUMERIC), so that programs which honour quotes
(LibreOffice, Google Sheets, Excel's text import) keep a field holding ``;`` or ``,`` whole. A
plain number in a numeric column (-5) is data and stays as it is. The CSV gives up a little
exactness for this (the apostrophes are in the file); XLSX and JSON keep the exact text.

Spreadsheet safety (XLSX): text is written with write_string, which stores a string cell that
no spreadsheet evaluates, so no apostrophe is added (it would end up in the data).

Numbers are numbers, in every language: a figure is handed to the writers as an int or a float,
never as text formatted for a page ("3,24", "48 %", "1 234"). The CSV writes it unquoted with a
dot decimal (number_cell: at most six decimals, a whole float as an integer), XLSX as a typed
number; only headers and labels are translated. formatted_number tells a figure written for
reading from a number, so that the tables built from figures can refuse one (consult.outcomes
.downloads.table_file).

Types in XLSX: numbers in numeric columns are numbers, and the columns listed in
``Table.dates`` (ISO 8601 moments in UTC) are real Excel datetimes with a date format, so that
sorting, filtering and date arithmetic work without conversion.

CSV encoding: UTF-8 with a byte order mark. Excel (Windows and macOS) reads a CSV file without
one in the local legacy code page and mangles every non-Latin script; with it, Excel, LibreOffice,
pandas (read_csv strips it) and R (readr strips it) all read the text unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

import xlsxwriter

FORMATS = ("csv", "xlsx", "json")
#: What spreadsheet programs may take as the start of a formula (kept for compatibility: the
#: rule itself is _FORMULA_START below, which also looks past blanks and after ; and line breaks).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: The signs a formula may begin with: ASCII, full-width, small forms, the minus sign.
FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212"
#: Blanks and invisible characters a spreadsheet may skip before a sign: whitespace, C0 and C1
#: controls, zero-width and bidi marks, the byte order mark.
_BLANKS = r"\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
#: Where a spreadsheet may start a cell that runs a formula: the start of the text (a tab or a
#: carriage return there counts too), or after ; or a line break, then blanks, then a sign.
_FORMULA_START = re.compile(
    rf"(\A(?=[\t\r])|(?:\A|\r\n|[;\n\r])(?=[{_BLANKS}]*[{re.escape(FORMULA_SIGNS)}]))"
)
#: A cheap first look: a text with none of these characters needs no neutralising.
_MAYBE_RISKY = re.compile(rf"[;\n\r{re.escape(FORMULA_SIGNS)}]|\A[{_BLANKS}]")
#: A plain decimal number: safe to leave as is in a numeric column (-5 is not a formula).
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
#: Excel's row limit, header included; longer tables continue on a further sheet.
XLSX_MAX_ROWS = 1_048_576
#: How XLSX shows a moment (the column's label says it is UTC).
XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: Excel refuses longer cells; a longer text is an error, never silently cut.
XLSX_MAX_CELL = 32_767

Cell = str | int | float | None
Progress = Callable[[int], None]
#: Progress is reported every so many rows (a callback per row would cost more than a row).
PROGRESS_EVERY = 500


class ExportError(Exception):
    """An export cannot be written as asked."""


#: A number written for reading in some language: a decimal comma ("3,24"), a percent sign
#: ("48 %", "48%"), thousands grouped by (no-break) spaces ("1 234") or by dots before a decimal
#: comma ("1.234,5"). Never what a writer should get for a figure.
_FORMATTED_NUMBER = re.compile(
    r"[-\u2212]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?:[ \u00a0\u202f]?%)?"
    r"|[-\u2212]?\d{1,3}(?:\.\d{3})+,\d+(?:[ \u00a0\u202f]?%)?"
    r"|[-\u2212]?\d+,\d+(?:[ \u00a0\u202f]?%)?"
    r"|[-\u2212]?\d+(?:[.,]\d+)?[ \u00a0\u202f]?%"
)


def formatted_number(text: str) -> bool:
    """Whether ``text`` is a number formatted for a reader ("3,24", "48 %", "1 234") rather
    than a number a program can read."""
    return isinstance(text, str) and _FORMATTED_NUMBER.fullmatch(text.strip()) is not None


def number_cell(value: Any) -> Cell:
    """A figure as the writers take it: an int stays an int, a float is rounded to six decimals
    (an integer when whole), anything else is returned as it is."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None  # no figure: an empty cell, never "nan"
        rounded = round(value, 6)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def neutralise(text: str) -> str:
    """Return ``text`` safe for a CSV cell: an apostrophe wherever a formula could start."""
    if not text or _MAYBE_RISKY.search(text) is None:
        return text
    return _FORMULA_START.sub(r"\1'", text)


def neutralise_cell(value: str, is_number: bool = False) -> str:
    """Return a CSV cell's text neutralised, a plain number in a numeric column excepted."""
    if is_number and _PLAIN_NUMBER.match(value):
        return value
    return neutralise(value)


@dataclass
class Table:
    """What a writer writes: columns, rows, codebook, and facts about the export."""

    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    codebook_header: Sequence[str]
    codebook: Iterable[Sequence[str]]
    #: Indices of the columns written as numbers in XLSX (when the value is a plain number).
    numeric: frozenset[int] = frozenset()
    #: Indices of the columns holding moments (ISO 8601, UTC): real dates in XLSX.
    dates: frozenset[int] = frozenset()
    #: Facts for the JSON envelope (kind, form, exported_at, ...).
    facts: Mapping[str, Any] = field(default_factory=dict)
    #: Name of the data sheet in XLSX.
    sheet_name: str = "data"
    #: The rows' text is already neutralised for CSV (the responses export does it once per
    #: value); otherwise the CSV writer neutralises every cell itself. XLSX and JSON rows must
    #: hold the exact text.
    is_neutralised: bool = False


def codebook_path(path: Path) -> Path:
    """Return where the codebook of a CSV export goes: PATH with .codebook.csv."""
    if path.suffix.lower() == ".csv":
        return path.with_name(path.stem + ".codebook.csv")
    return path.with_name(path.name + ".codebook.csv")


@contextlib.contextmanager
def _atomic(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[tuple[Path, Any]]:
    """Write to a temporary file beside ``path``; rename it over ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    scratch_path = Path(scratch)
    try:
        if mode == "path":
            yield scratch_path, None
        else:
            with open(scratch_path, mode, **kwargs) as handle:
                yield scratch_path, handle
        os.replace(scratch_path, path)
    except BaseException:
        scratch_path.unlink(missing_ok=True)
        raise


def _safe_cells(row: Sequence[Cell], numeric: frozenset[int]) -> list[Cell]:
    cells: list[Cell] = []
    for i, value in enumerate(row):
        if value is None:
            cells.append("")
        elif isinstance(value, str) and value:
            cells.append(neutralise_cell(value, i in numeric))
        else:
            cells.append(value)
    return cells


def csv_writer(handle: TextIO) -> Any:
    """Return the one CSV writer every CSV of the app is written with (text fields quoted)."""
    return csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """Return a small table as CSV text, neutralised, with the byte order mark (for downloads).

    For tables built in memory by a view (the rows behind a figure, the invitation links);
    large exports go through write_table instead.
    """
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(_safe_cells(row, frozenset()) for row in rows)
    return "\ufeff" + buffer.getvalue()


def _counted(rows: Iterable[Sequence[Cell]], progress: Progress | None, counter: list[int]):
    """Yield the rows, counting them and reporting progress every PROGRESS_EVERY rows."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_EVERY:
            counter[0] += pending
            if progress is not None:
                progress(pending)
            pending = 0
    counter[0] += pending
    if progress is not None and pending:
        progress(pending)


def write_csv(table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write the table as CSV (and its codebook beside it); return the number of rows."""
    counter = [0]
    numeric = table.numeric
    with _atomic(path, "w", encoding="utf-8-sig", newline="") as (_scratch, handle):
        writer = csv_writer(handle)
        writer.writerow(table.columns)
        rows = (
            table.rows
            if table.is_neutralised
            else (_safe_cells(row, numeric) for row in table.rows)
        )
        # writerows iterates in C; progress is counted in batches, not per row, and without
        # progress the rows are counted in C too (zip stops at the last row).
        if progress is None:
            numbers = itertools.count()
            writer.writerows(map(itemgetter(0), zip(rows, numbers, strict=False)))
            counter[0] = next(numbers)
        else:
            writer.writerows(_counted(rows, progress, counter))
    count = counter[0]
    write_csv_rows(codebook_path(path), table.codebook_header, table.codebook)
    return count


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    """Write a small text table (a codebook) as a CSV file, every cell neutralised; return path."""
    with _atomic(Path(path), "w", encoding="utf-8-sig", newline="") as (_s, handle):
        writer = csv_writer(handle)
        writer.writerow(header)
        writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return Path(path)


def write_xlsx(table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write the table as XLSX: the data sheet(s), then a codebook sheet; return the row count."""
    count = 0
    with _atomic(path, "path") as (scratch, _):
        workbook = xlsxwriter.Workbook(
            str(scratch),
            {
                "constant_memory": True,
                "tmpdir": str(path.parent),
                # Text stays text: no formulas, numbers or links guessed from strings.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        try:
            bold = workbook.add_format({"bold": True})
            moment = workbook.add_format({"num_format": XLSX_DATE_FORMAT})
            dates = table.dates
            sheet_number = 1
            sheet = _new_sheet(workbook, table.sheet_name, table.columns, bold)
            _date_widths(sheet, dates)
            row_number = 1
            numeric = table.numeric
            write_string = sheet.write_string
            write_number = sheet.write_number
            for row in table.rows:
                if row_number >= XLSX_MAX_ROWS:
                    sheet_number += 1
                    sheet = _new_sheet(
                        workbook,
                        f"{sheet_name(table.sheet_name)[:24]} ({sheet_number})",
                        table.columns,
                        bold,
                    )
                    write_string, write_number = sheet.write_string, sheet.write_number
                    _date_widths(sheet, dates)
                    row_number = 1
                for col, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if isinstance(value, int | float):
                        write_number(row_number, col, value)
                    elif col in dates and (when := excel_moment(value)) is not None:
                        sheet.write_datetime(row_number, col, when, moment)
                    elif col in numeric and _PLAIN_NUMBER.match(value):
                        write_number(row_number, col, float(value) if "." in value else int(value))
                    else:
                        # A string cell is never evaluated: the text goes in exactly as it is.
                        if len(value) > XLSX_MAX_CELL:
                            raise ExportError(
                                f"a cell in column {table.columns[col]} holds {len(value)} "
                                f"characters, more than XLSX allows ({XLSX_MAX_CELL}): "
                                "export as CSV or JSON"
                            )
                        write_string(row_number, col, value)
                row_number += 1
                count += 1
                if progress is not None:
                    progress(1)
            codebook = _new_sheet(workbook, "codebook", table.codebook_header, bold)
            for number, entry in enumerate(table.codebook, start=1):
                for col, cell in enumerate(entry):
                    if cell:
                        codebook.write_string(number, col, cell)
        finally:
            workbook.close()
    return count


def excel_moment(value: str | datetime) -> datetime | None:
    """Return an ISO 8601 moment as the naive UTC datetime Excel stores (None if it is not one)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _date_widths(sheet: Any, dates: frozenset[int]) -> None:
    """Widen the date columns so that Excel shows the moment rather than ####."""
    for col in dates:
        sheet.set_column(col, col, 20)


#: What Excel refuses in a sheet's name (a figure's title often ends with a question mark).
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of [ ] : * ? / \\, not
    starting or ending with an apostrophe, never empty."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub(" ", name)
    cleaned = " ".join(cleaned.split())[:31].strip().strip("'").strip()
    return cleaned or "data"


def _new_sheet(workbook: Any, name: str, header: Sequence[str], bold: Any) -> Any:
    sheet = workbook.add_worksheet(sheet_name(name))
    for col, title in enumerate(header):
        sheet.write_string(0, col, title, bold)
    sheet.freeze_panes(1, 0)
    return sheet


def write_json(table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write the table as one JSON document: facts, codebook, columns, then rows as objects.

    Values are the original text (no apostrophe prefix); empty cells are null.
    """
    count = 0
    columns = list(table.columns)
    with _atomic(path, "w", encoding="utf-8", newline="") as (_scratch, handle):
        _write_json_head(handle, table, columns)
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        first = True
        for row in table.rows:
            record = {
                name: (None if value == "" else value)
                for name, value in zip(columns, row, strict=True)
            }
            handle.write(("\n" if first else ",\n") + dumps(record))
            first = False
            count += 1
            if progress is not None:
                progress(1)
        handle.write("\n]}\n")
    return count


def _write_json_head(handle: TextIO, table: Table, columns: list[str]) -> None:
    header = list(table.codebook_header)
    codebook = [dict(zip(header, entry, strict=True)) for entry in table.codebook]
    head = json.dumps(
        {**table.facts, "columns": columns, "codebook": codebook},
        ensure_ascii=False,
        indent=1,
    )
    # Open the rows array inside the same object, then stream the rows into it.
    handle.write(head[:-2] + ',\n "rows": [')


WRITERS: dict[str, Callable[[Table, Path, Progress | None], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
}


def write_table(fmt: str, table: Table, path: Path, progress: Progress | None = None) -> int:
    """Write ``table`` to ``path`` in ``fmt`` (csv, xlsx, json); return the number of rows."""
    if fmt not in WRITERS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return WRITERS[fmt](table, Path(path), progress)
