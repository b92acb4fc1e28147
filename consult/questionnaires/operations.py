"""Plain functions that change responses: start, save a page, submit. They flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.questionnaires.answers import Answers, profile_values, prune_hidden
from consult.questionnaires.definition import Questionnaire, structure_checksum
from consult.questionnaires.models import Answer, ContactDetails, QuestionnaireVersion, Response

#: Receipt numbers avoid letters and digits that are easy to confuse (0/O, 1/I).
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECEIPT_PREFIX = {"local-governments": "LG", "partners": "PA"}


class FrozenVersionError(Exception):
    """A version that already has responses was changed without raising its number."""


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


def find_response(session: Session, token: str, *, for_update: bool = False) -> Response | None:
    """Return the response a resume token opens, if any.

    ``for_update`` locks its row until the transaction ends, so that two requests writing the
    same response (an autosave racing the Save button, a double click on Submit) run one after
    the other on PostgreSQL too; SQLite's IMMEDIATE write transactions already do.
    """
    if not token or len(token) > 128:
        return None
    query = select(Response).where(Response.resume_token_hash == hash_token(token))
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


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
    )
    session.add(response)
    session.flush()
    if prefill:
        save_answers(session, questionnaire, response, prefill)
    return response


def stored_answers(session: Session, response: Response) -> Answers:
    """Return a response's answers as question -> {part: value}."""
    answers: Answers = {}
    rows = session.execute(
        select(Answer.question_key, Answer.part_key, Answer.value).where(
            Answer.response_id == response.id
        )
    )
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
) -> None:
    """Replace the stored answers of the questions in ``answers`` (an empty mapping clears one).

    ``stored`` is the response's answers as read in this transaction, when the caller has them
    already; only the questions whose answer changed are rewritten.
    """
    if stored is None:
        stored = stored_answers(session, response)
    changed = [key for key, parts in answers.items() if stored.get(key, {}) != parts]
    if changed:
        session.execute(
            delete(Answer).where(
                Answer.response_id == response.id, Answer.question_key.in_(changed)
            )
        )
        rows = [
            {"response_id": response.id, "question_key": key, "part_key": part, "value": value}
            for key in changed
            for part, value in answers[key].items()
        ]
        if rows:
            session.execute(insert(Answer), rows)  # one executemany, not one ORM object a row
    _set_profile(questionnaire, response, {**stored, **answers})
    if section_key is not None:
        response.last_section_key = section_key
    response.updated_at = utcnow()
    session.flush()


def _set_profile(questionnaire: Questionnaire, response: Response, answers: Answers) -> None:
    profile = profile_values(questionnaire, answers)
    response.country = profile.get("country")
    response.region = profile.get("region")
    response.respondent_type = profile.get("respondent_type")


def submit_response(
    session: Session,
    questionnaire: Questionnaire,
    response: Response,
    language: str,
    now: datetime | None = None,
) -> bool:
    """Submit a draft (prune answers no longer asked); return False if it was submitted already."""
    answers = stored_answers(session, response)
    kept = prune_hidden(questionnaire, answers)
    dropped = [key for key in answers if key not in kept]
    if dropped:
        session.execute(
            delete(Answer).where(
                Answer.response_id == response.id, Answer.question_key.in_(dropped)
            )
        )
    _set_profile(questionnaire, response, kept)
    response.language = language
    if response.is_submitted:
        response.updated_at = now or utcnow()
        session.flush()
        return False
    response.status = "submitted"
    response.submitted_at = now or utcnow()
    response.updated_at = response.submitted_at
    response.receipt_number = new_receipt_number(questionnaire.key)
    session.flush()
    return True


def save_contact_details(
    session: Session, response: Response, *, name: str, email: str, job_title: str, language: str
) -> None:
    """Store (or clear) the optional personal data of a response, consent given."""
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
    session.flush()


def contact_details(session: Session, response: Response) -> ContactDetails | None:
    """Return the personal data of a response, if the respondent gave any."""
    return session.scalar(select(ContactDetails).where(ContactDetails.response_id == response.id))
