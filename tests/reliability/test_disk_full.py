"""Disk full: the instance folder on a tiny filesystem (tmpfs with a size limit) that fills up.

Nothing partial is stored, the respondent keeps everything typed and reads a clear message
(503), and the service takes the same requests once space is freed. Skipped, saying why, where
the test cannot mount a filesystem (it needs root or CAP_SYS_ADMIN).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select, text

from consult.db import db
from consult.questionnaires.models import ContactDetails, Response
from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.reliability.harness import answers_for

SIZE = "4m"


@contextlib.contextmanager
def tiny_filesystem(folder: Path) -> Iterator[Path]:
    """Mount a size-limited tmpfs on ``folder``; skip the test if mounting is impossible."""
    folder.mkdir()
    mounted = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            f"size={SIZE},mode=0700",
            f"consult-{uuid.uuid4().hex[:6]}",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {SIZE} tmpfs here ({mounted.stderr.strip() or 'not root'})")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> int:
    """Write a filler file until the filesystem refuses another byte; return its size."""
    written = 0
    with open(folder / "filler", "wb", buffering=0) as filler:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    written += filler.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return written


@pytest.mark.sqlite_only
def test_a_full_disk_keeps_the_input_and_stores_nothing_partial(tmp_path, make_app, findings):
    with tiny_filesystem(tmp_path / "tiny") as disk:
        instance = disk / "instance"
        instance.mkdir()
        app = make_app(
            instance=str(instance), DATABASE_URL=f"sqlite:///{instance / 'consult.sqlite3'}"
        )
        try:
            _fill_and_recover(app, disk, instance, findings)
        finally:
            # The filesystem cannot be unmounted while the engine holds the database open.
            app.extensions["consult.db"].engine.dispose()


def _fill_and_recover(app, disk: Path, instance: Path, findings) -> None:
    """Respond, fill the disk, try to save and submit, free the space, try again."""
    respondent = Respondent(app.test_client())
    respondent.start()
    profile, commitments, articles = answers_for(7)
    assert respondent.save(*profile).status_code == 303
    assert respondent.save(*commitments).status_code == 303
    assert respondent.save(*articles).status_code == 303
    review = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    # An empty WAL: the next write needs new space on the disk, not reused WAL frames.
    with contextlib.closing(sqlite3.connect(instance / "consult.sqlite3")) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler_bytes = fill(disk)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize

    typed = {**articles[1], "q.article_relevance.art03": "somewhat_relevant"}
    saving = respondent.save("articles", typed)
    page = unescape(saving.get_data(as_text=True))
    contact = {
        "contact.name": "Ana Souza",
        "contact.email": "ana@example.org",
        "contact.consent": "yes",
    }
    submitting = respondent.client.post(
        f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review), **contact}
    )
    review_page = unescape(submitting.get_data(as_text=True))
    with app.app_context():
        stored_articles = _article_answers(app)
        status_while_full = db.session.scalar(select(Response.status))
    findings(
        f"tmpfs of {SIZE} filled with {filler_bytes} bytes ({free} left): section save "
        f"answered {saving.status_code}, submit {submitting.status_code}; stored article "
        f"rows {len(stored_articles)} (art03: {stored_articles['art03']}), response "
        f"{status_while_full}"
    )
    assert saving.status_code == 503 and submitting.status_code == 503
    assert "please try again in a moment" in page
    assert 'value="somewhat_relevant" checked' in page
    assert "Nothing is lost: please try again in a moment" in review_page
    assert 'value="Ana Souza"' in review_page
    assert stored_articles == {f"art{n:02d}": "very_relevant" for n in range(1, 13)}
    assert status_while_full == "draft"

    (disk / "filler").unlink()
    saved = respondent.save("articles", typed).status_code
    submitted = respondent.client.post(
        f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review), **contact}
    ).status_code
    with app.app_context():
        stored_articles = _article_answers(app)
        response_status = db.session.scalar(select(Response.status))
        contact_name = db.session.scalar(select(ContactDetails.name))
        integrity = db.session.execute(text("PRAGMA integrity_check")).scalar()
    findings(
        f"space freed: save answered {saved}, submit {submitted}; stored article rows "
        f"{len(stored_articles)} (art03: {stored_articles['art03']}), response "
        f"{response_status}, integrity {integrity}"
    )
    assert (saved, submitted) == (303, 303)
    assert len(stored_articles) == 12 and stored_articles["art03"] == "somewhat_relevant"
    assert response_status == "submitted"
    assert contact_name == "Ana Souza" and integrity == "ok"


def _article_answers(app) -> dict[str, str]:
    (answers,) = answers_in_store(app).values()
    return answers.get("article_relevance", {})
