"""Lock: another process holds SQLite's write lock longer than the busy timeout.

The respondent gets the page back with everything typed and a "please try again" message
(503 with Retry-After, never a 500); nothing half-saved is kept; once the lock is gone, the
very same submission goes through. Covers Start, a section page, autosave and Submit.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from html import unescape

import pytest
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Answer, ContactDetails, Response
from tests.conftest import Respondent, csrf_token
from tests.reliability.harness import answers_for

BUSY_TIMEOUT_S = 0.2
HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


class WriteLock:
    """A separate process holding BEGIN IMMEDIATE on a SQLite file until released."""

    def __init__(self, database_file: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, database_file],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "locked"
        self.taken_at = time.monotonic()

    def release(self) -> float:
        """Let go of the lock; return how long it was held."""
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        self.process.wait(timeout=10)
        self.process.stdin.close()
        self.process.stdout.close()
        return time.monotonic() - self.taken_at


def _stored(app):
    with app.app_context():
        return {
            (q, p): v
            for q, p, v in db.session.execute(
                select(Answer.question_key, Answer.part_key, Answer.value)
            )
        }


@pytest.mark.sqlite_only
def test_a_held_write_lock_gives_the_page_back_with_every_answer(make_app, findings):
    app = make_app(SQLITE_BUSY_TIMEOUT=BUSY_TIMEOUT_S)
    database_file = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    respondent = Respondent(app.test_client())
    respondent.start()
    for section, fields in answers_for(1):
        assert respondent.save(section, fields).status_code == 303
    newcomer = app.test_client()
    intro = newcomer.get("/questionnaires/local-governments").get_data(as_text=True)
    start_token = re.search(r'name="start_token" value="([^"]+)"', intro).group(1)
    review = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    before = _stored(app)

    lock = WriteLock(database_file)
    try:
        statuses = {}
        reading = respondent.page("profile")
        statuses["GET page"] = reading.status_code

        typed = {
            **answers_for(1)[0][1],
            "q.institution_name": "Ajuntament de Barcelona",
            "q.respondent_department": "Drets de Ciutadania",
        }
        saving = respondent.save("profile", typed)
        statuses["POST page"] = saving.status_code
        page = unescape(saving.get_data(as_text=True))

        autosaving = respondent.client.post(
            f"/r/{respondent.token}/s/profile/autosave",
            data={"csrf_token": respondent.csrf, **typed},
            headers={"Accept": "application/json"},
        )
        statuses["POST autosave"] = autosaving.status_code

        starting = newcomer.post(
            "/questionnaires/local-governments/start",
            data={"csrf_token": csrf_token(intro), "start_token": start_token},
        )
        statuses["POST start"] = starting.status_code
        start_page = unescape(starting.get_data(as_text=True))

        contact = {
            "contact.name": "Laia Puig",
            "contact.email": "laia@example.org",
            "contact.job_title": "Técnica",
            "contact.consent": "yes",
        }
        submitting = respondent.client.post(
            f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review), **contact}
        )
        statuses["POST review"] = submitting.status_code
        review_page = unescape(submitting.get_data(as_text=True))
        during = _stored(app)
    finally:
        held_s = lock.release()

    changed = len(set(during.items()) ^ set(before.items()))
    findings(
        f"lock held {held_s:.1f} s by another process, busy timeout {BUSY_TIMEOUT_S} s: "
        f"{statuses}; answers changed while locked: {changed}"
    )
    assert statuses == {
        "GET page": 200,
        "POST page": 503,
        "POST autosave": 503,
        "POST start": 503,
        "POST review": 503,
    }
    assert saving.headers["Retry-After"] and submitting.headers["Retry-After"]
    assert "please try again in a moment" in page
    assert 'value="Ajuntament de Barcelona"' in page and 'value="Drets de Ciutadania"' in page
    assert autosaving.get_json() == {"saved": False, "retry": True}
    assert "Please press Start again in a moment" in start_page
    assert f'value="{start_token}"' in start_page
    assert "Nothing is lost: please try again in a moment" in review_page
    assert 'value="Laia Puig"' in review_page and 'value="laia@example.org"' in review_page
    assert during == before  # nothing half-saved

    after = {
        "POST page": respondent.save("profile", typed).status_code,
        "POST start": newcomer.post(
            "/questionnaires/local-governments/start",
            data={"csrf_token": csrf_token(intro), "start_token": start_token},
        ).status_code,
        "POST review": respondent.client.post(
            f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review), **contact}
        ).status_code,
    }
    findings(f"after the lock was released, the same requests answered {after}")
    assert after == {"POST page": 303, "POST start": 303, "POST review": 303}
    assert _stored(app)[("institution_name", "")] == "Ajuntament de Barcelona"
    with app.app_context():
        statuses_stored = sorted(db.session.scalars(select(Response.status)))
        assert statuses_stored == ["draft", "submitted"]
        assert db.session.scalar(select(ContactDetails.name)) == "Laia Puig"
