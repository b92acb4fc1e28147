"""Plain functions that change responses: start, save a page, submit. They flush, never commit.

Storing the questionnaire versions themselves (sync, rebuild of the answers documents) lives
in consult.questionnaires.versions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value

from consult.db import Prepared, utcnow
from consult.questionnaires import documents, merging, page_writes
from consult.questionnaires.answers import Answers, profile_values, split_hidden
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import (
    SUBMITTED,
    Answer,
    ContactDetails,
    Response,
)
from consult.questionnaires.origin import SaveOrigin
from consult.questionnaires.versions import version_row

#: Receipt numbers avoid letters and digits that are easy to confuse (0/O, 1/I).
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECEIPT_PREFIX = {"local-governments": "LG", "partners": "PA"}


# Statements of the hot path (every page saved), built once: only their parameters change.
_RESPONSE_BY_TOKEN = select(Response).where(Response.resume_token_hash == bindparam("token_hash"))
_RESPONSE_FOR_UPDATE = _RESPONSE_BY_TOKEN.with_for_update()
_ANSWERS_OF_RESPONSE = select(Answer.question_key, Answer.part_key, Answer.value).where(
    Answer.response_id == bindparam("response_id")
)
_RESPONSE_WITH_DOCUMENT = _RESPONSE_BY_TOKEN.options(
    undefer(Response.answers_document), undefer(Response.hidden_answers)
)
_RESPONSES = Response.__table__
#: What saving a page reads of a response, as a plain row (see open_response_to_save).
_RESPONSE_ROW = select(
    _RESPONSES.c.id, *(_RESPONSES.c[name] for name in page_writes.READ_COLUMNS)
).where(_RESPONSES.c.resume_token_hash == bindparam("token_hash"))
_RESPONSE_ROW_FOR_UPDATE = Prepared(_RESPONSE_ROW.with_for_update())
_RESPONSE_ROW = Prepared(_RESPONSE_ROW)


class Statements(Protocol):
    """What sends statements in the current unit of work: a Session, or consult.db.db (its
    connection() gives the request's connection without making an ORM session)."""

    def connection(self) -> Connection:
        """Return the connection of the unit of work, in its transaction."""
        ...


#: A row of _RESPONSE_ROW: attributes named like the Response's columns it holds.
ResponseRow = Row
Upsert = page_writes.Upsert
Removal = page_writes.Removal


def hash_token(token: str) -> str:
    """Return the stored form of a resume token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_resume_token() -> str:
    """Return a fresh unguessable resume token (192 bits)."""
    return secrets.token_urlsafe(24)


def new_receipt_number(questionnaire_key: str) -> str:
    """Return a receipt number such as LG-7KQ4-M2XD."""
    prefix = _RECEIPT_PREFIX.get(questionnaire_key, questionnaire_key[:2].upper())
    body = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def find_response(session: Session, token: str, *, for_update: bool = False) -> Response | None:
    """Return the response a resume token opens, if any.

    ``for_update`` locks its row until the transaction ends, so that two requests writing the
    same response (an autosave racing the Save button, a double click on Submit) run one after
    the other on PostgreSQL too; SQLite's IMMEDIATE write transactions already do.
    """
    if not token or len(token) > 128:
        return None
    query = _RESPONSE_FOR_UPDATE if for_update else _RESPONSE_BY_TOKEN
    return session.scalar(query, {"token_hash": hash_token(token)})


def response_language(session: Session, token: str) -> str | None:
    """Return the language of the response a resume token opens, if any."""
    if not token or len(token) > 128:
        return None
    return session.scalar(
        select(Response.language).where(Response.resume_token_hash == hash_token(token))
    )


def open_response(session: Session, token: str) -> Response | None:
    """Return the response a resume token opens, with its answers document loaded.

    Its answers are then answers_of(session, response, its definition). To save a page, use
    open_response_to_save, which locks the row (or, ``for_update`` False on a connection
    without a transaction, leaves it to the write's guard: consult.questionnaires.guarded).
    """
    if not token or len(token) > 128:
        return None
    return session.scalar(_RESPONSE_WITH_DOCUMENT, {"token_hash": hash_token(token)})


def open_response_to_save(
    session: Session | Statements, token: str, *, for_update: bool = True
) -> ResponseRow | None:
    """Like open_response, as a plain row: what saving a page needs, without an ORM object.

    A page is saved on every click and autosave: loading the row without the ORM's identity
    map and attribute machinery takes a good part of the cost of a save off. Pass the row to
    answers_of and write_answers.
    """
    if not token or len(token) > 128:
        return None
    query = _RESPONSE_ROW_FOR_UPDATE if for_update else _RESPONSE_ROW
    return query.execute(session.connection(), {"token_hash": hash_token(token)}).one_or_none()


def answers_of(
    session: Session | Statements, response: Response | ResponseRow, questionnaire: Questionnaire
) -> Answers:
    """Return a response's answers from its answers document, or from its rows, with the ones
    a condition hides (kept in hidden_answers; see answers.split_hidden).

    Every write keeps the document equal to the Answer rows in the same transaction;
    ``questionnaire`` is the version it is laid out in. A response without a usable document
    (one written by other means and not rebuilt yet) is read from its rows.
    """
    hidden = documents.decode_hidden(getattr(response, "hidden_answers", None))
    if response.answers_document:
        try:
            return {**hidden, **documents.decode(questionnaire, response.answers_document)}
        except (documents.DocumentError, ValueError):
            pass  # not this version's layout: the rows say what was answered
    return {**hidden, **stored_answers(session, response)}


def start_response(
    session: Session,
    questionnaire: Questionnaire,
    token: str,
    language: str,
    *,
    invitation_id: int | None = None,
    prefill: Answers | None = None,
) -> Response:
    """Create the draft a resume token opens, or return it if a repeated request made it already."""
    existing = find_response(session, token)
    if existing is not None:
        return existing
    response = Response(
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        version_id=version_row(session, questionnaire).id,
        resume_token_hash=hash_token(token),
        language=language,
        invitation_id=invitation_id,
        answers_document=documents.encode(questionnaire, {}),
    )
    session.add(response)
    session.flush()
    if prefill:
        save_answers(session, questionnaire, response, prefill)
    return response


def stored_answers(session: Session | Statements, response: Response | ResponseRow) -> Answers:
    """Return a response's answers as question -> {part: value}."""
    answers: Answers = {}
    # Plain rows through the connection: no ORM entity is needed for a mapping of strings.
    rows = session.connection().execute(_ANSWERS_OF_RESPONSE, {"response_id": response.id})
    for question_key, part_key, value in rows:
        answers.setdefault(question_key, {})[part_key] = value
    return answers


def save_answers(
    session: Session,
    questionnaire: Questionnaire,
    response: Response,
    answers: Answers,
    *,
    section_key: str | None = None,
    stored: Answers | None = None,
    language: str | None = None,
) -> None:
    """Replace the stored answers of the questions in ``answers`` (an empty mapping clears one).

    ``stored`` is the response's answers as read in this transaction, when the caller has them
    already; only the questions whose answer changed are rewritten. ``section_key`` is where the
    resume link leads next; ``language`` the one the respondent uses now. The ORM object is
    brought in step with what was written.
    """
    if stored is None:
        stored = answers_of(session, response, questionnaire)
    values = write_answers(
        session,
        questionnaire,
        response,
        answers,
        stored=stored,
        section_key=section_key,
        language=language,
    )
    for name, value in values.items():
        set_committed_value(response, name, value)


def write_answers(
    session: Session | Statements,
    questionnaire: Questionnaire,
    response: Response | ResponseRow,
    answers: Answers,
    *,
    stored: Answers,
    section_key: str | None = None,
    language: str | None = None,
    origin: SaveOrigin | None = None,
) -> dict[str, object]:
    """Write what save_answers does, for a response or a row; return the columns written.

    ``origin`` says who saved (see origin.py); a save without one (the CLI, a demo) leaves
    "who" unknown.

    The response's revision is raised by one (see merging.py: pages carry the revision they
    were shown at).

    A draft's answers are its answers document. A submitted response (edited through its link)
    also has its Answer rows, which the analysis reads: only the parts that changed are
    written, an upsert for new or changed values, a delete for parts no longer given (an
    unticked box, a cleared text), in the same statement or transaction as the document.
    """
    # Answers that an answer given here hides (on this page or another) are set aside, not
    # cleared, by the rule submission applies (answers.split_hidden); hidden ones come back.
    kept, hidden = split_hidden(questionnaire, {**stored, **answers})
    upserts: list[Upsert] = []
    removed: list[Removal] = []
    if response.status == SUBMITTED:
        # The rows hold what was counted before this save (the stored answers not hidden).
        was_hidden = documents.decode_hidden(getattr(response, "hidden_answers", None))
        counted = {key: parts for key, parts in stored.items() if key not in was_hidden}
        for key in {**counted, **kept}:
            before, parts = counted.get(key, {}), kept.get(key, {})
            upserts += [
                (key, part, value) for part, value in parts.items() if before.get(part) != value
            ]
            removed += [(key, part) for part in before if part not in parts]
    values: dict[str, object] = dict(_profile_columns(questionnaire, kept))
    values["answers_document"] = documents.encode(questionnaire, kept)
    values["hidden_answers"] = documents.encode_hidden(hidden)
    values["updated_at"] = utcnow()
    values["last_section_key"] = (
        section_key if section_key is not None else response.last_section_key
    )
    values["language"] = language if language is not None else response.language
    values["revision"] = (response.revision or 0) + 1
    values["last_saved_browser"] = origin.browser if origin else None
    values["last_saved_device"] = origin.device if origin else None
    values["last_saved_language"] = origin.language if origin else None
    values["unit_editors"] = merging.unit_editors_after(
        questionnaire,
        response.unit_editors,
        origin and origin.editor,
        stored,
        answers,
        origin.browser if origin else None,
    )
    row = {"response_id": response.id, **{f"new_{name}": value for name, value in values.items()}}
    page_writes.write_page(session.connection(), response, upserts, removed, row)
    return values


def _profile_columns(questionnaire: Questionnaire, answers: Answers) -> dict[str, str | None]:
    profile = profile_values(questionnaire, answers)
    return {
        "country": profile.get("country"),
        "region": profile.get("region"),
        "respondent_type": profile.get("respondent_type"),
    }


def submit_response(
    session: Session,
    questionnaire: Questionnaire,
    response: Response,
    language: str,
    now: datetime | None = None,
    *,
    answers: Answers | None = None,
) -> bool:
    """Submit a draft (set hidden answers aside); return False if it was submitted already.

    The answers (``answers`` when the caller has read them in this transaction, otherwise the
    document) are pruned and written out as the response's Answer rows, one per value, which
    the analysis and the exports read from then on.
    """
    if answers is None:
        answers = answers_of(session, response, questionnaire)
    kept, hidden = split_hidden(questionnaire, answers)
    session.execute(delete(Answer).where(Answer.response_id == response.id))
    rows = [
        {"response_id": response.id, "question_key": key, "part_key": part, "value": value}
        for key, parts in kept.items()
        for part, value in parts.items()
    ]
    if rows:
        session.execute(insert(Answer), rows)
    for name, value in _profile_columns(questionnaire, kept).items():
        setattr(response, name, value)
    response.answers_document = documents.encode(questionnaire, kept)
    response.hidden_answers = documents.encode_hidden(hidden)
    response.language = language
    response.revision = (response.revision or 0) + 1
    if response.is_submitted:
        response.updated_at = now or utcnow()
        session.flush()
        return False
    response.status = SUBMITTED
    response.submitted_at = now or utcnow()
    response.updated_at = response.submitted_at
    response.receipt_number = new_receipt_number(questionnaire.key)
    session.flush()
    return True


def save_contact_details(
    session: Session,
    response: Response,
    *,
    name: str,
    email: str,
    job_title: str,
    language: str,
    browser_hash: str | None = None,
) -> None:
    """Store (or clear) the optional personal data of a response, consent given.

    ``browser_hash`` identifies the browser that entered them: only it is shown them again.
    """
    existing = session.scalar(
        select(ContactDetails).where(ContactDetails.response_id == response.id)
    )
    if not (name or email or job_title):
        if existing is not None:
            session.delete(existing)
        return
    if existing is None:
        existing = ContactDetails(response_id=response.id)
        session.add(existing)
    existing.name = name or None
    existing.email = email or None
    existing.job_title = job_title or None
    existing.consented_at = utcnow()
    existing.consent_language = language
    existing.browser_hash = browser_hash
    session.flush()


def last_save(session: Session, response_id: int) -> Row:
    """Return when and by whom a response was last saved (updated_at, last_saved_*)."""
    return session.execute(
        select(
            Response.updated_at,
            Response.last_saved_browser,
            Response.last_saved_device,
            Response.last_saved_language,
        ).where(Response.id == response_id)
    ).one()


def contact_details(session: Session, response: Response) -> ContactDetails | None:
    """Return the personal data of a response, if the respondent gave any."""
    return session.scalar(select(ContactDetails).where(ContactDetails.response_id == response.id))
