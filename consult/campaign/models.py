"""The campaign "10, 100, 1000 human rights cities and territories by 2030": pledges to join,
the commitments staff offer, the letters of commitment and the yearly progress reports.

A pledge is made on behalf of an institution (a local or regional government, or an
association of them), without an account: like a questionnaire response, it is opened by a
personal link whose token only the institution holds (its SHA-256 is stored here). CISDP staff
verify it; a verified pledge, and only a verified one, is counted and shown publicly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, UTCDateTime, utcnow

#: The states of a pledge. DRAFT: saved by the institution, not yet sent for verification.
#: SUBMITTED: waiting in the staff's verification queue. NEEDS_MORE: staff asked for more
#: (their reason is shown to the institution, which completes and sends it again).
#: VERIFIED: counted and shown publicly. REJECTED: refused, with a reason.
DRAFT = "draft"
SUBMITTED = "submitted"
NEEDS_MORE = "needs_more"
VERIFIED = "verified"
REJECTED = "rejected"
STATUSES = (DRAFT, SUBMITTED, NEEDS_MORE, VERIFIED, REJECTED)
#: The states staff still have to act on (the verification queue).
PENDING = (SUBMITTED,)

#: How a pledge reached CISDP: through the join form, or on paper (entered by staff).
SOURCE_ONLINE = "online"
SOURCE_PAPER = "paper"
SOURCES = (SOURCE_ONLINE, SOURCE_PAPER)

#: Levels of government: the keys of the local-governments questionnaire's institution_type
#: question, so that a pledge pre-filled from a response keeps its value (labels: vocabulary.py).
LEVELS = ("municipality", "intermediary_city", "metropolis", "region_province", "association")
#: Population bands: the keys of the same questionnaire's population_band question.
POPULATION_BANDS = (
    "under_50k",
    "from_50k_to_250k",
    "from_250k_to_1m",
    "from_1m_to_5m",
    "over_5m",
    "not_applicable",
)

#: The key a progress report uses for the institution's commitment in its own words.
OWN_COMMITMENT_KEY = "own"
#: Where a commitment stands, as reported by the institution each year.
PROGRESS_STATUSES = ("not_started", "in_progress", "achieved", "on_hold")

#: Limits of the texts (the forms say so next to the field; the columns hold no more).
NAME_MAX = 200
OWN_COMMITMENT_MAX = 2000
REASON_MAX = 2000
PROGRESS_TEXT_MAX = 1000
OPTION_LABEL_MAX = 300


class CommitmentOption(Base):
    """A commitment an institution can take, in the list staff maintain in three languages."""

    __tablename__ = "campaign_commitment_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key (exports, progress reports), e.g. "local_charter"; never changes.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label_en: Mapped[str] = mapped_column(String(OPTION_LABEL_MAX))
    label_fr: Mapped[str] = mapped_column(String(OPTION_LABEL_MAX))
    label_es: Mapped[str] = mapped_column(String(OPTION_LABEL_MAX))
    #: Order in the join form and on public pages (smallest first).
    position: Mapped[int] = mapped_column(default=0)
    #: An inactive option is no longer offered; pledges that chose it keep it.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def label(self, language: str) -> str:
        """Return the label in ``language`` (English when that one is empty)."""
        return getattr(self, f"label_{language}", None) or self.label_en


class Pledge(Base):
    """An institution's pledge to join the campaign, from draft to verified (or rejected)."""

    __tablename__ = "campaign_pledges"
    __table_args__ = (
        Index("ix_campaign_pledges_status_joined_on", "status", "joined_on"),
        Index("ix_campaign_pledges_normalised_name_country", "normalised_name", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the personal-link token; the token itself is only in the institution's link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: DRAFT, SUBMITTED, NEEDS_MORE, VERIFIED or REJECTED.
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    #: SOURCE_ONLINE or SOURCE_PAPER.
    source: Mapped[str] = mapped_column(String(8), default=SOURCE_ONLINE)

    # The institution (public once verified).
    institution_name: Mapped[str] = mapped_column(String(NAME_MAX))
    #: The name folded for duplicate detection (see consult/campaign/names.py).
    normalised_name: Mapped[str] = mapped_column(String(NAME_MAX))
    #: One of LEVELS.
    level: Mapped[str] = mapped_column(String(32))
    #: ISO 3166-1 alpha-2 (names from CLDR, consult/geography.py).
    country: Mapped[str] = mapped_column(String(2))
    #: One of consult.geography.REGION_KEYS (defaults from the country; correctable).
    region: Mapped[str] = mapped_column(String(32))
    #: One of POPULATION_BANDS, or None when not given.
    population_band: Mapped[str | None] = mapped_column(String(32))
    #: The commitment in the institution's own words (public once verified), "" if none.
    own_commitment: Mapped[str] = mapped_column(String(OWN_COMMITMENT_MAX), default="")
    #: The language the institution used (en, fr, es): its pages and notices are in it.
    language: Mapped[str] = mapped_column(String(8))

    # Who signs (public once verified: a letter of commitment is a public act).
    signatory_name: Mapped[str] = mapped_column(String(NAME_MAX))
    signatory_office: Mapped[str] = mapped_column(String(NAME_MAX))

    # The institutional contact: personal data, never public nor exported without asking.
    contact_name: Mapped[str] = mapped_column(String(NAME_MAX))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    # Staff's side.
    #: One of the first ten: shown as a pioneer city or territory.
    is_pioneer: Mapped[bool] = mapped_column(default=False)
    #: Staff's reason when asking for more or rejecting, shown to the institution.
    decision_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The day the pledge was verified: the institution joined the campaign that day (staff
    #: may give an earlier day for a paper pledge). Milestones are dated by it.
    joined_on: Mapped[date | None] = mapped_column(Date)

    #: The local-governments questionnaire response the institution linked, if any.
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When it was last sent for verification.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised by one on every change: a page carries the revision it was shown at, and a post
    #: from an older one is refused with both versions shown, never silently applied.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: Synthetic data made by `consult demo`, removable in one command.
    is_demo: Mapped[bool] = mapped_column(default=False)

    commitments: Mapped[list[PledgeCommitment]] = relationship(
        back_populates="pledge",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PledgeCommitment.option_id",
    )
    letters: Mapped[list[CommitmentLetter]] = relationship(
        back_populates="pledge",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CommitmentLetter.id",
    )
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="pledge",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProgressReport.year",
    )

    __mapper_args__ = {"version_id_col": revision}

    @property
    def letter(self) -> CommitmentLetter | None:
        """Return the letter of commitment in force (the latest one sent)."""
        return self.letters[-1] if self.letters else None

    @property
    def is_verified(self) -> bool:
        """Tell whether the pledge is verified (counted and public)."""
        return self.status == VERIFIED


class PledgeCommitment(Base):
    """One commitment from the staff's list that a pledge takes."""

    __tablename__ = "campaign_choices"

    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_pledges.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_commitment_options.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    )

    pledge: Mapped[Pledge] = relationship(back_populates="commitments")
    option: Mapped[CommitmentOption] = relationship(lazy="joined")


class CommitmentLetter(Base):
    """A letter of commitment (a PDF checked by content), kept in the app's file store.

    A letter accepted by a join form whose other fields were refused waits for its pledge:
    it is then held by the hash of that form's token (``holding_hash``) and attached when
    the pledge is made, so that the institution does not have to upload it again.
    """

    __tablename__ = "campaign_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_pledges.id", ondelete="CASCADE"), index=True
    )
    #: While no pledge holds it: SHA-256 of the join form's token it was sent with.
    holding_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Its name in the file store (consult/storage.py), e.g. "campaign/letters/12-<hex>.pdf".
    stored_name: Mapped[str] = mapped_column(String(255), unique=True)
    #: The file name the institution gave (shown to staff; never used as a path).
    original_name: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int]
    #: Hex SHA-256 of the content.
    sha256: Mapped[str] = mapped_column(String(64))
    #: Pages counted when the PDF was parsed (None if not counted).
    page_count: Mapped[int | None]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The staff member who uploaded it (a paper pledge), None if the institution did.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    pledge: Mapped[Pledge | None] = relationship(back_populates="letters")


