"""A `limits` storage in the application's database: the ``db://`` scheme, the default.

Flask-Limiter's counters live in the rate_limit_counters table, so a limit holds across every
gunicorn worker, every restart and every host that shares the database (SQLite for one host,
PostgreSQL for several); nothing is counted in one process's memory. Each hit is one atomic
upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL alike) in its
own short transaction: two workers hitting the same key at once both count.

The storage takes the engine from a provider called on every use (create_app registers one
that reads the current app's engine, see use_engine), so one Limiter serves several apps in
one process, and the module stays free of Flask. It supports the fixed-window strategy
(Flask-Limiter's default).

A hit is written in its own transaction, on its own connection. Flask-Limiter counts before
the view runs, and counts ``deduct_when`` limits after it: by then a POST's unit of work that
the view did not commit still holds SQLite's write lock (one writer at a time), so
consult/ratelimits/hooks.py rolls it back first, as the request's end would anyway.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from consult.db import writing
from consult.ratelimits.models import RateLimitCounter

TABLE = RateLimitCounter.__table__
#: Longest key stored as is; longer ones are stored as their SHA-256.
MAX_KEY = 255
#: Expired rows are deleted once every this many hits (per process).
PURGE_EVERY = 500


#: Where the storage finds its engine when none is given (set by use_engine()).
_engine_provider: list[Callable[[], Engine]] = []


def use_engine(provider: Callable[[], Engine]) -> None:
    """Make ``provider`` (called on every use) give the engine of ``db://`` storages."""
    _engine_provider[:] = [provider]


def stored_key(key: str) -> str:
    """Return the key as stored (hashed when too long for the column)."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def count_hit(connection, key: str, expiry: float, now: float | None = None) -> int:
    """Count one hit on ``key`` on the caller's connection (its transaction); return the count
    of the key's window. For counters that must commit or roll back with the caller's work (on
    SQLite, a second connection would wait for the caller's own write lock)."""
    now = time.time() if now is None else now
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(TABLE).values(key=stored_key(key), count=1, expires_at=now + expiry)
    expired = TABLE.c.expires_at <= now
    statement = statement.on_conflict_do_update(
        index_elements=[TABLE.c.key],
        set_={
            "count": case((expired, 1), else_=TABLE.c.count + 1),
            "expires_at": case((expired, now + expiry), else_=TABLE.c.expires_at),
        },
    ).returning(TABLE.c.count)
    return int(connection.execute(statement).scalar_one())


class DatabaseStorage(Storage):
    """Rate-limit counters in the app's database (``db://``)."""

    STORAGE_SCHEME = ["db"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Callable[[], Engine] | Engine | None = None,
        clock: Callable[[], float] = time.time,
        **options,
    ) -> None:
        """``engine`` is an Engine, or a function returning the engine to use now (default: the
        provider given to use_engine)."""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        if engine is None:
            if not _engine_provider:
                raise ValueError("the db:// rate-limit storage has no engine: call use_engine()")
            engine = _engine_provider[0]
        self._engine = engine
        self._clock = clock
        self._hits = itertools.count(1)

    @property
    def engine(self) -> Engine:
        """The engine to use now."""
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What a failing database raises."""
        return SQLAlchemyError

    def _upsert(self, engine: Engine, key: str, expiry: float, amount: int):
        now = self._clock()
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(TABLE).values(key=key, count=amount, expires_at=now + expiry)
        expired = TABLE.c.expires_at <= now
        return statement.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                # Both read the row as it was: a window that ended starts again at ``amount``.
                "count": case((expired, amount), else_=TABLE.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=TABLE.c.expires_at),
            },
        ).returning(TABLE.c.count)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count ``amount`` hits on ``key`` in its window (which ends ``expiry`` s after its
        first hit); return the window's count."""
        engine = self.engine
        with writing(), engine.begin() as connection:
            count = connection.execute(self._upsert(engine, stored_key(key), expiry, amount))
            value = int(count.scalar_one())
            if next(self._hits) % PURGE_EVERY == 0:
                connection.execute(delete(TABLE).where(TABLE.c.expires_at <= self._clock()))
        return value

    def get(self, key: str) -> int:
        """Return the count of ``key``'s current window (0 when it has none)."""
        with self.engine.connect() as connection:
            count = connection.scalar(
                select(TABLE.c.count).where(
                    TABLE.c.key == stored_key(key), TABLE.c.expires_at > self._clock()
                )
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """Return when ``key``'s window ends (seconds since the epoch; now if it has none)."""
        with self.engine.connect() as connection:
            expires_at = connection.scalar(
                select(TABLE.c.expires_at).where(TABLE.c.key == stored_key(key))
            )
        now = self._clock()
        return float(expires_at) if expires_at and expires_at > now else now

    def check(self) -> bool:
        """Tell whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.scalar(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; return how many there were."""
        with writing(), self.engine.begin() as connection:
            return connection.execute(delete(TABLE)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with writing(), self.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.key == stored_key(key)))
