"""The responses export: submitted responses, wide or long, with a codebook, in constant memory.

Reads the database a chunk of responses at a time and hands rows to a writer as they are made,
so memory stays flat however many responses there are. Each response is laid out with the
definition of the version it answered.

The reading follows consult.analysis.data.iter_response_chunks (same filter, same id order)
but fetches the answers of a chunk as plain DBAPI tuples and places them straight into rows:
with one stored row per value, building a dict per answer as iter_response_chunks does cost
more than the writers themselves (benchmarks/export_speed.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from consult.analysis.data import ResponseFilter
from consult.exports.layout import (
    CODEBOOK_HEADER,
    LONG_COLUMNS,
    CodebookEntry,
    Label,
    Layout,
    Placement,
    build_layout,
    placement,
)
from consult.exports.writers import (
    _PLAIN_NUMBER,
    FORMULA_TRIGGERS,
    Cell,
    Progress,
    Table,
    codebook_path,
    write_table,
)
from consult.exports.writers import neutralise as _neutralise
from consult.questionnaires.definition import Questionnaire, parse_definition
from consult.questionnaires.models import ContactDetails, QuestionnaireVersion, Response

#: Responses read per round trip: large enough to be fast, small enough to keep memory flat.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ResponsesExport:
    """What to export."""

    fmt: str
    questionnaire: str | None = None
    #: One row per answered value instead of one row per response.
    long: bool = False
    #: Contact details respondents gave; only ever set for an admin who asked.
    with_personal_data: bool = False


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


def iso_utc(moment: datetime | str | None) -> str:
    """Return a moment as ISO 8601 in UTC to the second (naive values are taken as UTC)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _contacts(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    rows = connection.execute(
        select(
            ContactDetails.response_id,
            ContactDetails.name,
            ContactDetails.email,
            ContactDetails.job_title,
        ).where(ContactDetails.response_id.in_(list(ids)))
    )
    return {rid: (name or "", email or "", job or "") for rid, name, email, job in rows}


class _Rows:
    """Turns chunks of responses into rows of the layout (wide or long)."""

    def __init__(
        self,
        connection: Connection,
        layout: Layout,
        definitions: Mapping[int, Questionnaire],
        request: ResponsesExport,
        chunk_size: int,
    ) -> None:
        self.connection = connection
        self.layout = layout
        self.request = request
        self.chunk_size = chunk_size
        self.placements: dict[int, Placement] = {
            version_id: placement(layout, definition)
            for version_id, definition in definitions.items()
        }
        self.responses = 0

    def _chunks(self) -> Iterator[tuple[list[dict], list[tuple[int, str, str, str]]]]:
        """Yield (responses, their answers as tuples) a chunk of responses at a time."""
        selection = ResponseFilter(questionnaire=self.request.questionnaire)
        query = selection.apply(
            select(
                Response.id.label("response_id"),
                Response.questionnaire_key.label("questionnaire"),
                Response.questionnaire_version.label("version"),
                Response.version_id,
                Response.language,
                Response.submitted_at,
                Response.country,
                Response.region,
                Response.respondent_type,
            )
        ).order_by(Response.id)
        marker = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
        answers_sql = (
            "SELECT response_id, question_key, part_key, value FROM answers "
            f"WHERE response_id BETWEEN {marker} AND {marker}"
        )
        # The DBAPI cursor of the same connection: same transaction, same snapshot.
        cursor = self.connection.connection.cursor()
        try:
            last_id = 0
            while True:
                chunk = query.where(Response.id > last_id).limit(self.chunk_size)
                responses = [row._asdict() for row in self.connection.execute(chunk)]
                if not responses:
                    return
                first, last_id = responses[0]["response_id"], responses[-1]["response_id"]
                # Drafts between first and last come along and are skipped by their id.
                cursor.execute(answers_sql, (first, last_id))
                yield responses, cursor.fetchall()
        finally:
            cursor.close()

    def _head(self, response: Mapping[str, Any], contact: tuple[str, ...] | None) -> list:
        head: list[Cell] = [
            response["response_id"],
            response["questionnaire"],
            response["version"],
            response["language"],
            iso_utc(response["submitted_at"]),
            response["country"] or "",
            response["region"] or "",
            response["respondent_type"] or "",
        ]
        if self.request.with_personal_data:
            head.extend(contact or ("", "", ""))
        return head

    def _contacts_of(self, responses: list[dict]) -> dict[int, tuple[str, str, str]]:
        if not self.request.with_personal_data:
            return {}
        return _contacts(self.connection, [r["response_id"] for r in responses])

    def wide(self, neutralise: bool) -> Iterator[list[Cell]]:
        """Yield one row per response: fixed columns, then every question column.

        With ``neutralise``, text that a spreadsheet could take for a formula is prefixed with
        an apostrophe here, once per value, so that the writers need not look at every cell.
        """
        width = len(self.layout.columns) - self.layout.first_question
        blank: list[Cell] = [""] * width
        offset = self.layout.first_question
        triggers = FORMULA_TRIGGERS if neutralise else frozenset()
        numeric = frozenset(
            c.question_key for c in self.layout.columns if c.is_numeric and c.type == "number"
        )
        for responses, answers in self._chunks():
            contacts = self._contacts_of(responses)
            rows: dict[int, tuple[list[Cell], Placement]] = {}
            for response in responses:
                rows[response["response_id"]] = (
                    blank[:],
                    self.placements[response["version_id"]],
                )
            answered_choices: list[tuple[list[Cell], list[int]]] = []
            for rid, question_key, part_key, value in answers:
                target = rows.get(rid)
                if target is None:
                    continue  # a draft
                cells, where = target
                position = where.index.get((question_key, part_key))
                if position is None:
                    continue
                if (
                    value
                    and value[0] in triggers
                    and not (question_key in numeric and _PLAIN_NUMBER.match(value))
                ):
                    value = "'" + value
                cells[position - offset] = value
                options = where.option_columns.get(question_key)
                if options is not None:
                    answered_choices.append((cells, options))
            for cells, options in answered_choices:
                # Answered multiple choice: every option 1 or 0 (empty means not answered).
                for position in options:
                    if cells[position - offset] == "":
                        cells[position - offset] = "0"
            for response in responses:
                rid = response["response_id"]
                contact = contacts.get(rid)
                if contact is not None and neutralise:
                    contact = tuple(_neutralise(text) for text in contact)
                self.responses += 1
                yield self._head(response, contact) + rows[rid][0]

    def long(self, neutralise: bool) -> Iterator[list[Cell]]:
        """Yield one row per stored value, in column order within each response."""
        names = [column.name for column in self.layout.columns]
        end = len(names)
        for responses, answers in self._chunks():
            contacts = self._contacts_of(responses)
            by_response: dict[int, list[tuple[int, str, str, str]]] = {
                r["response_id"]: [] for r in responses
            }
            for rid, question_key, part_key, value in answers:
                values = by_response.get(rid)
                if values is None:
                    continue
                values.append((0, question_key, part_key, value))
            for response in responses:
                rid = response["response_id"]
                index = self.placements[response["version_id"]].index
                contact = contacts.get(rid)
                if contact is not None and neutralise:
                    contact = tuple(_neutralise(text) for text in contact)
                head = self._head(response, contact)
                values = sorted(
                    (index.get((q, p), end), q, p, v) for _n, q, p, v in by_response[rid]
                )
                # Counted before its rows, so that progress reaches the total with the last row.
                self.responses += 1
                for position, question_key, part_key, value in values:
                    column = names[position] if position < end else ""
                    if neutralise:
                        value = _neutralise(value)
                    yield [*head, question_key, part_key, column, value]


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
    rows = _Rows(connection, layout, definitions, request, chunk_size)
    columns = [column.name for column in layout.columns]
    numeric = {i for i, column in enumerate(layout.columns) if column.is_numeric}
    codebook = layout.codebook()
    if request.long:
        fixed = layout.columns[: layout.first_question]
        columns = [c.name for c in fixed] + [c.name for c in LONG_COLUMNS]
        numeric = {i for i, column in enumerate(fixed) if column.is_numeric}
        codebook = [CodebookEntry(c.name, c.type, "", c.label) for c in LONG_COLUMNS] + codebook
    counted = _ResponseCounter(progress, rows) if request.long else None
    # CSV and XLSX get their formula triggers neutralised as rows are made; JSON keeps text.
    neutral = request.fmt in ("csv", "xlsx")
    table = Table(
        columns=columns,
        rows=rows.long(neutral) if request.long else rows.wide(neutral),
        codebook_header=CODEBOOK_HEADER,
        codebook=(entry.as_row() for entry in codebook),
        numeric=frozenset(numeric),
        is_neutralised=neutral,
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
    written = write_table(
        request.fmt, table, path, counted.tick if counted else (progress if progress else None)
    )
    return ExportSummary(
        path=Path(path),
        rows=written,
        responses=rows.responses,
        codebook_path=codebook_path(Path(path)) if request.fmt == "csv" else None,
    )


class _ResponseCounter:
    """Report progress in responses while a long export writes one row per value."""

    def __init__(self, progress: Progress | None, rows: _Rows) -> None:
        self.progress = progress
        self.rows = rows
        self.reported = 0

    def tick(self, _n: int) -> None:
        if self.progress is not None and self.rows.responses > self.reported:
            self.progress(self.rows.responses - self.reported)
            self.reported = self.rows.responses