class ProgressReport(Base):
    """A verified institution's yearly report on one of its commitments."""

    __tablename__ = "campaign_progress_reports"
    __table_args__ = (UniqueConstraint("pledge_id", "commitment_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("campaign_pledges.id", ondelete="CASCADE"))
    #: The option's key, or OWN_COMMITMENT_KEY for the commitment in the institution's words.
    commitment_key: Mapped[str] = mapped_column(String(64))
    #: The calendar year reported on.
    year: Mapped[int]
    #: One of PROGRESS_STATUSES.
    status: Mapped[str] = mapped_column(String(16))
    #: A short text in the institution's language (public once verified).
    text: Mapped[str] = mapped_column(String(PROGRESS_TEXT_MAX), default="")
    language: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="reports")


class RetiredPledgeLink(Base):
    """A pledge's personal link that a newer one replaced (consult.campaign.links.reissue).

    Like a response's (consult.questionnaires.models.RetiredLink): whoever still has a page of
    the old link open learns that it was replaced, instead of a bare "page not found". Only the
    hash of the old token is kept; rows go after the same RETIRED_LINK_DAYS
    (``consult questionnaires purge-drafts``, links.purge_retired_pledge_links).
    """

    __tablename__ = "campaign_retired_links"

    #: SHA-256 of the replaced token, as campaign_pledges.token_hash held it.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_pledges.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "staff" (staff sent a new link) or "lost_link" (someone asked for the link again).
    reason: Mapped[str] = mapped_column(String(16))
