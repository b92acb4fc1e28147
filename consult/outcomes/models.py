"""Frozen outcome snapshots, their publication and who may publish, the quotes bank, and the
shared summary cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow

#: The longest label of a snapshot (its column, and the freeze form's limit).
SNAPSHOT_LABEL_MAX = 200


class SnapshotImmutableError(Exception):
    """A frozen snapshot was about to be changed or deleted."""


class OutcomeSnapshot(Base):
    """The outcomes frozen at a moment: the summary, and exactly which responses it covers.

    A snapshot never changes once written (an ORM update or delete raises); publishing it is a
    separate record, OutcomePublication.
    """

    __tablename__ = "outcome_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A name for staff, e.g. "Working session, 23 February 2022".
    label: Mapped[str] = mapped_column(String(SNAPSHOT_LABEL_MAX))
    #: When the freeze was made.
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The data time: responses submitted up to this moment are covered.
    data_as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The time zone the staff chose for showing the data time (IANA name, e.g. Europe/Paris).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Kept as text so that the record says who froze it even if the account goes.
    frozen_by_email: Mapped[str] = mapped_column(String(254))
    #: Submitted responses covered.
    response_count: Mapped[int]
    #: The covered response ids: sorted, as ranges ("1-40,42"), zlib-compressed.
    response_ids: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of the ids as ranges, to check the stored set was not altered.
    response_ids_sha256: Mapped[str] = mapped_column(String(64))
    #: The summary as computed at the freeze (JSON text, kept byte for byte).
    summary_json: Mapped[str] = mapped_column(Text)
    summary_sha256: Mapped[str] = mapped_column(String(64))


@event.listens_for(OutcomeSnapshot, "before_update")
def _refuse_update(_mapper, _connection, target: OutcomeSnapshot) -> None:
    raise SnapshotImmutableError(f"snapshot {target.id} is frozen and cannot change")


@event.listens_for(OutcomeSnapshot, "before_delete")
def _refuse_delete(_mapper, _connection, target: OutcomeSnapshot) -> None:
    raise SnapshotImmutableError(f"snapshot {target.id} is frozen and cannot be deleted")


class OutcomePublication(Base):
    """An admin's explicit act of showing a snapshot at /outcomes, and its withdrawal."""

    __tablename__ = "outcome_publications"
    __table_args__ = (Index("ix_outcome_publications_withdrawn_at", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("outcome_snapshots.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_email: Mapped[str] = mapped_column(String(254))
    #: Set when another snapshot replaced it or an admin withdrew it.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_email: Mapped[str | None] = mapped_column(String(254))


class OutcomePublisher(Base):
    """A staff member an administrator let publish and withdraw the public outcomes."""

    __tablename__ = "outcome_publishers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Kept as text so that the record says who granted it even if that account goes.
    granted_by_email: Mapped[str] = mapped_column(String(254))


class OutcomeQuote(Base):
    """A text answer or a published contribution that staff starred for the deck."""

    __tablename__ = "outcome_quotes"
    __table_args__ = (
        UniqueConstraint("response_id", "question_key"),
        UniqueConstraint("contribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "answer" (a text answer of a submitted response) or "contribution".
    source: Mapped[str] = mapped_column(String(16))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_key: Mapped[str | None] = mapped_column(String(64))
    #: A published contribution (no foreign key: that feature may live in another module).
    contribution_id: Mapped[int | None]
    #: The quoted text, copied verbatim when starred.
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    #: Region and respondent type, to attribute the quote without naming anyone.
    region: Mapped[str | None] = mapped_column(String(32))
    respondent_type: Mapped[str | None] = mapped_column(String(64))
    questionnaire_key: Mapped[str | None] = mapped_column(String(64))
    starred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    starred_by_email: Mapped[str] = mapped_column(String(254))
    #: 1, 2 or 3: shown in the deck in that order; None: kept in the bank only.
    deck_position: Mapped[int | None]


class OutcomeSummaryCache(Base):
    """A computed summary (or its rendered page) shared by every worker and host, valid for
    one data version."""

    __tablename__ = "outcome_summary_cache"

    #: Hash of what was computed: the filters, the summary format (and language, for pages).
    cache_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: "summary" (JSON) or "html" (the rendered figures of the summary page).
    kind: Mapped[str] = mapped_column(String(16), default="summary")
    #: What the data looked like (counts and last change); another version means recompute.
    data_version: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Seconds the computation took, shown to staff.
    compute_seconds: Mapped[float] = mapped_column(default=0.0)
