"""Consistent backups while the app serves, and restores that prove themselves.

SQLite: the online backup API copies the database as one read transaction sees it (writers go
on meanwhile, thanks to WAL); never a raw copy of a file that may be half-written.
PostgreSQL: pg_dump in custom format, run inside a snapshot this module exported, so that the
manifest's figures describe exactly what the dump holds.

Every backup gets a manifest next to it (``<backup>.manifest.json``): format, schema revision,
and the rows and checksum of every table. A restore refuses a database that holds data unless
forced, and checks the restored database against the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError

from consult.db import make_engine, utcnow
from consult.maintenance.tables import TableFigures, holds_data, inventory, schema_revision
from consult.maintenance.transfer import snapshot

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    """A backup or restore cannot be made as asked."""


@dataclass
class Manifest:
    """What a backup holds, written next to it."""

    format: str
    created_at: str
    revision: str | None
    tables: dict[str, TableFigures] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise the manifest."""
        return json.dumps(
            {
                "format": self.format,
                "created_at": self.created_at,
                "revision": self.revision,
                "tables": {
                    name: {"rows": f.rows, "checksum": f.checksum}
                    for name, f in self.tables.items()
                },
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        """Read a manifest."""
        data = json.loads(raw)
        return cls(
            format=data["format"],
            created_at=data["created_at"],
            revision=data.get("revision"),
            tables={
                name: TableFigures(rows=f["rows"], checksum=f["checksum"])
                for name, f in data.get("tables", {}).items()
            },
        )


def manifest_path(backup: Path) -> Path:
    """Return where the manifest of ``backup`` lives."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def sqlite_path(url: str | URL) -> Path:
    """Return the file of a SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def backup_format(path: Path) -> str:
    """Tell a backup's format from its first bytes: "sqlite" or "pg_dump"."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump custom-format file")


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish(partial: Path, out: Path, manifest: Manifest) -> None:
    """Move a finished backup into place, then its manifest, both durably."""
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, out)
    manifest_partial = out.with_name(f".{out.name}.manifest.partial")
    manifest_partial.write_text(manifest.to_json() + "\n")
    os.replace(manifest_partial, manifest_path(out))
    _fsync_directory(out.parent)


def _integrity_check(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
    if result != ["ok"]:
        raise BackupError(f"integrity check of {path} failed: {'; '.join(result[:5])}")


def _sqlite_manifest(path: Path) -> Manifest:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with snapshot(engine) as reading:
            return Manifest(
                format="sqlite",
                created_at=utcnow().isoformat(),
                revision=schema_revision(reading),
                tables=inventory(reading),
            )
    finally:
        engine.dispose()


def backup_sqlite(url: str | URL, out: Path, busy_timeout_s: float = 10) -> Manifest:
    """Copy a live SQLite database to ``out`` with the online backup API; return its manifest."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=busy_timeout_s)
    destination = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, i.e. inside one read transaction: a
        # consistent snapshot even while workers keep writing (WAL lets them).
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        destination.close()
        source.close()
    try:
        _integrity_check(partial)
        manifest = _sqlite_manifest(partial)
        _publish(partial, out, manifest)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def find_program(name: str, variable: str) -> str:
    """Find a PostgreSQL client program: $<variable>, the folder of $CONSULT_PG_DUMP, or PATH."""
    configured = os.environ.get(variable)
    if configured:
        return configured
    dump = os.environ.get("CONSULT_PG_DUMP")
    if dump and (Path(dump).parent / name).exists():
        return str(Path(dump).parent / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client or set {variable} to its path"
        )
    return found


def _libpq_environment(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore, the password in the environment (not argv)."""
    environment = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    environment.update({key: value for key, value in settings.items() if value})
    return environment


def _run(arguments: list[str], url: URL) -> None:
    completed = subprocess.run(
        arguments, env=_libpq_environment(url), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BackupError(
            f"{Path(arguments[0]).name} failed ({completed.returncode}): "
            + completed.stderr.strip()[-2000:]
        )


def backup_postgres(engine: Engine, out: Path) -> Manifest:
    """Dump a live PostgreSQL database with pg_dump (custom format); return its manifest."""
    pg_dump = find_program("pg_dump", "CONSULT_PG_DUMP")
    url = engine.url
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        with snapshot(engine) as reading:
            # pg_dump reads the very snapshot the manifest's figures come from.
            snapshot_id = reading.scalar(text("SELECT pg_export_snapshot()"))
            manifest = Manifest(
                format="pg_dump",
                created_at=utcnow().isoformat(),
                revision=schema_revision(reading),
                tables=inventory(reading),
            )
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={partial}",
                ],
                url,
            )
        _publish(partial, out, manifest)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def backup(engine: Engine, out: Path, busy_timeout_s: float = 10) -> Manifest:
    """Back up the database of ``engine`` to ``out`` (refusing to overwrite a file)."""
    if out.exists():
        raise BackupError(f"{out} exists already; choose a new file name")
    if not out.parent.is_dir():
        raise BackupError(f"no folder {out.parent}")
    if engine.dialect.name == "sqlite":
        return backup_sqlite(engine.url, out, busy_timeout_s)
    if engine.dialect.name == "postgresql":
        return backup_postgres(engine, out)
    raise BackupError(f"backups of {engine.dialect.name} databases are not supported")


@dataclass
class RestoreReport:
    """What a restore found: the figures it checked and whether they match the manifest."""

    format: str
    tables: dict[str, TableFigures]
    expected: dict[str, TableFigures] | None
    integrity: str

    @property
    def mismatches(self) -> list[str]:
        """Tables whose rows or checksum differ from the manifest."""
        if self.expected is None:
            return []
        names = set(self.expected) | set(self.tables)
        return sorted(n for n in names if self.expected.get(n) != self.tables.get(n))


def read_manifest(backup_file: Path) -> Manifest | None:
    """Return the manifest written next to a backup, if it is there."""
    path = manifest_path(backup_file)
    return Manifest.from_json(path.read_text()) if path.exists() else None


def occupied_tables(engine: Engine) -> dict[str, int]:
    """Return the tables of ``engine``'s database that hold rows."""
    with snapshot(engine) as reading:
        return holds_data(reading)


def restore(
    engine: Engine, backup_file: Path, *, force: bool = False, instance_path: str
) -> RestoreReport:
    """Restore ``backup_file`` into the database of ``engine``, then check what it holds."""
    kind = backup_format(backup_file)
    occupied = occupied_tables(engine)
    if occupied and not force:
        raise BackupError(
            "the database is not empty ("
            + ", ".join(f"{name}: {rows} rows" for name, rows in occupied.items())
            + "); restore into an empty database, or pass --force to replace its content"
        )
    manifest = read_manifest(backup_file)
    target = engine.dialect.name
    if kind == "sqlite" and target == "sqlite":
        _restore_sqlite(engine, backup_file)
    elif kind == "pg_dump" and target == "postgresql":
        _restore_postgres(engine, backup_file)
    elif kind == "sqlite" and target == "postgresql":
        _restore_sqlite_into_postgres(engine, backup_file, instance_path)
    else:
        raise BackupError(
            "a pg_dump backup restores into PostgreSQL only: restore it into a PostgreSQL "
            "database, then copy that with `consult migrate-to sqlite:///...`"
        )
    if manifest is None and kind == "sqlite":
        manifest = _sqlite_manifest(backup_file)
    return _check(engine, kind, manifest)


def _restore_sqlite(engine: Engine, backup_file: Path) -> None:
    engine.dispose()
    _integrity_check(backup_file)
    source = sqlite3.connect(backup_file)
    destination = sqlite3.connect(sqlite_path(engine.url), timeout=30)
    try:
        # The backup API replaces the target's pages as one write transaction: readers see the
        # old database or the restored one, never a mixture.
        source.backup(destination, pages=-1)
    finally:
        destination.close()
        source.close()


def _restore_postgres(engine: Engine, backup_file: Path) -> None:
    pg_restore = find_program("pg_restore", "CONSULT_PG_RESTORE")
    engine.dispose()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={engine.url.database}",
            str(backup_file),
        ],
        engine.url,
    )


def _restore_sqlite_into_postgres(engine: Engine, backup_file: Path, instance_path: str) -> None:
    from consult.maintenance.transfer import copy_database

    source = make_engine(f"sqlite:///{backup_file}")
    try:
        proofs = copy_database(source, engine, instance_path=instance_path, replace=True)
    finally:
        source.dispose()
    wrong = [p.table for p in proofs if not p.matches]
    if wrong:
        raise BackupError(f"the copy differs from the backup in: {', '.join(wrong)}")


def _check(engine: Engine, kind: str, manifest: Manifest | None) -> RestoreReport:
    with snapshot(engine) as reading:
        figures = inventory(reading)
        if engine.dialect.name == "sqlite":
            rows = [r[0] for r in reading.execute(text("PRAGMA integrity_check"))]
            integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
        else:
            integrity = _postgres_consistency(reading)
    return RestoreReport(
        format=kind,
        tables=figures,
        expected=manifest.tables if manifest is not None else None,
        integrity=integrity,
    )


def _postgres_consistency(reading: Any) -> str:
    """Check every B-tree index with amcheck when it is installed; otherwise say so."""
    installed = reading.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'"))
    if not installed:
        return "ok (counts and checksums; amcheck not installed)"
    indexes = reading.scalars(
        text(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = current_schema()"
        )
    ).all()
    try:
        with reading.begin_nested():
            for index in indexes:
                reading.execute(
                    text("SELECT bt_index_check(CAST(:index AS regclass))"), {"index": index}
                )
    except DBAPIError as exc:
        if "permission denied" in str(exc.orig).lower():
            return "ok (counts and checksums; no permission to run amcheck)"
        return f"amcheck failed: {str(exc.orig).strip()}"
    return f"ok (amcheck: {len(indexes)} indexes)"
