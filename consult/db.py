"""Database plumbing: the declarative base, the engine with its SQLite pragmas, the session."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

#: Names every constraint so that migrations can refer to them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use consult.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Prepared:
    """A Core statement compiled once per dialect, then handed to the driver as it is.

    For the statements every page save runs: SQLAlchemy's work on each execution of a Core
    statement (its cache key, the compiled-cache lookup, the parameters' processing) costs more
    than SQLite's own work on a one-row statement. The driver still gets each parameter
    converted by its type's bind processor for that dialect, as SQLAlchemy would, values given
    in the statement itself included, and errors come as SQLAlchemy's (exec_driver_sql wraps
    them). Not for expanding parameters (IN lists), whose SQL depends on the values. On SQLite
    the driver runs it directly (see _run_on_sqlite): the result then offers one_or_none() and
    rowcount only.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._by_dialect: dict[str, tuple[str, tuple[tuple[str, str | None, Any], ...], bool]] = {}

    def _prepare(self, dialect: Any) -> tuple[str, tuple[tuple[str, str | None, Any], ...], bool]:
        compiled = self.statement.compile(dialect=dialect)
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        positional = bool(compiled.positional)
        names = compiled.positiontup if positional else list(binds)
        # For each parameter the driver gets: its name in the SQL, the key it is given by (None
        # for a value fixed in the statement), and its converter (or the converted value).
        slots = []
        for name in names:
            bind = binds[name]
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                slots.append((name, bind.key, convert))
            else:
                value = bind.effective_value
                slots.append((name, None, value if convert is None else convert(value)))
        prepared = (compiled.string, tuple(slots), positional)
        self._by_dialect[dialect.name] = prepared
        return prepared

    def execute(self, connection: Any, parameters: dict[str, Any]) -> Any:
        """Run the statement on ``connection`` with ``parameters`` (by bindparam key)."""
        dialect = connection.dialect
        sql, slots, positional = self._by_dialect.get(dialect.name) or self._prepare(dialect)
        values = [
            fixed if key is None else parameters[key] if fixed is None else fixed(parameters[key])
            for _name, key, fixed in slots
        ]
        if positional:
            if dialect.name == "sqlite" and not _statements_watched(connection):
                return _run_on_sqlite(connection, sql, tuple(values))
            return connection.exec_driver_sql(sql, tuple(values))
        return connection.exec_driver_sql(
            sql, {name: value for (name, _key, _fixed), value in zip(slots, values, strict=True)}
        )


def _statements_watched(connection: Any) -> bool:
    """Tell whether anything listens to the statements ``connection`` sends (tests, tracing)."""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


