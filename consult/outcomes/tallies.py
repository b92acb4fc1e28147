"""The answers a summary needs: closed questions counted, the rest read row by row.

A closed question's figures (choices, multiple choices, matrices, rankings) depend only on how
often each (part, value) was given and on how many respondents answered, so the database counts
them (a GROUP BY that walks the answers' (question, part, value) index): 100,000 responses give
a few thousand rows instead of millions of Python objects. Numbers, texts, the "other" texts of
multiple choices and the answers that conditions look at are read row by row, in (response,
answer) order. The same tallies are built from an in-memory answers frame (tests, and the
fallback), so both paths feed the one set of statistics. No Flask here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.engine import Connection

from consult.outcomes.distribution import CHOICE_TYPES
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire
from consult.questionnaires.models import Answer, Response

log = logging.getLogger(__name__)

#: Question types counted by the database; every other type is read row by row.
TALLIED_TYPES = (*CHOICE_TYPES, "multiple_choice", "matrix", "ranking")
ROW_COLUMNS = ["response_id", "question_key", "part_key", "value"]
COUNT_COLUMNS = ["question_key", "part_key", "value", "n"]
#: Per version and question: respondents with any answer, with a part other than "other", and
#: with the question's own value (part "").
ANSWERER_COLUMNS = ["version_id", "question_key", "answered", "with_parts", "plain"]


@dataclass(frozen=True)
class Plan:
    """What a questionnaire's summary needs from the answers."""

    #: Closed questions: counts per (part, value) and answerers.
    tallied: tuple[str, ...]
    #: Questions read row by row (numbers, texts).
    read: tuple[str, ...]
    #: Multiple choices whose "other" texts are read row by row.
    others: tuple[str, ...]
    #: (question, part, value) of the answers a condition looks at.
    conditions: tuple[tuple[str, str, str], ...]


def plan_for(questions: Sequence[Question], versions: Iterable[Questionnaire]) -> Plan:
    """Return what the summary of ``questions`` (asked by ``versions``) reads."""
    conditions = set()
    for version in versions:
        items = [*version.sections, *version.questions]
        for item in items:
            condition = item.when
            if condition is None:
                continue
            if condition.operator == "equals":
                conditions.add((condition.question, "", condition.value))
            else:
                conditions.add((condition.question, condition.value, "1"))
    return Plan(
        tallied=tuple(q.key for q in questions if q.type in TALLIED_TYPES),
        read=tuple(q.key for q in questions if q.type not in TALLIED_TYPES),
        others=tuple(q.key for q in questions if q.type == "multiple_choice"),
        conditions=tuple(sorted(conditions)),
    )


def empty_rows() -> pd.DataFrame:
    """A long answers frame without rows."""
    return pd.DataFrame(
        {"response_id": np.empty(0, np.int64), **{c: np.empty(0, object) for c in ROW_COLUMNS[1:]}}
    )


@dataclass(frozen=True)
class QuestionAnswers:
    """One question's answers as its statistic needs them."""

    #: part_key, value, n: how often each (part, value) was given (closed questions).
    counts: pd.DataFrame
    #: Respondents with any answer to the question.
    answered: int
    #: Respondents with an answer in a part other than "other".
    with_parts: int
    #: Respondents with a value of the question itself (part "").
    plain: int
    #: Respondents who answered, per stored version id.
    answered_by_version: Mapping[int, int]
    #: The rows read one by one (numbers, texts, "other" texts), in (response, answer) order.
    rows: pd.DataFrame


@dataclass
class QuestionnaireAnswers:
    """A questionnaire's answers for its summary: counts, answerers and rows."""

    counts: pd.DataFrame
    answerers: pd.DataFrame
    #: Rows read one by one, by question (numbers, texts, "other" texts).
    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Rows that conditions look at, by question (at least those meeting a condition).
    conditions: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._counts = {k: f for k, f in self.counts.groupby("question_key", sort=False)}
        self._answerers = {k: f for k, f in self.answerers.groupby("question_key", sort=False)}

    def of(self, question_key: str) -> QuestionAnswers:
        """Return one question's answers."""
        counts = self._counts.get(question_key)
        if counts is None:
            counts = pd.DataFrame({c: [] for c in COUNT_COLUMNS[1:]}).astype({"n": np.int64})
        answerers = self._answerers.get(question_key)
        if answerers is None:
            answerers = self.answerers.iloc[0:0]
        return QuestionAnswers(
            counts=counts[COUNT_COLUMNS[1:]].reset_index(drop=True),
            answered=int(answerers["answered"].sum()),
            with_parts=int(answerers["with_parts"].sum()),
            plain=int(answerers["plain"].sum()),
            answered_by_version={
                int(v): int(n)
                for v, n in zip(answerers["version_id"], answerers["answered"], strict=True)
            },
            rows=self.rows.get(question_key, empty_rows()),
        )


