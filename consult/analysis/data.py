"""Load submitted responses and their answers from the database into pandas, or in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from consult.questionnaires.models import Answer, Response

RESPONSE_COLUMNS = [
    "response_id",
    "questionnaire",
    "version",
    "version_id",
    "language",
    "started_at",
    "submitted_at",
    "country",
    "region",
    "respondent_type",
    "invitation_id",
    "is_demo",
]


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses to read: by questionnaire, status, ids, and the moment they existed."""

    questionnaire: str | None = None
    #: Drafts never count as responses; set False only for participation figures.
    submitted_only: bool = True
    response_ids: Sequence[int] | None = None

    def apply(self, query: Select) -> Select:
        """Add this filter's conditions to a query over Response."""
        if self.questionnaire:
            query = query.where(Response.questionnaire_key == self.questionnaire)
        if self.submitted_only:
            query = query.where(Response.status == "submitted")
        if self.response_ids is not None:
            query = query.where(Response.id.in_(list(self.response_ids)))
        return query


def _response_query(selection: ResponseFilter) -> Select:
    query = select(
        Response.id.label("response_id"),
        Response.questionnaire_key.label("questionnaire"),
        Response.questionnaire_version.label("version"),
        Response.version_id,
        Response.language,
        Response.started_at,
        Response.submitted_at,
        Response.country,
        Response.region,
        Response.respondent_type,
        Response.invitation_id,
        Response.is_demo,
        Response.status,
    )
    return selection.apply(query).order_by(Response.id)


def load_responses(
    connection: Connection, selection: ResponseFilter = ResponseFilter()
) -> pd.DataFrame:
    """Return one row per response (submitted ones unless told otherwise)."""
    # Plain tuples: pandas inspects every Row object otherwise (seconds at 100,000 responses).
    rows = [tuple(row) for row in connection.execute(_response_query(selection))]
    frame = pd.DataFrame(rows, columns=[*RESPONSE_COLUMNS, "status"])
    for column in ("started_at", "submitted_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def load_answers(
    connection: Connection, selection: ResponseFilter = ResponseFilter()
) -> pd.DataFrame:
    """Return the answers in long form: response_id, question_key, part_key, value."""
    query = select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value).join(
        Response, Response.id == Answer.response_id
    )
    query = selection.apply(query).order_by(Answer.response_id, Answer.id)
    result = connection.execute(query)
    return pd.DataFrame(result.all(), columns=["response_id", "question_key", "part_key", "value"])


def iter_response_chunks(
    connection: Connection, selection: ResponseFilter = ResponseFilter(), chunk_size: int = 2000
) -> Iterator[tuple[list[dict], dict[int, dict[str, dict[str, str]]]]]:
    """Yield responses in id order, a chunk at a time, with their answers (memory stays flat).

    Each chunk is (responses as dicts, response_id -> question -> part -> value).
    """
    last_id = 0
    while True:
        query = _response_query(selection).where(Response.id > last_id).limit(chunk_size)
        responses = [dict(row._mapping) for row in connection.execute(query)]
        if not responses:
            return
        ids = [r["response_id"] for r in responses]
        answers: dict[int, dict[str, dict[str, str]]] = {i: {} for i in ids}
        rows = connection.execute(
            select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value)
            .where(Answer.response_id.in_(ids))
            .order_by(Answer.response_id, Answer.id)
        )
        for response_id, question_key, part_key, value in rows:
            answers[response_id].setdefault(question_key, {})[part_key] = value
        yield responses, answers
        last_id = ids[-1]
