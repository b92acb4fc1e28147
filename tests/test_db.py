"""SQLite settings (WAL, synchronous=FULL, busy timeout, IMMEDIATE writes) and the schema lock."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from consult.db import commits_not_waiting_for_the_disk, db, make_engine, writing
from consult.schema import current_revision, head_revision

pytestmark = pytest.mark.sqlite_only


def test_sqlite_runs_in_wal_with_full_sync_and_a_busy_timeout(app):
    with app.app_context():
        session = db.session
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_only_the_transactions_asked_for_commit_without_waiting_for_the_disk(tmp_path):
    """synchronous=NORMAL for the transactions begun inside commits_not_waiting_for_the_disk
    (the mail sender's outcomes), FULL again for the next one on the same connection, and for
    a transaction that had begun before the block (the level cannot change inside one)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sync.sqlite3'}")

    def level(connection) -> int:
        return connection.execute(text("PRAGMA synchronous")).scalar()

    with engine.connect() as connection:
        with connection.begin():
            assert level(connection) == 2  # FULL
        with commits_not_waiting_for_the_disk(), writing(), connection.begin():
            assert level(connection) == 1  # NORMAL
        with connection.begin():
            assert level(connection) == 2
        with connection.begin(), commits_not_waiting_for_the_disk():
            assert level(connection) == 2  # begun before the block: stays FULL
    engine.dispose()


def test_write_transactions_take_the_lock_at_begin(tmp_path):
    """A write unit of work holds the RESERVED lock from BEGIN: a reader-turned-writer elsewhere
    waits instead of failing on the lock upgrade."""
    path = tmp_path / "lock.sqlite3"
    engine = make_engine(f"sqlite:///{path}", busy_timeout_s=0.2)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with writing(), engine.connect() as connection:
        connection.begin()
        connection.execute(text("SELECT count(*) FROM t")).scalar()  # a read first
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # already reserved by the write transaction
        other.close()
        connection.rollback()
    engine.dispose()


def test_reads_do_not_take_the_write_lock(tmp_path):
    path = tmp_path / "read.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as connection:
        connection.begin()
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        other = sqlite3.connect(path, timeout=0)
        other.execute("BEGIN IMMEDIATE")  # free: a read does not reserve
        other.rollback()
        other.close()
        connection.rollback()
    engine.dispose()


def test_init_is_idempotent_and_safe_in_parallel(make_app):
    app = make_app(init=False)
    runner = app.test_cli_runner()
    results = []

    def init() -> None:
        results.append(runner.invoke(args=["init"]))

    threads = [threading.Thread(target=init) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.exit_code for r in results] == [0, 0, 0], [r.output for r in results]
    engine = app.extensions["consult.db"].engine
    assert current_revision(engine) == head_revision(str(engine.url))
