"""Where the files the app writes live: the instance folder, or the database.

Workspace exports (and any upload a feature keeps) are written once and read later, maybe by
another host. With several hosts there is no folder they all see, so files go into the
database they already share, in chunks of CHUNK_BYTES: no shared disk and no new service to run,
back up or secure, and a file is committed with the job that names it. On one host with SQLite
(the embedded default) files stay in the instance folder, where they do not swell the database
and its backups.

``FILE_STORAGE`` chooses: ``instance`` (the folder), ``database``, or ``auto`` (the default:
the database on PostgreSQL, the folder on SQLite).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow

#: A file is stored as rows of at most this many bytes: reading one never loads a whole file.
CHUNK_BYTES = 1024 * 1024
STORAGES = ("auto", "instance", "database")


class StoredFile(Base):
    """A file kept in the database (FILE_STORAGE=database)."""

    __tablename__ = "stored_files"

    #: The name the feature gave it, e.g. "exports/responses-12-9f3a.csv".
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    size_bytes: Mapped[int]
    #: Hex SHA-256 of the whole content, checked when the file is stored.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredFileChunk(Base):
    """One chunk of a stored file, in order."""

    __tablename__ = "stored_file_chunks"

    file_name: Mapped[str] = mapped_column(
        String(255), ForeignKey("stored_files.name", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FileStore(Protocol):
    """What a feature needs of a place to keep files."""

    def save(self, name: str, source: Path) -> None:
        """Move the local file ``source`` into the store under ``name`` (replacing one)."""

    def size(self, name: str) -> int | None:
        """Return the size of the file ``name``, or None if there is none."""

    def chunks(self, name: str) -> Iterator[bytes]:
        """Yield the file's content in order (after size() said it exists)."""

    def delete(self, name: str) -> None:
        """Forget the file ``name`` (nothing happens if there is none)."""


def _safe_relative(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a safe stored-file name: {name!r}")
    return name


class InstanceFolderStore:
    """Files under a folder of this host (the embedded default, one host)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        """Return where ``name`` lives on disk."""
        return self.folder / _safe_relative(name)

    def save(self, name: str, source: Path) -> None:
        target = self.path(name)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if source.resolve() != target.resolve():
            shutil.move(source, target)

    def size(self, name: str) -> int | None:
        path = self.path(name)
        return path.stat().st_size if path.is_file() else None

    def chunks(self, name: str) -> Iterator[bytes]:
        with open(self.path(name), "rb") as handle:
            while block := handle.read(CHUNK_BYTES):
                yield block

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


def _transaction(engine: Engine, connection: Connection | None):
    """The caller's connection as it is, or a transaction of our own."""
    return contextlib.nullcontext(connection) if connection is not None else engine.begin()


class DatabaseStore:
    """Files in the database, shared by every host that uses it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, name: str, source: Path, connection: Connection | None = None) -> None:
        """Store ``source`` under ``name``; with ``connection``, inside the caller's transaction
        (the file then commits, or rolls back, with the row that names it)."""
        name = _safe_relative(name)
        digest = hashlib.sha256()
        size = 0
        # One transaction: a reader sees the whole file or none of it.
        with _transaction(self.engine, connection) as connection:
            connection.execute(delete(StoredFile).where(StoredFile.name == name))
            connection.execute(
                StoredFile.__table__.insert().values(
                    name=name, size_bytes=0, sha256="", created_at=utcnow()
                )
            )
            with open(source, "rb") as handle:
                seq = 0
                while block := handle.read(CHUNK_BYTES):
                    digest.update(block)
                    size += len(block)
                    connection.execute(
                        StoredFileChunk.__table__.insert().values(
                            file_name=name, seq=seq, data=block
                        )
                    )
                    seq += 1
            connection.execute(
                StoredFile.__table__.update()
                .where(StoredFile.name == name)
                .values(size_bytes=size, sha256=digest.hexdigest())
            )
        source.unlink(missing_ok=True)

    def size(self, name: str) -> int | None:
        with self.engine.connect() as connection:
            return connection.scalar(select(StoredFile.size_bytes).where(StoredFile.name == name))

    def chunks(self, name: str) -> Iterator[bytes]:
        # Chunk by chunk, each in its own short read: a slow download holds no transaction
        # open (which PgBouncer's transaction mode could hand to another client meanwhile).
        seq = 0
        while True:
            with self.engine.connect() as connection:
                block = connection.scalar(
                    select(StoredFileChunk.data).where(
                        StoredFileChunk.file_name == name, StoredFileChunk.seq == seq
                    )
                )
            if block is None:
                return
            yield bytes(block)
            seq += 1

    def delete(self, name: str, connection: Connection | None = None) -> None:
        with _transaction(self.engine, connection) as connection:
            connection.execute(delete(StoredFileChunk).where(StoredFileChunk.file_name == name))
            connection.execute(delete(StoredFile).where(StoredFile.name == name))


def storage_kind(app: Flask) -> str:
    """Return "instance" or "database", resolving FILE_STORAGE=auto by the database."""
    kind = app.config.get("FILE_STORAGE", "auto")
    if kind not in STORAGES:
        raise RuntimeError(f"FILE_STORAGE must be one of {', '.join(STORAGES)}, not {kind!r}")
    if kind == "auto":
        url = str(app.config["DATABASE_URL"])
        return "instance" if url.startswith("sqlite") else "database"
    return kind


def file_store(app: Flask | None = None) -> FileStore:
    """Return the app's file store (the current app's by default)."""
    app = app or current_app._get_current_object()
    if storage_kind(app) == "database":
        return DatabaseStore(app.extensions["consult.db"].engine)
    return InstanceFolderStore(Path(app.instance_path))
