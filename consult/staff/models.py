"""Staff accounts, sign-in attempts, the audit log, invitations, region corrections, exports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from consult.db import Base, UTCDateTime, utcnow

#: How long an invitation's link to choose a password works (consult.mail.staff_accounts).
INVITATION_LIFETIME = timedelta(days=7)


class PasswordState(NamedTuple):
    """What an account's password lets happen, and until when: one truth for the account
    page, the account list, the sign-in and the invitation link."""

    #: "own" (chosen by its owner), "invited" (waiting for the invitation link to be used),
    #: "invitation_expired", "one_time" (set or seen by someone else), "one_time_expired".
    kind: str
    #: When the invitation link or the one-time password stops (stopped) working; None if own.
    until: datetime | None

    @property
    def is_expired(self) -> bool:
        """Tell whether nothing opens the account any more but a reset."""
        return self.kind in ("invitation_expired", "one_time_expired")


class User(Base):
    """A CISDP staff member: admin, moderator or analyst."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: "admin", "moderator" or "analyst".
    role: Mapped[str] = mapped_column(String(16))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised whenever the password changes or the account is disabled: older sessions end.
    session_version: Mapped[int] = mapped_column(default=1)
    #: When the current password was set (for accounts older than migration 0900: its time).
    password_set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The current password was set or seen by someone other than the account's owner (the
    #: first admin's, an admin's choice or reset): it opens only the page that replaces it,
    #: and only for a while (STAFF_ONE_TIME_PASSWORD_HOURS after password_set_at).
    is_password_one_time: Mapped[bool] = mapped_column(default=False)
    #: When an e-mail invited the account to choose its password by a link (its password is
    #: then random, never seen): the link, not a password, is its way in, for
    #: INVITATION_LIFETIME. None once any password is set (the link then stops working).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: On an account loaded for a request: the id of the server-side session it acts in
    #: (see consult/staff/sessions.py). Not a column.
    staff_session_id = None
    #: On an account loaded for a request: that session's row. Not a column.
    staff_session = None

    # Flask-Login's interface.
    @property
    def is_authenticated(self) -> bool:
        """Every loaded account is authenticated."""
        return True

    @property
    def is_active(self) -> bool:
        """A disabled account cannot log in."""
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        """Staff accounts are never anonymous."""
        return False

    def get_id(self) -> str:
        """Identify the session: the id of its server-side session (what the cookie carries)."""
        if not self.staff_session_id:
            raise RuntimeError("start a staff session (consult.staff.sessions.start) first")
        return self.staff_session_id

    def set_password(self, password: str, *, one_time: bool) -> None:
        """Hash and store a new password (use consult.staff.operations.set_password, which also
        ends the account's sessions); ``one_time`` when anyone but the owner set or saw it."""
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1
        self.password_set_at = utcnow()
        self.is_password_one_time = one_time
        # Every earlier link to choose a password stops working with the old hash.
        self.invited_at = None

    def one_time_password_expires_at(self, lifetime: timedelta) -> datetime | None:
        """When the one-time password stops opening anything (None if the password is the
        owner's own). An invited account's random password was never seen: it opens nothing,
        and the invitation link is its way in (see password_state)."""
        if not self.is_password_one_time:
            return None
        return self.password_set_at + lifetime

    def password_state(self, lifetime: timedelta, now: datetime | None = None) -> PasswordState:
        """What the password lets happen now: the invitation link's lifetime for an invited
        account, the one-time password's ``lifetime`` for one set or seen by someone else."""
        now = now or utcnow()
        if self.invited_at is not None and self.is_password_one_time:
            until = self.invited_at + INVITATION_LIFETIME
            return PasswordState("invited" if now < until else "invitation_expired", until)
        until = self.one_time_password_expires_at(lifetime)
        if until is None:
            return PasswordState("own", None)
        return PasswordState("one_time" if now < until else "one_time_expired", until)

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` is this account's password."""
        return check_password_hash(self.password_hash, password)


class StaffSession(Base):
    """One signed-in staff session, kept on the server so that it can end for every host.

    The session cookie carries only a random session id; its hash is stored here. Sign-out and
    the inactivity timeout end the row, so a cookie captured earlier opens nothing afterwards,
    whichever worker or host it is replayed to.
    """

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the session id the cookie carries (a copy of the table opens no session).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The account's session_version at sign-in: a password, role or status change ends it.
    user_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last real staff navigation (static files and automatic refreshes do not count).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "logout", "idle", "replaced" (account changed), "revoked" (by an admin).
    end_reason: Mapped[str | None] = mapped_column(String(16))
    #: The address the session signed in from.
    ip: Mapped[str | None] = mapped_column(String(64))


class LoginAttempt(Base):
    """One sign-in attempt, kept for a day so that throttling holds across workers and hosts."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_attempted_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: As typed (normalised): unknown addresses are throttled too, so throttling reveals nothing.
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    is_success: Mapped[bool] = mapped_column(default=False)


class AuditEntry(Base):
    """Who did what, when and from where: sign-ins, exports, settings and account changes."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_action_occurred_at", "action", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The actor's e-mail at the time (or "command line"), kept even if the account goes.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    #: A dotted name such as "login.failure", "export.responses", "user.role_changed".
    action: Mapped[str] = mapped_column(String(64))
    #: What the action was about, e.g. an e-mail address, a country code, an export file.
    target: Mapped[str | None] = mapped_column(String(255))
    #: The client address as the server saw it (behind a proxy, configure ProxyFix).
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Invitation(Base):
    """A personal invitation of one local government to answer a questionnaire."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(64))
    institution_name: Mapped[str] = mapped_column(String(200))
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2))
    #: Given in the imported file; when empty, the country's region in force applies.
    region: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    #: Language of the link (en, fr, es), if the file said.
    language: Mapped[str | None] = mapped_column(String(8))
    #: Public half of the link; the other half is an HMAC of it under the secret key, so that a
    #: copy of the database alone opens no invitation (see consult/staff/invitations.py).
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RegionOverride(Base):
    """A staff correction of the default country -> UCLG region mapping."""

    __tablename__ = "region_overrides"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ExportJob(Base):
    """An export asked for in the workspace, written in the background and downloaded later."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "responses" (or "contributions" once that feature exists).
    kind: Mapped[str] = mapped_column(String(32))
    #: csv, xlsx or json.
    format: Mapped[str] = mapped_column(String(8))
    #: questionnaire, long form, personal data: as asked.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: queued, running, done, failed.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Touched while the writer runs; a job whose heartbeat stops was interrupted.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: File name under <instance>/exports/, once written.
    file_name: Mapped[str | None] = mapped_column(String(255))
    row_count: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
