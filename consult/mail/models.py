"""The outbox, the keys that let a respondent find a lost link, and the mail state of invitees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow

#: Outbox states: waiting (or waiting again after a temporary failure), delivered, given up.
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
#: Withdrawn before it went (a reminder whose response was submitted meanwhile).
CANCELLED = "cancelled"
#: Never queued: a message the recipient's own step called for met a daily limit of the
#: public's mail (consult/mail/quota.py). Kept without a body, so that staff see it.
REFUSED = "refused"


class OutboxMessage(Base):
    """One e-mail to send, written in the same transaction as the action that causes it.

    The sender claims a row by setting ``claim_token`` and ``claimed_until`` in one UPDATE that
    only matches unclaimed (or expired) pending rows, so two senders never hold the same row.
    Once delivered, given up or withdrawn, the bodies and the unsubscribe address are cleared
    (outbox.CLEARED): they hold personal links and signed tokens, which the database otherwise
    never keeps in clear. The row (recipient, kind, state, times) goes after MAIL_KEEP_DAYS.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        #: The claim reads due messages in this order (see consult.mail.outbox.claim).
        Index("ix_mail_outbox_state_next_attempt_at_id", "state", "next_attempt_at", "id"),
        Index("ix_mail_outbox_invitation_id", "invitation_id"),
        #: The public's per-recipient budget counts per requester (consult.mail.quota).
        Index(
            "ix_mail_outbox_recipient_email_requester_created_at",
            "recipient_email",
            "requester",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the message is: "personal_link", "receipt", "invitation", "reminder", "test", ...
    kind: Mapped[str] = mapped_column(String(32))
    #: PENDING, SENT, FAILED, CANCELLED or REFUSED.
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    recipient_email: Mapped[str] = mapped_column(String(254))
    #: Display name, one line (see consult.mail.compose.one_line); may be empty.
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    #: en, fr or es: the language the message was written in.
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: The one-click unsubscribe URL (invitations and reminders), sent as List-Unsubscribe.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    #: Made when queued, so that every attempt sends the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: The invitation a message is about (invitations and reminders), for the per-invitee state.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
    #: Who caused a message a public request queued ("response:12", "pledge:3", "client:<ip>"):
    #: each has its own budget per recipient (consult.mail.quota); None for staff and the CLI.
    requester: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not to be tried before this time (grows after each temporary failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Delivery attempts started so far (counted when claimed).
    attempts: Mapped[int] = mapped_column(default=0)
    #: The claim of the sender working on it; the claim lapses at ``claimed_until``.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last failure, as the server said it (or the connection error).
    last_error: Mapped[str | None] = mapped_column(Text)


class AddressKey(Base):
    """A keyed hash (HMAC under the secret key) of an address a respondent gave for a response.

    "Lost your link?" matches the typed address against these; the address itself is kept only
    in the contact details, and only with consent.
    """

    __tablename__ = "mail_address_keys"
    __table_args__ = (Index("ix_mail_address_keys_address_hash", "address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    address_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteeMail(Base):
    """What mail did for one invitation: sent, failed, opened, unsubscribed, reminded."""

    __tablename__ = "mail_invitees"

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True
    )
    #: When the invitation e-mail was last queued (None: never).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a reminder was last queued, and how many so far.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(default=0)
    #: When the invitee first opened the invitation link.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: One-click unsubscribe: no more reminders.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailTemplate(Base):
    """A staff-edited subject and text of a message kind in one language (else the default)."""

    __tablename__ = "mail_templates"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DigestSubscription(Base):
    """A moderator's choice to receive the daily digest of the pending queue."""

    __tablename__ = "mail_digest_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the last digest was queued for this moderator (one a day at most).
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
