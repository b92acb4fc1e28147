"""Single-use tokens: a token id is spent once, atomically, on every worker and host.

A form that must not be replayed (the contribution form's fill-time token) carries a random
id; spending it inserts the id into used_tokens, whose primary key refuses a second insert,
so two workers racing on the same token accept it once. Ids are kept until the token could
no longer be accepted anyway, then deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class UsedToken(Base):
    """A spent single-use token id, kept until the token expires."""

    __tablename__ = "used_tokens"

    #: "<purpose>:<random id>".
    token_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def is_spent(session: Session, purpose: str, token_id: str) -> bool:
    """Tell whether a token id was already spent."""
    return session.get(UsedToken, f"{purpose}:{token_id}") is not None


def spend(session: Session, purpose: str, token_id: str, keep_for: timedelta) -> bool:
    """Spend a token id in the caller's transaction; False if it was spent before.

    The insert runs in a savepoint, so a refused second spend leaves the caller's unit of
    work intact. Expired ids are deleted on the way.
    """
    now = utcnow()
    session.execute(delete(UsedToken).where(UsedToken.expires_at < now))
    key = f"{purpose}:{token_id}"
    if session.scalar(select(UsedToken.token_id).where(UsedToken.token_id == key)):
        return False
    try:
        with session.begin_nested():
            session.add(UsedToken(token_id=key, expires_at=now + keep_for))
    except IntegrityError:
        return False
    return True
