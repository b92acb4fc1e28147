"""Stored questionnaire versions, responses, their answers and the respondents' contact details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, UTCDateTime, utcnow

#: The two states of a response.
DRAFT = "draft"
SUBMITTED = "submitted"


class QuestionnaireVersion(Base):
    """One version of a questionnaire definition, kept so that its responses stay readable."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The questionnaire's stable key, e.g. "local-governments".
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    #: Hash of the structure; a version with responses may not change it.
    checksum: Mapped[str] = mapped_column(String(64))
    #: The definition as loaded from YAML (texts included).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """A respondent's answers to one questionnaire: a draft until it is submitted."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_questionnaire_status", "questionnaire_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    #: SHA-256 of the resume token; the token itself is only ever in the respondent's link.
    resume_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: DRAFT or SUBMITTED; drafts never count as responses.
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    #: The language the respondent used (en, fr, es).
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Shown on the receipt page, e.g. "LG-7KQ4-M2XD".
    receipt_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: The page the respondent was on or heading to when they last saved: the resume link
    #: leads back there.
    last_section_key: Mapped[str | None] = mapped_column(String(64))
    #: Profile values copied from the answers for filters and coverage without a pivot.
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(32))
    respondent_type: Mapped[str | None] = mapped_column(String(64))
    #: The staff invitation the respondent came through, if any.
    invitation_id: Mapped[int | None]
    #: Raised by one on every save of the answers: a page carries the revision it was shown
    #: at, and a save based on an older one is merged (see merging.py) instead of overwriting
    #: what another browser saved meanwhile.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Who made the last save (see origin.py): a keyed hash of the browser's random id, the
    #: browser and system families ("Firefox/Windows") and the page's language. Shown to
    #: whoever's save conflicts with it; never an address or the full User-Agent.
    last_saved_browser: Mapped[str | None] = mapped_column(String(64))
    last_saved_device: Mapped[str | None] = mapped_column(String(64))
    last_saved_language: Mapped[str | None] = mapped_column(String(8))
    #: Which page last changed each answer unit ("unit=editor,...", the page's random editor
    #: id, see merging.py): a page's own earlier saves (an autosave whose reply was lost) are
    #: never a conflict for it.
    unit_editors: Mapped[str | None] = mapped_column(Text)
    #: Synthetic data made by `consult demo`, removable in one command.
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: The answers as one text (see consult/questionnaires/documents.py). A draft's answers
    #: live here only: a page save rewrites one row. Submitting writes them out as Answer rows
    #: too, which the analysis reads; from then on every save keeps both in step in the same
    #: transaction, and the wide export reads one value per response instead of one row per
    #: answered value. NULL means not built (rows written by other means); readers then fall
    #: back to the Answer rows. Deferred: read where answers are needed (saving or showing a
    #: page, the export), not wherever a response is.
    answers_document: Mapped[str | None] = mapped_column(Text, deferred=True)
    #: Answers to questions that a condition hides now (an earlier answer changed), as JSON
    #: {question: {part: value}}: kept, never destroyed by the hiding, so that they come back
    #: when the condition holds again. Never in the document or the Answer rows, so never
    #: counted nor exported. NULL when nothing is hidden.
    hidden_answers: Mapped[str | None] = mapped_column(Text, deferred=True)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_submitted(self) -> bool:
        """Tell whether the response has been submitted."""
        return self.status == SUBMITTED


class Answer(Base):
    """One value of a submitted response: a question, or one part of it (an option, a matrix
    row, a rank). A draft has none: its answers are its answers document."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_key", "part_key"),
        # The outcomes summary counts closed answers by (question, part, value) in the
        # database; SQLite walks this index instead of sorting (migration 0850).
        Index(
            "ix_answers_question_key_part_key_value",
            "question_key",
            "part_key",
            "value",
            "response_id",
        ).ddl_if(dialect="sqlite"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    #: "" for single-valued questions; the option, row or "other" for questions with parts.
    part_key: Mapped[str] = mapped_column(String(64), default="")
    #: The value verbatim: an option or scale key, "1" for a chosen option, a rank, text, number.
    value: Mapped[str] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class ContactDetails(Base):
    """Personal data a respondent chose to give, kept apart from the answers."""

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    job_title: Mapped[str | None] = mapped_column(String(200))
    #: When the respondent agreed to the privacy notice, and in which language it was shown.
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_language: Mapped[str] = mapped_column(String(8))
    #: Keyed hash of the browser that entered them: only that browser is shown them again.
    browser_hash: Mapped[str | None] = mapped_column(String(64))


class RetiredLink(Base):
    """A personal link that a newer one replaced (consult.staff.invitations.reissue_personal_link).

    Kept so that whoever still has a page of the old link open learns that it was replaced and
    gets back what they were typing, instead of a bare "page not found". Only the hash of the old
    token is kept, never the token; rows go after RETIRED_LINK_DAYS (``consult purge-drafts``),
    after which the old link answers "not found" like any unknown link.
    """

    __tablename__ = "retired_links"

    #: SHA-256 of the replaced token, as responses.resume_token_hash held it.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "staff" (an admin's new link) or "lost_link" (someone asked for the link again).
    reason: Mapped[str] = mapped_column(String(16))


#: Days a replaced personal link still explains itself (the whole of a consultation's run).
RETIRED_LINK_DAYS = 365
