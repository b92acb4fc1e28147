"""The rows of the responses export: each response laid out with the definition of the version
it answered, a chunk of responses at a time (consult.exports.responses writes them).

The wide form reads each response's answers document and, in its row form, turns it into the
row's question cells with one C-level lookup; a response without a usable document is read from
its Answer rows. The long form reads the Answer rows, one per value, as it writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from consult.analysis.data import ResponseFilter
from consult.exports.layout import Layout, Placement, placement
from consult.exports.writers import FORMULA_TRIGGERS, Cell, neutralise_cell
from consult.exports.writers import neutralise as _neutralise
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.documents import (
    QUOTED,
    ROW_MARK,
    SEPARATOR,
    decode,
    document_layout,
)
from consult.questionnaires.models import ContactDetails, Response


@dataclass(frozen=True)
class ResponsesExport:
    """What to export."""

    fmt: str
    questionnaire: str | None = None
    #: One row per answered value instead of one row per response.
    long: bool = False
    #: Contact details respondents gave; only ever set for an admin who asked.
    with_personal_data: bool = False
    #: The language of the variable and value labels of a .sav or .dta file.
    language: str = "en"


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


class ResponseRows:
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
        self.definitions = definitions
        self.placements: dict[int, Placement] = {
            version_id: placement(layout, definition)
            for version_id, definition in definitions.items()
        }
        self.responses = 0

    def _response_query(self, *extra):
        selection = ResponseFilter(questionnaire=self.request.questionnaire)
        return selection.apply(
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
                *extra,
            )
        ).order_by(Response.id)

    def _answers_sql(self, where: str) -> str:
        marker = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
        return "SELECT response_id, question_key, part_key, value FROM answers " + where.format(
            m=marker
        )

    def _chunks(self) -> Iterator[tuple[list[dict], list[tuple[int, str, str, str]]]]:
        """Yield (responses, their answers as tuples) a chunk of responses at a time."""
        query = self._response_query()
        answers_sql = self._answers_sql("WHERE response_id BETWEEN {m} AND {m}")
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

    def _wide_query(self):
        """The responses of the wide form, as plain tuples: the fixed columns as exported
        (submitted_at formatted and NULLs made empty by the database), then version_id and
        the answers document."""
        table = Response.__table__
        if self.connection.dialect.name == "postgresql":
            submitted = func.to_char(
                func.timezone("UTC", table.c.submitted_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
            )
        else:
            submitted = func.strftime("%Y-%m-%dT%H:%M:%SZ", table.c.submitted_at)
        selection = ResponseFilter(questionnaire=self.request.questionnaire)
        return selection.apply(
            select(
                table.c.id,
                table.c.questionnaire_key,
                table.c.questionnaire_version,
                table.c.language,
                func.coalesce(submitted, ""),
                func.coalesce(table.c.country, ""),
                func.coalesce(table.c.region, ""),
                func.coalesce(table.c.respondent_type, ""),
                table.c.version_id,
                table.c.answers_document,
            )
        ).order_by(table.c.id)

    def _answers_from_rows(self, ids: list[int]) -> dict[int, Answers]:
        """Read the answers of some submitted responses from their Answer rows."""
        found: dict[int, Answers] = {rid: {} for rid in ids}
        cursor = self.connection.connection.cursor()
        try:
            marks = ", ".join(["{m}"] * len(ids))
            cursor.execute(self._answers_sql(f"WHERE response_id IN ({marks})"), ids)
            for rid, question_key, part_key, value in cursor.fetchall():
                found[rid].setdefault(question_key, {})[part_key] = value
        finally:
            cursor.close()
        return found

    def _documents(self) -> Iterator[list[Sequence[Any]]]:
        """Yield the wide form's response tuples (see _wide_query) a chunk at a time."""
        table = Response.__table__
        statement = (
            self._wide_query().where(table.c.id > bindparam("after_id")).limit(self.chunk_size)
        )
        # Plain DBAPI tuples on the same connection (same transaction, same snapshot): the
        # values are already as exported, and building result rows cost more than using them.
        compiled = statement.compile(dialect=self.connection.dialect)
        sql = str(compiled)
        names = compiled.positiontup
        cursor = self.connection.connection.cursor()
        try:
            last_id = 0
            while True:
                values = compiled.construct_params({"after_id": last_id})
                cursor.execute(sql, [values[name] for name in names] if names else values)
                responses = cursor.fetchall()
                if not responses:
                    return
                last_id = responses[-1][0]
                yield responses
        finally:
            cursor.close()

    def _answers_of(self, response: Sequence[Any], from_rows: Mapping[int, Answers]) -> Answers:
        """The answers of a response whose document is not the row form of its version."""
        document = response[9]
        if document is None:
            return from_rows[response[0]]
        if not document.startswith(ROW_MARK):
            return decode(self.definitions[response[8]], document)
        # Another version's row form, or a damaged one: the rows say what it holds.
        return self._answers_from_rows([response[0]])[response[0]]

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

    def wide(self, neutralise: bool) -> Iterable[list[Cell]]:
        """Yield one row per response: fixed columns, then every question column.

        With ``neutralise`` (CSV), text that a spreadsheet could take for a formula gets its
        apostrophes (writers.neutralise), so that the writer need not look at every cell. A
        row-form document becomes the question cells with one itemgetter call (C code); then
        only its free values are looked at: the apostrophe the document stores in front of some
        of them is taken off, and for CSV the value is neutralised by the writers' one rule.
        """
        offset = self.layout.first_question
        width = len(self.layout.columns) - offset
        blank: list[Cell] = [""] * width
        triggers = FORMULA_TRIGGERS if neutralise else frozenset()
        numeric = frozenset(
            c.question_key for c in self.layout.columns if c.is_numeric and c.type == "number"
        )
        fast = {}
        for version_id, where in self.placements.items():
            document = document_layout(self.definitions[version_id])
            sentinel = len(document.parts) + 1  # the "" appended after the last cell
            take = [sentinel] * width
            free = []
            for part, position in where.index.items():
                cell = document.index[part]
                take[position - offset] = 1 + cell  # cell 0 is the version tag
                if cell in document.free_cells:
                    free.append((position, cell in document.number_cells))
            # The first version laid out (the newest of the first questionnaire) usually has
            # its columns in its own order: its cells are then the row as they are.
            pad = None
            count = len(document.parts)
            if take[:count] == list(range(1, count + 1)) and set(take[count:]) <= {sentinel}:
                pad = [""] * (width - count)
            fast[version_id] = (
                itemgetter(*take),
                count + 1,
                document.tag,
                document.tag + QUOTED,
                free,
                pad,
            )
        positions_of = {
            version_id: _positions_by_question(where, offset)
            for version_id, where in self.placements.items()
        }
        options_of = {
            version_id: {
                key: [position - offset for position in positions]
                for key, positions in where.option_columns.items()
            }
            for version_id, where in self.placements.items()
        }
        chunks = self._wide_chunks(
            neutralise, fast, blank, positions_of, options_of, triggers, numeric
        )
        # The rows of each chunk are handed on by C code (no Python frame per row).
        return chain.from_iterable(chunks)

    def _wide_chunks(
        self,
        neutralise: bool,
        fast: Mapping[int, tuple[Any, int, str, str, list[tuple[int, bool]], list[str] | None]],
        blank: list[Cell],
        positions_of: Mapping[int, Mapping[str, Mapping[str, int]]],
        options_of: Mapping[int, Mapping[str, list[int]]],
        triggers: frozenset[str],
        numeric: frozenset[str],
    ) -> Iterator[list[list[Cell]]]:
        """Yield the wide rows a chunk of responses at a time (see wide)."""
        split = str.split
        personal = self.request.with_personal_data
        no_contact = ("", "", "")
        for responses in self._documents():
            contacts = (
                _contacts(self.connection, [response[0] for response in responses])
                if personal
                else {}
            )
            unbuilt = [response[0] for response in responses if response[9] is None]
            from_rows = self._answers_from_rows(unbuilt) if unbuilt else {}
            out = []
            for response in responses:
                head = response[:8]
                if personal:
                    contact = contacts.get(response[0], no_contact)
                    if neutralise:
                        contact = tuple(_neutralise(text) for text in contact)
                    head = (*head, *contact)
                document = response[9]
                take, length, tag, quoted_tag, free, pad = fast[response[8]]
                if document is not None:
                    cells = split(document, SEPARATOR)
                    first = cells[0]
                    if len(cells) == length and (first in (tag, quoted_tag)):
                        if pad is not None:
                            cells[0:1] = head  # the version tag gives way to the fixed columns
                            cells += pad
                            row = cells
                        else:
                            cells.append("")
                            row = [*head, *take(cells)]
                        # Free values may be stored with an apostrophe in front (see
                        # documents.py): it is taken off, then CSV applies its own rule.
                        for position, is_number in free:
                            value = row[position]
                            if value:
                                if value[0] == "'":
                                    value = value[1:]
                                row[position] = (
                                    neutralise_cell(value, is_number) if neutralise else value
                                )
                        out.append(row)
                        continue
                version_id = response[8]
                placed = _placed(
                    self._answers_of(response, from_rows),
                    blank,
                    positions_of[version_id],
                    options_of[version_id],
                    triggers,
                    numeric,
                )
                out.append([*head, *placed])
            # Counted before the chunk is written, as the long form counts a response before
            # its rows; the writers report progress in rows as they write them.
            self.responses += len(out)
            yield out

    def long(self, neutralise: bool) -> Iterator[list[Cell]]:
        """Yield one row per stored value, in column order within each response."""
        names = [column.name for column in self.layout.columns]
        end = len(names)
        # A profile question's values are named by the fixed column they fill.
        indexes = {
            version_id: {**where.index, **where.profile}
            for version_id, where in self.placements.items()
        }
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
                index = indexes[response["version_id"]]
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


def _placed(
    answers: Answers,
    blank: list[Cell],
    positions: Mapping[str, Mapping[str, int]],
    options: Mapping[str, list[int]],
    triggers: frozenset[str],
    numeric: frozenset[str],
) -> list[Cell]:
    """Return the question cells of one response's answers, value by value (the slow path)."""
    cells = blank[:]
    for question_key, parts in answers.items():
        places = positions.get(question_key)
        if places is None:
            continue
        for part_key, value in parts.items():
            position = places.get(part_key)
            if position is None:
                continue
            if value and triggers:
                value = neutralise_cell(value, question_key in numeric)
            cells[position] = value
        option_cells = options.get(question_key)
        if option_cells is not None:
            # Answered multiple choice: every option 1 or 0 (empty: not answered).
            for position in option_cells:
                if cells[position] == "":
                    cells[position] = "0"
    return cells


def _positions_by_question(where: Placement, offset: int) -> dict[str, dict[str, int]]:
    """Return question -> {part -> index among the question cells} for one placement."""
    positions: dict[str, dict[str, int]] = {}
    for (question_key, part_key), position in where.index.items():
        positions.setdefault(question_key, {})[part_key] = position - offset
    return positions
