"""The file store: the instance folder on one host, the database for several."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.db import db
from consult.staff.exporting import wait_for_jobs
from consult.storage import (
    CHUNK_BYTES,
    DatabaseStore,
    InstanceFolderStore,
    StoredFileChunk,
    file_store,
    storage_kind,
)
from tests.conftest import PG_URL
from tests.exports.conftest import store_responses
from tests.staff.test_workspace_exports import ask, finished

SIZES = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + CHUNK_BYTES // 2]


def _stores(app, tmp_path: Path):
    return {
        "instance": InstanceFolderStore(tmp_path / "store"),
        "database": DatabaseStore(app.extensions["consult.db"].engine),
    }


@pytest.mark.parametrize("kind", ["instance", "database"])
@pytest.mark.parametrize("size", SIZES)
def test_a_file_comes_back_byte_for_byte(app, tmp_path: Path, kind: str, size: int) -> None:
    store = _stores(app, tmp_path)[kind]
    content = os.urandom(size)
    source = tmp_path / "written.bin"
    source.write_bytes(content)
    store.save("exports/a.bin", source)
    assert not source.exists()  # moved into the store
    assert store.size("exports/a.bin") == size
    back = b"".join(store.chunks("exports/a.bin"))
    assert hashlib.sha256(back).digest() == hashlib.sha256(content).digest()
    # Saving again under the same name replaces the file whole.
    source.write_bytes(b"second")
    store.save("exports/a.bin", source)
    assert b"".join(store.chunks("exports/a.bin")) == b"second"
    store.delete("exports/a.bin")
    assert store.size("exports/a.bin") is None
    store.delete("exports/a.bin")  # deleting what is gone is fine


def test_the_database_store_keeps_no_chunk_of_a_deleted_file(app, tmp_path: Path) -> None:
    store = _stores(app, tmp_path)["database"]
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(2 * CHUNK_BYTES + 5))
    store.save("exports/big.bin", source)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFileChunk)) == 3
    store.delete("exports/big.bin")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFileChunk)) == 0


@pytest.mark.parametrize("kind", ["instance", "database"])
@pytest.mark.parametrize("name", ["", "/etc/passwd", "../x", "exports/../../x", "a//b", "./a"])
def test_unsafe_names_are_refused(app, tmp_path: Path, kind: str, name: str) -> None:
    source = tmp_path / "x"
    source.write_text("x")
    with pytest.raises(ValueError):
        _stores(app, tmp_path)[kind].save(name, source)


@pytest.mark.parametrize(
    ("setting", "url", "expected"),
    [
        ("auto", "sqlite:///x.sqlite3", "instance"),
        ("auto", "postgresql+psycopg://u@h/d", "database"),
        ("database", "sqlite:///x.sqlite3", "database"),
        ("instance", "postgresql+psycopg://u@h/d", "instance"),
    ],
)
def test_the_storage_follows_the_setting(setting: str, url: str, expected: str) -> None:
    class _App:
        config = {"FILE_STORAGE": setting, "DATABASE_URL": url}

    assert storage_kind(_App()) == expected


def test_an_unknown_storage_is_refused() -> None:
    class _App:
        config = {"FILE_STORAGE": "s3", "DATABASE_URL": "sqlite://"}

    with pytest.raises(RuntimeError):
        storage_kind(_App())


def test_an_export_written_on_one_host_downloads_from_another(app, make_app, login, tmp_path: Path):
    """Two hosts: the same database, each its own empty instance folder, no shared file."""
    first = app
    first.config["FILE_STORAGE"] = "database"
    stored = store_responses(first, per_questionnaire=3)
    other_folder = tmp_path / "second-host"
    other_folder.mkdir()
    second = make_app(
        instance=str(other_folder),
        init=False,
        DATABASE_URL=first.config["DATABASE_URL"],
        FILE_STORAGE="database",
    )
    analyst = first.test_client()
    login(analyst, "admin")
    page = finished(first, analyst, ask(analyst, format="csv"))
    link = re.search(r'href="(/staff/exports/\d+/download/0)"', page).group(1)
    # Nothing of the export is on the first host's disk.
    assert not list(Path(first.instance_path).glob("**/*.csv"))
    other = second.test_client()
    login(other, "admin")
    with other.get(link) as download:
        assert download.status_code == 200
        assert download.headers["Cache-Control"] == "no-store"
        assert int(download.headers["Content-Length"]) == len(download.data)
        rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert len(rows) - 1 == len(stored.submitted)
    with other.get(link[:-1] + "1") as codebook:
        assert codebook.status_code == 200
        assert codebook.data.decode("utf-8-sig").lstrip('"').startswith("column")
    wait_for_jobs(first)


def test_the_default_store_is_the_instance_folder_on_sqlite_only(app) -> None:
    with app.app_context():
        store = file_store()
    assert isinstance(store, DatabaseStore if PG_URL else InstanceFolderStore)
