"""Open contributions on the Charter, their replies, supports and reports, and moderation.

Personal data (name, e-mail) lives in its own table, apart from the public text, so that it can
be kept out of exports and erased without touching the contribution.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, UTCDateTime, utcnow

KINDS = ("comment", "wording", "new_right", "reflection")
ORGANISATION_TYPES = (
    "civil_society",
    "academia",
    "un_international",
    "local_government",
    "national_government",
    "individual",
    "other",
)
STATUSES = ("pending", "published", "rejected", "hidden", "withdrawn")
REPLY_STATUSES = ("pending", "published", "rejected", "hidden")


class Contribution(Base):
    """A contribution on the Charter as a whole, on one article, or on one part of an article."""

    __tablename__ = "contributions"
    __table_args__ = (
        Index("ix_contributions_status_published_at", "status", "published_at"),
        Index("ix_contributions_article_status", "article", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: comment, wording (proposed wording), new_right (a right the Charter lacks), reflection.
    kind: Mapped[str] = mapped_column(String(16))
    #: art01..art12; None for the Charter as a whole.
    article: Mapped[str | None] = mapped_column(String(8))
    #: rights, obligations, duties or action_plan; None for the whole article.
    part: Mapped[str | None] = mapped_column(String(16))
    #: The contributor's text, verbatim (rendered escaped).
    text: Mapped[str] = mapped_column(Text)
    #: The language the text is written in (en, fr, es, or another ISO 639-1 code).
    language: Mapped[str] = mapped_column(String(8))
    #: The language of the interface the contributor used (status page, messages).
    interface_language: Mapped[str] = mapped_column(String(8), default="en")
    organisation_type: Mapped[str] = mapped_column(String(32))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str | None] = mapped_column(String(2))
    #: UCLG region, defaulted from the country, correctable by the contributor.
    region: Mapped[str | None] = mapped_column(String(32))
    #: pending, published, rejected, hidden, withdrawn.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Why it was rejected or hidden: a key of moderation.REASONS.
    moderation_reason: Mapped[str | None] = mapped_column(String(32))
    #: The moderator's free-text explanation, shown to the contributor on the status page.
    moderation_note: Mapped[str | None] = mapped_column(Text)
    #: True while reports have hidden it automatically and no moderator has decided yet.
    is_hidden_by_reports: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the private status token; the token itself is only in the contributor's link.
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Number of supports ("I agree"), kept with the contribution for lists and sorting.
    support_count: Mapped[int] = mapped_column(default=0)
    #: SHA-256 of the client address with the secret key, for abuse control (never the address).
    address_hash: Mapped[str | None] = mapped_column(String(64))
    #: Synthetic data made by a demo generator, removable in one command.
    is_demo: Mapped[bool] = mapped_column(default=False)

    contributor: Mapped[ContributorDetails | None] = relationship(
        back_populates="contribution", cascade="all, delete-orphan", passive_deletes=True
    )
    replies: Mapped[list[ContributionReply]] = relationship(
        back_populates="contribution",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContributionReply.created_at",
    )
    official_response: Mapped[OfficialResponse | None] = relationship(
        back_populates="contribution", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_published(self) -> bool:
        """Tell whether the public may see it."""
        return self.status == "published"


class ContributorDetails(Base):
    """A contributor's name and e-mail, given with consent; kept apart from the text."""

    __tablename__ = "contributor_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    #: When the contributor agreed to the privacy notice, and in which language it was shown.
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_language: Mapped[str] = mapped_column(String(8))
    #: A separate choice: the name is shown with the contribution only if this is true.
    is_name_public: Mapped[bool] = mapped_column(default=False)

    contribution: Mapped[Contribution] = relationship(back_populates="contributor")


class ContributionReply(Base):
    """A reply to a published contribution (one level: replies have no replies), moderated."""

    __tablename__ = "contribution_replies"
    __table_args__ = (Index("ix_contribution_replies_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    #: How the author signs, shown publicly (optional, typed as a public signature).
    signature: Mapped[str | None] = mapped_column(String(200))
    organisation_type: Mapped[str | None] = mapped_column(String(32))
    #: pending, published, rejected, hidden.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderation_reason: Mapped[str | None] = mapped_column(String(32))
    address_hash: Mapped[str | None] = mapped_column(String(64))
    is_demo: Mapped[bool] = mapped_column(default=False)

    contribution: Mapped[Contribution] = relationship(back_populates="replies")


class OfficialResponse(Base):
    """CISDP's official response to a contribution, written by staff, shown prominently."""

    __tablename__ = "official_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contribution: Mapped[Contribution] = relationship(back_populates="official_response")


class ContributionSupport(Base):
    """One "I agree" from one browser on one contribution."""

    __tablename__ = "contribution_supports"
    __table_args__ = (UniqueConstraint("contribution_id", "supporter_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    #: SHA-256 of the browser's random id cookie with the secret key.
    supporter_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the client address with the secret key: caps supports from one address.
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContributionReport(Base):
    """A report that a published contribution breaks the rules; one per reporter."""

    __tablename__ = "contribution_reports"
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    #: A key of REPORT_REASONS.
    reason: Mapped[str] = mapped_column(String(32))
    #: The reporter's optional explanation (shown to moderators only).
    comment: Mapped[str | None] = mapped_column(Text)
    #: SHA-256 of the browser id (or, without one, the address) with the secret key.
    reporter_hash: Mapped[str] = mapped_column(String(64))
    address_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a moderator decided on the contribution after this report.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationAction(Base):
    """Who did what to which contribution or reply, when and why: the moderation log."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("contribution_replies.id", ondelete="CASCADE"), index=True
    )
    #: The staff member; None when the platform acted by itself (e.g. hidden by reports).
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: submit, approve, reject, hide, restore, withdraw, auto_hide, respond.
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ContributionBand(Base):
    """One LSH band key of a contribution's text: shared keys point at near-duplicates."""

    __tablename__ = "contribution_bands"
    __table_args__ = (Index("ix_contribution_bands_band_key", "band_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    band_key: Mapped[str] = mapped_column(String(24))


class NearDuplicate(Base):
    """A contribution whose text is nearly identical to an earlier one (its near twin)."""

    __tablename__ = "contribution_near_duplicates"
    __table_args__ = (UniqueConstraint("contribution_id", "twin_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The later contribution, flagged in the queue.
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    #: The earlier contribution it resembles.
    twin_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    #: Jaccard similarity of the two texts' 5-character shingles (0..1).
    similarity: Mapped[float]