def from_frames(
    frames: Mapping[str, pd.DataFrame], responses: pd.DataFrame, plan: Plan
) -> QuestionnaireAnswers:
    """Build the answers of a summary from in-memory frames (answers split by question)."""
    version_of = responses.set_index("response_id")["version_id"]
    tallied = [frames[k] for k in plan.tallied if k in frames]
    if tallied:
        closed = pd.concat(tallied, ignore_index=True)
        counts = (
            closed.groupby(["question_key", "part_key", "value"], sort=True)
            .size()
            .rename("n")
            .reset_index()
        )
        closed = closed.assign(
            version_id=version_of.reindex(closed["response_id"]).to_numpy(),
            has_parts=(closed["part_key"] != OTHER_PART).to_numpy(),
            is_plain=(closed["part_key"] == "").to_numpy(),
        )
        per_respondent = closed.groupby(["version_id", "question_key", "response_id"]).agg(
            with_parts=("has_parts", "max"), plain=("is_plain", "max")
        )
        answerers = (
            per_respondent.groupby(level=["version_id", "question_key"])
            .agg(
                answered=("with_parts", "size"),
                with_parts=("with_parts", "sum"),
                plain=("plain", "sum"),
            )
            .reset_index()
        )
    else:
        counts = pd.DataFrame({c: [] for c in COUNT_COLUMNS})
        answerers = pd.DataFrame({c: [] for c in ANSWERER_COLUMNS})
    rows = {k: frames[k] for k in plan.read if k in frames}
    for key in plan.others:
        if key in frames:
            frame = frames[key]
            rows[key] = frame.loc[frame["part_key"] == OTHER_PART]
    conditions = {q: frames[q] for q, _part, _value in plan.conditions if q in frames}
    return QuestionnaireAnswers(
        _typed_counts(counts), _typed_answerers(answerers), rows, conditions
    )


def _typed_counts(counts: pd.DataFrame) -> pd.DataFrame:
    counts = counts[COUNT_COLUMNS].copy()
    counts["n"] = counts["n"].astype(np.int64)
    for column in COUNT_COLUMNS[:3]:
        counts[column] = counts[column].astype(object)
    return counts


def _typed_answerers(answerers: pd.DataFrame) -> pd.DataFrame:
    answerers = answerers[ANSWERER_COLUMNS].copy()
    for column in ("version_id", "answered", "with_parts", "plain"):
        answerers[column] = answerers[column].astype(np.int64)
    answerers["question_key"] = answerers["question_key"].astype(object)
    return answerers


# -- from the database ----------------------------------------------------------------------------


def covered_clause(filters: SummaryFilter, as_of: datetime | None = None) -> list[ColumnElement]:
    """Return the conditions on Response that select the submitted responses a filter covers.

    The same rule as SummaryFilter.select over the responses frame (and compute_summary's
    ``as_of``); the reader checks the count against that frame before trusting it.
    """
    clause: list[ColumnElement] = [Response.status == "submitted"]
    if as_of is not None:
        clause.append(Response.submitted_at <= as_of)
    if filters.questionnaire:
        clause.append(Response.questionnaire_key == filters.questionnaire)
    if filters.region:
        clause.append(Response.region == filters.region)
    if filters.respondent_type:
        clause.append(Response.respondent_type == filters.respondent_type)
    if filters.country:
        clause.append(Response.country == filters.country)
    if filters.language:
        clause.append(Response.language == filters.language)
    if filters.submitted_from:
        start = datetime.combine(filters.submitted_from, time(), UTC)
        clause.append(Response.submitted_at >= start)
    if filters.submitted_to:
        end = filters.submitted_to + timedelta(days=1)
        clause.append(Response.submitted_at < datetime.combine(end, time(), UTC))
    for condition in filters.answers:
        clause.append(Response.id.in_(select(Answer.response_id).where(meets(condition))))
        if condition.questionnaire:  # as SummaryFilter.select reads it
            clause.append(Response.questionnaire_key == condition.questionnaire)
    return clause


