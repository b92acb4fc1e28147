"""The stored questionnaire versions: each loaded definition stored as a version (a changed
version that has responses is refused), the stored definitions read back, and the answers
documents rebuilt from the Answer rows (the CLI and two migrations run it). Flask-free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from consult.questionnaires import documents
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import SUBMITTED, Answer, QuestionnaireVersion, Response
from consult.questionnaires.parsing import parse_definition, structure_checksum


class FrozenVersionError(Exception):
    """A version that already has responses was changed without raising its number."""


def sync_definitions(session: Session, questionnaires: Mapping[str, Questionnaire]) -> list[str]:
    """Store each loaded definition as a version; refuse a changed version that has responses.

    Returns one line per change made, for the CLI to print.
    """
    report = []
    for questionnaire in questionnaires.values():
        stored = session.scalar(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.key == questionnaire.key,
                QuestionnaireVersion.version == questionnaire.version,
            )
        )
        if stored is None:
            session.add(
                QuestionnaireVersion(
                    key=questionnaire.key,
                    version=questionnaire.version,
                    checksum=questionnaire.checksum,
                    definition=dict(questionnaire.raw),
                )
            )
            report.append(f"loaded {questionnaire.key} version {questionnaire.version}")
            continue
        if stored.checksum != questionnaire.checksum and (
            structure_checksum(stored.definition) != questionnaire.checksum
        ):
            has_responses = session.scalar(
                select(Response.id).where(Response.version_id == stored.id).limit(1)
            )
            if has_responses is not None:
                raise FrozenVersionError(
                    f"{questionnaire.key} version {questionnaire.version} has responses and its "
                    "questions changed: raise `version` in the file to publish the change"
                )
            stored.checksum = questionnaire.checksum
            report.append(f"updated {questionnaire.key} version {questionnaire.version}")
        elif stored.checksum != questionnaire.checksum:
            stored.checksum = questionnaire.checksum  # same structure, checksum of an older rule
        if stored.definition != dict(questionnaire.raw):
            stored.definition = dict(questionnaire.raw)  # texts or dates corrected
            report.append(f"updated texts of {questionnaire.key} version {questionnaire.version}")
    session.flush()
    return report


def version_row(session: Session, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """Return the stored version of a loaded definition."""
    row = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == questionnaire.key,
            QuestionnaireVersion.version == questionnaire.version,
        )
    )
    if row is None:
        raise LookupError(
            f"{questionnaire.key} v{questionnaire.version} is not stored: run consult init"
        )
    return row


def stored_definitions(connection: Connection) -> dict[int, Questionnaire]:
    """Return every stored questionnaire version's definition, by version row id."""
    definitions = {}
    for version_id, raw in connection.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
    ):
        if isinstance(raw, str):
            raw = json.loads(raw)
        definitions[version_id] = parse_definition(raw, f"stored version {version_id}")
    return definitions


def rebuild_answers_documents(connection: Connection, *, missing_only: bool = False) -> int:
    """Rewrite answers documents from the Answer rows; return how many.

    For answers written by other means than the app (a data fix in SQL, a bulk import, the
    migration that introduced the documents). The rows are the source of a submitted
    response's document; a draft's document is its answers, rebuilt only when it has none.
    ``missing_only`` rebuilds only the documents that are NULL.
    """
    definitions = stored_definitions(connection)
    table = Response.__table__
    query = select(table.c.id, table.c.version_id).order_by(table.c.id)
    if missing_only:
        query = query.where(table.c.answers_document.is_(None))
    else:
        query = query.where((table.c.status == SUBMITTED) | table.c.answers_document.is_(None))
    rewrite = (
        update(table)
        .where(table.c.id == bindparam("rid"))
        .values(answers_document=bindparam("document"))
    )
    count = 0
    last_id = 0
    while True:
        batch = connection.execute(query.where(table.c.id > last_id).limit(1000)).all()
        if not batch:
            return count
        answers: dict[int, Answers] = {rid: {} for rid, _version in batch}
        for rid, question_key, part_key, value in connection.execute(
            select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value).where(
                Answer.response_id.in_(list(answers))
            )
        ):
            answers[rid].setdefault(question_key, {})[part_key] = value
        connection.execute(
            rewrite,
            [
                {"rid": rid, "document": documents.encode(definitions[version], answers[rid])}
                for rid, version in batch
            ],
        )
        count += len(batch)
        last_id = batch[-1][0]
