"""The rate-limit counters table (one row per limit key and window)."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base


class RateLimitCounter(Base):
    """How many hits one limit key took in its current fixed window, and when the window ends."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    #: Flask-Limiter's key (limit, client address, endpoint); hashed when longer than fits.
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    #: End of the window, in seconds since the epoch (compared with the server's clock).
    expires_at: Mapped[float] = mapped_column(Float)