def meets(condition: AnswerCondition) -> ColumnElement:
    """The answers (rows of the answers table) that meet an answer condition, by its one rule
    (AnswerCondition.stored_as)."""
    return and_(
        Answer.question_key == condition.question,
        or_(*(and_(Answer.part_key == p, Answer.value == v) for p, v in condition.stored_as())),
    )


def fetch_rows(connection: Connection, query: Select) -> list[tuple]:
    """Run a Core query through the driver's cursor: plain tuples, no Row object per value."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    if compiled.positional:
        parameters: Any = tuple(compiled.params[name] for name in compiled.positiontup or ())
    else:
        parameters = compiled.params
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def rows_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """Return long answers rows as a frame (object columns: fast to compare and group)."""
    if not rows:
        return empty_rows()
    table = np.array(rows, dtype=object).reshape(len(rows), len(ROW_COLUMNS))
    return pd.DataFrame(
        {
            "response_id": table[:, 0].astype(np.int64),
            **{
                name: pd.Series(table[:, i], dtype=object)
                for i, name in enumerate(ROW_COLUMNS[1:], start=1)
            },
        }
    )


def ordered_rows_frame(fetched: Sequence[tuple]) -> pd.DataFrame:
    """Return rows (response_id, question_key, part_key, value, answer id) as rows_frame does,
    in (response, answer) order, the id left out: column by column, no tuple per row."""
    if not fetched:
        return empty_rows()
    columns = list(zip(*fetched, strict=True))
    response_ids = np.fromiter(columns[0], np.int64, len(fetched))
    order = np.lexsort((np.fromiter(columns[4], np.int64, len(fetched)), response_ids))
    return pd.DataFrame(
        {
            "response_id": response_ids[order],
            **{
                name: pd.Series(_objects(columns[i])[order], dtype=object)
                for i, name in enumerate(ROW_COLUMNS[1:], start=1)
            },
        }
    )


def _objects(values: Sequence) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def read_answers(
    connection: Connection,
    clause: Sequence[ColumnElement],
    version_ids: Iterable[int],
    plan: Plan,
) -> QuestionnaireAnswers:
    """Read a questionnaire's answers for its summary: the responses matching ``clause`` (one
    questionnaire's), counted per version for closed questions, row by row for the rest."""
    count_frames, answerer_frames = [], []
    for version_id in sorted(set(version_ids)):
        covered = select(Response.id).where(*clause, Response.version_id == version_id)
        if plan.tallied:
            counts = _counts(connection, covered, plan.tallied)
            count_frames.append(counts)
            answerer_frames.append(_answerers_of(connection, covered, counts, version_id))
    counts = (
        pd.concat(count_frames, ignore_index=True)
        .groupby(["question_key", "part_key", "value"], sort=True)["n"]
        .sum()
        .reset_index()
        if count_frames
        else pd.DataFrame({c: [] for c in COUNT_COLUMNS})
    )
    answerers = (
        pd.concat(answerer_frames, ignore_index=True)
        if answerer_frames
        else pd.DataFrame({c: [] for c in ANSWERER_COLUMNS})
    )
    wanted = []
    if plan.read:
        wanted.append(Answer.question_key.in_(plan.read))
    if plan.others:
        wanted.append(and_(Answer.question_key.in_(plan.others), Answer.part_key == OTHER_PART))
    for question, part, value in plan.conditions:
        wanted.append(
            and_(Answer.question_key == question, Answer.part_key == part, Answer.value == value)
        )
    rows: dict[str, pd.DataFrame] = {}
    conditions: dict[str, pd.DataFrame] = {}
    if wanted:
        covered = select(Response.id).where(*clause)
        # Sorted here, not by the database: it would move every text through its sorter.
        query = select(
            Answer.response_id, Answer.question_key, Answer.part_key, Answer.value, Answer.id
        ).where(or_(*wanted), Answer.response_id.in_(covered))
        ordered = ordered_rows_frame(fetch_rows(connection, query))
        read, others = set(plan.read), set(plan.others)
        conditions_of: dict[str, list[tuple[str, str]]] = {}
        for question, part, value in plan.conditions:
            conditions_of.setdefault(question, []).append((part, value))
        for question, frame in split_rows(ordered):
            if question in read:
                rows[question] = frame
            elif question in others:
                rows[question] = frame.loc[frame["part_key"] == OTHER_PART]
            if question in conditions_of:
                meets = np.zeros(len(frame), dtype=bool)
                for part, value in conditions_of[question]:
                    meets |= ((frame["part_key"] == part) & (frame["value"] == value)).to_numpy()
                conditions[question] = frame.loc[meets]
    return QuestionnaireAnswers(
        _typed_counts(counts), _typed_answerers(answerers), rows, conditions
    )


