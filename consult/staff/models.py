"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from consult.db import Base, UTCDateTime, utcnow


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
        """Identify the session: the account and its session version."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Hash and store a new password (ending every other session)."""
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` is this account's password."""
        return check_password_hash(self.password_hash, password)
