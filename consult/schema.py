"""Create or upgrade the database with Alembic, once, even when several processes start at once."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

from consult.db import writing

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Any constant: the PostgreSQL advisory lock that serialises schema upgrades between hosts.
_PG_LOCK_ID = 4_203_011


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for this project's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextlib.contextmanager
def init_lock(engine: Engine, instance_path: str) -> Iterator[None]:
    """Hold the lock that lets one process at a time create, upgrade or seed the database.

    PostgreSQL: a transaction-level advisory lock, so that hosts starting together wait for
    each other; the transaction stays open for the whole initialisation, and whatever happens to
    the process the lock ends with it (a session-level lock could outlive a crashed process on a
    pooled server connection behind PgBouncer in transaction mode).
    SQLite: an exclusive flock on a file in the instance folder (one host by nature).
    Not re-entrant: take it once, around the whole of initialisation.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection, connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
            yield
        return
    Path(instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(Path(instance_path) / ".schema.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    """Return the newest revision of the migrations."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(engine: Engine, instance_path: str, *, locked: bool = False) -> bool:
    """Bring the schema to the newest revision; return True if anything was applied.

    ``locked`` says the caller holds init_lock() already.
    """
    if not locked:
        with init_lock(engine, instance_path):
            return upgrade(engine, instance_path, locked=True)
    url = engine.url.render_as_string(hide_password=False)
    if current_revision(engine) == head_revision(url):
        return False
    config = alembic_config(url)
    with writing(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True
