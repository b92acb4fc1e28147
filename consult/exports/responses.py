"""The responses export: submitted responses, wide or long, with a codebook, in constant memory.

Reads the database a chunk of responses at a time and hands rows to a writer as they are made,
so memory stays flat however many responses there are. Each response is laid out with the
definition of the version it answered.

The wide form reads each response's answers document (responses.answers_document, which a
submitted response's Answer rows equal, kept in step by consult.questionnaires.operations; see
consult/questionnaires/documents.py): one text per response instead of one database row per
answered value, which is what made reading cost more than writing (benchmarks/
export_speed.py), and, in its row form, turned into the row's question cells by one C-level
lookup. A response without a usable document (answers written by other means) is read from its
Answer rows. The long form reads the Answer rows, one per value, as it writes them: plain
DBAPI tuples placed straight into rows. The rows are made in consult.exports.response_rows;
this module chooses the layout, writes the rows and the codebook, and reports progress.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from consult.analysis.data import ResponseFilter
from consult.exports import statistical
from consult.exports.codebook import CODEBOOK_HEADER, CodebookEntry, Label
from consult.exports.columns import LONG_COLUMNS
from consult.exports.layout import Layout, build_layout
from consult.exports.response_rows import ResponseRows, ResponsesExport, iso_utc
from consult.exports.writers import (
    Cell,
    ExportError,
    Progress,
    Table,
    codebook_path,
    write_table,
)
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import QuestionnaireVersion, Response
from consult.questionnaires.parsing import parse_definition

#: Columns holding moments (ISO 8601, UTC), written as dates where a format has them.
DATE_COLUMNS = frozenset({"submitted_at"})
#: Responses read per round trip: large enough to be fast, small enough to keep memory flat.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    rows: int
    responses: int
    codebook_path: Path | None = None


def count_responses(connection: Connection, questionnaire: str | None = None) -> int:
    """Return how many submitted responses an export would hold."""
    query = ResponseFilter(questionnaire=questionnaire).apply(select(func.count(Response.id)))
    return connection.execute(query).scalar_one()


def stored_definitions(
    connection: Connection, questionnaire: str | None = None
) -> dict[int, Questionnaire]:
    """Return the definitions an export needs, by version row id, newest version first.

    Those of every version with submitted responses, and the newest version of each
    questionnaire (so that an export with no responses yet still has every column).
    """
    with_responses = set(
        connection.execute(
            ResponseFilter(questionnaire=questionnaire)
            .apply(select(Response.version_id))
            .distinct()
        ).scalars()
    )
    query = select(
        QuestionnaireVersion.id, QuestionnaireVersion.key, QuestionnaireVersion.version
    ).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())
    if questionnaire:
        query = query.where(QuestionnaireVersion.key == questionnaire)
    wanted: list[int] = []
    newest_seen: set[str] = set()
    for version_id, key, _version in connection.execute(query):
        if key not in newest_seen or version_id in with_responses:
            wanted.append(version_id)
        newest_seen.add(key)
    definitions = {}
    for version_id in wanted:
        raw = connection.execute(
            select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version_id)
        ).scalar_one()
        if isinstance(raw, str):
            raw = json.loads(raw)
        definitions[version_id] = parse_definition(raw, f"stored version {version_id}")
    return definitions


def export_responses(
    connection: Connection,
    request: ResponsesExport,
    path: Path,
    *,
    region_labels: Mapping[str, Label],
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    exported_at: datetime | None = None,
) -> ExportSummary:
    """Write the submitted responses to ``path`` as asked; drafts are never exported.

    ``progress`` is called with the number of responses written since its last call.
    """
    definitions = stored_definitions(connection, request.questionnaire)
    layout = build_layout(
        definitions.values(), region_labels, with_personal_data=request.with_personal_data
    )
    rows = ResponseRows(connection, layout, definitions, request, chunk_size)
    if request.fmt in statistical.FORMATS:
        return _export_statistical(request, layout, rows, Path(path), progress)
    columns = [column.name for column in layout.columns]
    numeric = {i for i, column in enumerate(layout.columns) if column.is_numeric}
    codebook = layout.codebook()
    if request.long:
        fixed = layout.columns[: layout.first_question]
        columns = [c.name for c in fixed] + [c.name for c in LONG_COLUMNS]
        numeric = {i for i, column in enumerate(fixed) if column.is_numeric}
        codebook = [CodebookEntry(c.name, c.type, "", c.label) for c in LONG_COLUMNS] + codebook
    counted = _ResponseCounter(progress, rows) if request.long else None
    # CSV gets its formula triggers neutralised as rows are made. JSON keeps the text, and so
    # does XLSX: its string cells are strings, which a spreadsheet never runs as formulas.
    neutral = request.fmt == "csv"
    dates = frozenset(i for i, name in enumerate(columns) if name in DATE_COLUMNS)
    table = Table(
        columns=columns,
        rows=rows.long(neutral) if request.long else rows.wide(neutral),
        codebook_header=CODEBOOK_HEADER,
        codebook=(entry.as_row() for entry in codebook),
        numeric=frozenset(numeric),
        dates=dates,
        is_neutralised=neutral or request.fmt == "xlsx",
        facts={
            "kind": "responses",
            "form": "long" if request.long else "wide",
            "questionnaire": request.questionnaire,
            "with_personal_data": request.with_personal_data,
            "exported_at": iso_utc(exported_at or datetime.now(UTC)),
            "note": (
                "Values are the stable keys of the questionnaire definitions; the codebook "
                "gives their labels in English, French and Spanish. Drafts are never included."
            ),
        },
        sheet_name="responses",
    )
    with collector_paused():
        written = write_table(
            request.fmt, table, path, counted.tick if counted else (progress if progress else None)
        )
    return ExportSummary(
        path=Path(path),
        rows=written,
        responses=rows.responses,
        codebook_path=codebook_path(Path(path)) if request.fmt == "csv" else None,
    )


def _export_statistical(
    request: ResponsesExport,
    layout: Layout,
    rows: ResponseRows,
    path: Path,
    progress: Progress | None,
) -> ExportSummary:
    """Write the wide form as a labelled SPSS or Stata file, and its codebook beside it."""
    if request.long:
        raise ExportError("SPSS and Stata files hold the wide form: export the long form as CSV")

    def counted() -> Iterator[list[Cell]]:
        for row in rows.wide(False):
            yield row
            if progress is not None:
                progress(1)

    with collector_paused():
        written, names = statistical.write_statistical(
            request.fmt,
            layout.columns,
            counted(),
            path,
            prefixed=layout.is_prefixed,
            language=request.language,
        )
    variables = dict(zip((column.name for column in layout.columns), names, strict=True))
    codebook = statistical.write_codebook(path, layout.codebook(), variables)
    return ExportSummary(path=path, rows=written, responses=rows.responses, codebook_path=codebook)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rows are made and written.

    An export makes a few hundred thousand short-lived lists that hold no reference cycles;
    the collector would only walk them again and again (about a tenth of a CSV export's time).
    Reference counting still frees every row as soon as it is written, so memory stays flat;
    the collector resumes afterwards (unless something else had paused it).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _ResponseCounter:
    """Report progress in responses while a long export writes one row per value."""

    def __init__(self, progress: Progress | None, rows: ResponseRows) -> None:
        self.progress = progress
        self.rows = rows
        self.reported = 0

    def tick(self, _n: int) -> None:
        if self.progress is not None and self.rows.responses > self.reported:
            self.progress(self.rows.responses - self.reported)
            self.reported = self.rows.responses