def split_rows(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (question, its rows) from a long frame, each question's rows in their order."""
    codes, keys = pd.factorize(frame["question_key"])
    order = np.argsort(codes, kind="stable")
    ordered = frame.iloc[order]
    boundaries = np.concatenate(([0], np.flatnonzero(np.diff(codes[order])) + 1, [len(order)]))
    for begin, end in zip(boundaries[:-1], boundaries[1:], strict=True):
        if end > begin:
            yield str(keys[codes[order[begin]]]), ordered.iloc[begin:end]


def _counts(connection: Connection, covered: Select, questions: Sequence[str]) -> pd.DataFrame:
    query = (
        select(Answer.question_key, Answer.part_key, Answer.value, func.count())
        .where(Answer.question_key.in_(questions), Answer.response_id.in_(covered))
        .group_by(Answer.question_key, Answer.part_key, Answer.value)
    )
    return pd.DataFrame(fetch_rows(connection, query), columns=COUNT_COLUMNS)


def _answerers_of(
    connection: Connection, covered: Select, counts: pd.DataFrame, version_id: int
) -> pd.DataFrame:
    """Respondents per question (ANSWERER_COLUMNS) of one version, ``counts`` its counts.

    A question whose every answer has the part "" (single choices, yes/no, regions...: the
    counts show it) has one answer per respondent at most (answers are unique per response,
    question and part): its respondents are its count, with parts and plain alike. Only the
    questions with parts are grouped per respondent by the database.
    """
    with_parts = counts["part_key"] != ""
    parted = sorted({str(k) for k in counts.loc[with_parts, "question_key"]})
    plain = counts.loc[~counts["question_key"].isin(parted)]
    derived = [
        (version_id, str(question), int(n), int(n), int(n))
        for question, n in plain.groupby("question_key", sort=True)["n"].sum().items()
    ]
    grouped = _answerers(connection, covered, parted, version_id) if parted else None
    if grouped is None or not len(grouped):
        return pd.DataFrame(derived, columns=ANSWERER_COLUMNS)
    if not derived:
        return grouped
    return pd.concat([pd.DataFrame(derived, columns=ANSWERER_COLUMNS), grouped], ignore_index=True)


def _answerers(
    connection: Connection, covered: Select, questions: Sequence[str], version_id: int
) -> pd.DataFrame:
    per_respondent = (
        select(
            Answer.question_key.label("question_key"),
            func.max(case((Answer.part_key != OTHER_PART, 1), else_=0)).label("with_parts"),
            func.max(case((Answer.part_key == "", 1), else_=0)).label("plain"),
        )
        .where(Answer.question_key.in_(questions), Answer.response_id.in_(covered))
        .group_by(Answer.response_id, Answer.question_key)
        .subquery()
    )
    query = select(
        per_respondent.c.question_key,
        func.count(),
        func.sum(per_respondent.c.with_parts),
        func.sum(per_respondent.c.plain),
    ).group_by(per_respondent.c.question_key)
    rows = [(version_id, *row) for row in fetch_rows(connection, query)]
    return pd.DataFrame(rows, columns=ANSWERER_COLUMNS)