class DriverResult:
    """The result of a statement SQLite's driver ran itself: its rows as named tuples."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        """The rows an INSERT, UPDATE or DELETE changed."""
        return self._cursor.rowcount

    def one_or_none(self) -> Any:
        """Return the one row (attributes named like its columns), None if none."""
        found = self._cursor.fetchall()
        if len(found) > 1:
            raise exc.MultipleResultsFound("more than one row where one or none was required")
        if not found:
            return None
        return _row_type(tuple(column[0] for column in self._cursor.description))._make(found[0])

    def one(self) -> Any:
        """Return the one row; raise NoResultFound if there is none."""
        row = self.one_or_none()
        if row is None:
            raise exc.NoResultFound("no row where one was required")
        return row


@functools.cache
def _row_type(names: tuple[str, ...]) -> type:
    return collections.namedtuple("DriverRow", names)


def _run_on_sqlite(connection: Any, sql: str, parameters: tuple) -> DriverResult:
    """Run ``sql`` on the SQLite connection's own cursor, in ``connection``'s transaction.

    What a page save's few statements run through: SQLAlchemy's execution of a driver-level
    statement (its execution context, its result's metadata) costs several times SQLite's own
    work on a one-row statement. Used only while nothing listens to the statements (see
    _statements_watched: a test counting them sees them sent the usual way); errors come as
    SQLAlchemy's, as exec_driver_sql raises them, parameters hidden.
    """
    dbapi = connection.dialect.loaded_dbapi
    try:
        return DriverResult(connection.connection.driver_connection.execute(sql, parameters))
    except dbapi.Error as error:
        raise exc.DBAPIError.instance(
            sql, parameters, error, dbapi.Error, hide_parameters=True, dialect=connection.dialect
        ) from error


#: True while the current unit of work intends to write: SQLite then begins IMMEDIATE, so that
#: a read-then-write transaction never fails on the lock upgrade under several workers.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


#: True while the current unit of work may commit without waiting for the disk, on SQLite (see
#: commits_not_waiting_for_the_disk).
_lazy_commit: contextvars.ContextVar[bool] = contextvars.ContextVar("lazy_commit", default=False)


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    """Set WAL, synchronous=FULL, a busy timeout and IMMEDIATE write transactions."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # The level belongs to the connection and can only change between transactions: set
        # it here, at each BEGIN where it must differ from the connection's current one.
        level = "NORMAL" if _lazy_commit.get() else "FULL"
        info = connection.connection.info
        if info.get("synchronous", "FULL") != level:
            connection.exec_driver_sql(f"PRAGMA synchronous = {level}")
            info["synchronous"] = level
        begin = "BEGIN IMMEDIATE" if _wants_write() else "BEGIN"
        if _statements_watched(connection):
            connection.exec_driver_sql(begin)
        else:
            _run_on_sqlite(connection, begin, ())


def _prepare_sqlite_file(url: str) -> None:
    """Create a SQLite database file (and its folder) private before SQLite does: 0600 and 0700.

    SQLite creates the -wal and -shm files with the database file's permissions, so they are
    private too. An existing file or folder is left as its owner set it.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _forget_connections_of_other_processes(engine: Engine) -> None:
    """Never hand a forked worker a connection its parent opened (SQLAlchemy's recipe for pools
    and multiprocessing): the parent's pooled connections are dropped, not closed, in the child."""

    @event.listens_for(engine, "connect")
    def remember_process(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def check_process(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid", os.getpid()) != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise exc.DisconnectionError("connection opened by another process; reconnecting")


def _drop_connections_out_of_step(engine: Engine) -> None:
    """Treat a connection whose protocol fell out of step as lost, so the pool replaces it.

    While a server or PgBouncer restarts, psycopg can see answers it did not expect ("received 2
    results from command 'BEGIN'", an InternalError) on a connection that looks alive. SQLAlchemy
    only recognises closed connections as lost; this marks the out-of-step ones too, so they are
    thrown away and the request is answered like any other passing outage (503, input kept)."""
    import psycopg

    @event.listens_for(engine, "handle_error")
    def out_of_step(context: Any) -> None:
        # A ProtocolViolation is what PgBouncer sends before it closes the client connection
        # (its server went away, or a request waited longer than query_wait_timeout).
        if isinstance(
            context.original_exception, psycopg.InternalError | psycopg.errors.ProtocolViolation
        ):
            context.is_disconnect = True


def make_engine(url: str, busy_timeout_s: float = 10, transaction_pooling: bool = False) -> Engine:
    """Create an engine for ``url`` with this project's settings for its backend.

    hide_parameters: an error's message never quotes the statement's parameters (answers,
    names, e-mail addresses), whoever logs or shows it. ``transaction_pooling``: PostgreSQL is
    reached through a pooler in transaction mode (PgBouncer): no statement is prepared on the
    server, since the next transaction may run on another server connection where it does not
    exist.
    """
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            hide_parameters=True,
        )
        _configure_sqlite(engine, busy_timeout_s)
    else:
        connect_args = {"prepare_threshold": None} if transaction_pooling else {}
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args=connect_args,
            hide_parameters=True,
        )
        _drop_connections_out_of_step(engine)
    _forget_connections_of_other_processes(engine)
    return engine


def _wants_write() -> bool:
    """Tell whether a transaction begun now is a write: inside writing() or a write request,
    unless this app context read plainly since a failed write (Database.recover)."""
    return _write_intent.get() and not (has_app_context() and g.get("_read_only", False))


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Mark the transactions begun inside this block as writes (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def commits_not_waiting_for_the_disk() -> Iterator[None]:
    """On SQLite, let the transactions begun inside this block commit without an fsync.

    PRAGMA synchronous=NORMAL for those transactions only (WAL mode; the connection is set back
    to FULL at its next BEGIN outside such a block). Such a commit survives the process being
    killed, and can never corrupt the database; only a power cut or a crash of the machine can
    forget it, and then only together with every commit after it until the next FULL one (the
    WAL is written in order: a FULL commit makes the earlier ones durable too). For work that
    can be done again after such a loss: the mail sender's outcomes (consult/mail/outbox.py).
    A transaction already open when the block starts keeps its FULL commit.
    """
    token = _lazy_commit.set(True)
    try:
        yield
    finally:
        _lazy_commit.reset(token)


class _State:
    """The engine and session factory of one app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = sessionmaker(bind=engine, expire_on_commit=False)


class Database:
    """The engine and the request-scoped session of each application."""

    def init_app(self, app: Flask) -> None:
        """Create the engine from the app's configuration and attach the request hooks."""
        engine = make_engine(
            app.config["DATABASE_URL"],
            app.config["SQLITE_BUSY_TIMEOUT"],
            transaction_pooling=bool(app.config.get("DATABASE_TRANSACTION_POOLING")),
        )
        app.extensions["consult.db"] = _State(engine)

        @app.before_request
        def mark_write_intent() -> None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                g._write_intent_token = _write_intent.set(True)

        @app.teardown_appcontext
        def close_session(exc: BaseException | None) -> None:
            try:
                self.end_unit_of_work()
            finally:
                # Undo the write mark of this request, even after a lost server.
                token = g.pop("_write_intent_token", None)
                if token is not None:
                    _write_intent.reset(token)

    @staticmethod
    def end_unit_of_work() -> None:
        """Roll back whatever the current unit of work did not commit and give its connection
        back: one commit per request (at the end of each request), or a save run again."""
        session = g.pop("_db_session", None)
        connection = g.pop("_db_connection", None)
        try:
            if session is not None:
                try:
                    if session.in_transaction():
                        session.rollback()
                finally:
                    session.close()
        finally:
            if connection is not None:
                try:
                    if connection.in_transaction():
                        connection.rollback()
                finally:
                    connection.close()

    @staticmethod
    def _state() -> _State:
        return current_app.extensions["consult.db"]

    @property
    def engine(self) -> Engine:
        """The engine of the current app."""
        return self._state().engine

    @property
    def session(self) -> Session:
        """The session of the current request or app context.

        After connection() began the unit of work without one, the session is made on that
        connection and takes its transaction over: one transaction, one commit, whichever
        asked first.
        """
        if "_db_session" not in g:
            connection = g.get("_db_connection")
            if connection is None:
                g._db_session = self._state().factory()
            else:
                g._db_session = self._state().factory(
                    bind=connection, join_transaction_mode="control_fully"
                )
        return g._db_session

    def connection(self) -> Connection:
        """The connection of the current unit of work, in its transaction (begun if need be).

        For the paths that send statements only (a page save: read the response row, write
        it): no ORM session is made for them, whose bookkeeping around the one connection
        (begun, committed, closed) cost about a tenth of a page save. Once a session exists
        (or is asked for later), everything goes through it, on the same connection.
        """
        session = g.get("_db_session")
        if session is not None:
            return session.connection()
        connection = g.get("_db_connection")
        if connection is None:
            connection = g._db_connection = self._state().engine.connect()
        if not connection.in_transaction():
            connection.begin()
        return connection

    def statements_connection(self) -> Connection | None:
        """The request's connection with each statement committed by itself, or None.

        For a unit of work whose one write is a single statement guarded by what it read (a
        page save on PostgreSQL, see consult.questionnaires.guarded): no BEGIN, no lock, no
        COMMIT, two round trips fewer than a transaction. None when it cannot be had: on SQLite
        (whose write transactions are IMMEDIATE, one writer at a time), or once the unit of
        work has begun. commit() and rollback() give the connection its transactions back.
        """
        if self.is_sqlite or "_db_session" in g or "_db_connection" in g:
            return None
        connection = self._state().engine.connect()
        g._db_connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    @staticmethod
    def _transactions_back(connection: Connection) -> None:
        """End statements_connection()'s mode: what follows runs in one transaction again."""
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            if connection.in_transaction():
                connection.commit()  # each statement committed already: no round trip
            connection.execution_options(isolation_level=connection.default_isolation_level)

    def in_transaction(self) -> bool:
        """Tell whether the current unit of work holds an open transaction."""
        session = g.get("_db_session")
        if session is not None and session.in_transaction():
            return True
        connection = g.get("_db_connection")
        return connection is not None and connection.in_transaction()

    def commit(self) -> None:
        """Commit the unit of work of the current request."""
        session = g.get("_db_session")
        if session is not None or "_db_connection" not in g:
            self.session.commit()
        connection = g.get("_db_connection")
        # A session made on the connection commits its transaction itself; one made on it
        # but never used left it to be committed here.
        if connection is not None:
            if connection.in_transaction():
                connection.commit()
            self._transactions_back(connection)

    def rollback(self) -> None:
        """Roll back the unit of work of the current request."""
        session = g.get("_db_session")
        if session is not None or "_db_connection" not in g:
            self.session.rollback()
        connection = g.get("_db_connection")
        if connection is not None:
            if connection.in_transaction():
                connection.rollback()
            self._transactions_back(connection)

    def start_writing(self) -> None:
        """Before the first write of a request that began by reading (a GET that audits a
        download or a view): end its read transaction, when nothing is pending, and begin the
        next one as a write.

        On SQLite a read transaction cannot become a write once another connection committed
        after it began: the audit entry of a download that took seconds to build, or that
        stored a cache entry on its own connection meanwhile, failed "locked" and the download
        answered 503. Its reads are done; the short write starts from the current data instead,
        waiting for the lock like any other write. A unit of work begun as statements on
        connection() (a page save, a write request already) is left as it is.
        """
        session = g.get("_db_session")
        if session is None or session.new or session.dirty or session.deleted:
            return
        if session.in_transaction():
            session.commit()  # nothing pending: only ends the read transaction

    def recover(self) -> None:
        """Roll back a failed unit of work and read plainly for the rest of the request.

        After a write failed (locked, disk full, server gone) the request may still show the
        page again: its reads must not ask for the write lock that just failed.
        """
        connection = g.get("_db_connection")
        if connection is not None:
            # The session made on it (if any) and the connection are dropped: the rest of
            # the request reads through a fresh session, on a connection from the pool.
            session = g.pop("_db_session", None)
            g.pop("_db_connection")
            try:
                if session is not None:
                    session.close()
            finally:
                try:
                    if connection.in_transaction():
                        connection.rollback()
                except Exception:  # noqa: BLE001 - the connection may be gone; it is replaced
                    connection.invalidate()
                finally:
                    connection.close()
        session = g.get("_db_session")
        if session is not None:
            try:
                session.rollback()
            except Exception:  # noqa: BLE001 - the connection may be gone; it is replaced
                session.close()
        # A mark on this app context, not on the context variable: a token set here would be
        # reset after the writing() block around it ended and bring its write intent back for
        # whatever ran next in the thread (a test's later reads took the write lock).
        g._read_only = True

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the configured database is SQLite."""
        return self.engine.dialect.name == "sqlite"


db = Database()
