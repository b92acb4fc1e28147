"""What the fault and load tests drive: `consult serve` in a subprocess, respondents over HTTP,
scratch PostgreSQL databases, and checks made straight on the database.

Everything stays on the loopback interface and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from consult.db import make_engine
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.operations import hash_token
from tests.ports import free_port  # noqa: F401 - the harness's servers take their ports here

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL")
HEAVY = os.environ.get("CONSULT_HEAVY_TESTS") == "1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_RE = re.compile(r'name="start_token" value="([^"]+)"')
COUNTRIES = ["MX", "FR", "KR", "ES", "BR", "SN", "AT", "NL", "ZA", "IN"]
#: The answer rows one respondent's complete response holds (see answers_for()).
ANSWER_ROWS = 21


def consult_command(*arguments: str) -> list[str]:
    """Return the argv that runs `consult ...` with this interpreter."""
    return [sys.executable, "-c", "from consult.cli import main; main()", *arguments]


def server_environment(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a `consult` process on ``instance`` and ``database_url``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONSULT_") or key in ("CONSULT_PG_DUMP", "CONSULT_PG_RESTORE")
    }
    environment.update(
        {
            "CONSULT_INSTANCE_PATH": str(instance),
            "CONSULT_DATABASE_URL": database_url,
            # Loopback clients share one address: rate limits would measure the test, not the app.
            "CONSULT_RATELIMIT_ENABLED": "false",
            "CONSULT_ADMIN_EMAIL": "first-admin@cisdp.test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    environment.update(extra)
    return environment


def is_healthy(address: tuple[str, int]) -> bool:
    """Tell whether the server at ``address`` answers 200 on /healthz now."""
    connection = http.client.HTTPConnection(*address, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class Server:
    """`consult serve` in its own process group, logging to files."""

    def __init__(
        self,
        instance: Path,
        database_url: str,
        workers: int = 2,
        arguments: tuple[str, ...] = (),
        port: int = 0,
        **environment: str,
    ) -> None:
        self.instance = instance
        self.arguments = arguments
        #: A port to keep across restarts (0: a free one at each start).
        self.fixed_port = port
        #: Where the process starts (a release's folder runs that release's code).
        self.cwd: Path | None = None
        self.database_url = database_url
        self.workers = workers
        self.environment = server_environment(instance, database_url, **environment)
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = instance.parent / f"{instance.name}-server-{uuid.uuid4().hex[:6]}.log"

    @property
    def address(self) -> tuple[str, int]:
        """Host and port the server listens on."""
        return ("127.0.0.1", self.port)

    def start(self, wait: bool = True) -> Server:
        """Start gunicorn and (by default) wait until /healthz answers 200."""
        self.port = self.fixed_port or free_port()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                consult_command(
                    "serve",
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "5",
                    *self.arguments,
                ),
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.cwd,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Wait until /healthz answers 200 (bounded)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"consult serve exited early:\n{self.log()[-3000:]}")
            if is_healthy(self.address):
                return
            time.sleep(0.1)
        raise RuntimeError(f"consult serve not ready after {timeout_s}s:\n{self.log()[-3000:]}")

    def kill_hard(self) -> None:
        """kill -9 the whole process group: the master and every worker at once."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then hard if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill_hard()
        # Workers of a killed master may linger a moment; make sure none is left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log(self) -> str:
        """Return what the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def access_lines(self) -> list[dict]:
        """Return the server's JSON access lines."""
        lines = []
        for line in self.log().splitlines():
            if line.startswith("{") and '"event":"request"' in line:
                lines.append(json.loads(line))
        return lines


@dataclass
class Tally:
    """What the clients saw, shared between threads."""

    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    acknowledged: dict[str, int] = field(default_factory=dict)
    started: dict[str, int] = field(default_factory=dict)
    #: Seconds each answered request took (the benchmark reads them).
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self, code: int, seconds: float = 0.0) -> None:
        """Count one answered request."""
        with self.lock:
            self.statuses[code] += 1
            self.latencies.append(seconds)

    def failure(self, kind: str) -> None:
        """Count one request that got no answer (connection refused or reset)."""
        with self.lock:
            self.failures[kind] += 1

    @property
    def requests(self) -> int:
        """Requests that got an answer."""
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for code, n in self.statuses.items() if code >= 500)


def answers_for(index: int) -> list[tuple[str, dict[str, str | list[str]]]]:
    """Return the sections a respondent saves, in order, with their fields (ANSWER_ROWS rows)."""
    return [
        (
            "profile",
            {
                "q.institution_name": f"Ville {index}",
                "q.country": COUNTRIES[index % len(COUNTRIES)],
                "q.institution_type": "municipality",
                "q.population_band": "from_50k_to_250k",
                "q.respondent_department": f"Département {index}",
            },
        ),
        (
            "commitments",
            {
                "q.charter_2011_adopted": "no",
                "q.hr_elements": ["human_rights_office", "ombudsperson"],
            },
        ),
        (
            "articles",
            {f"q.article_relevance.art{n:02d}": "very_relevant" for n in range(1, 13)},
        ),
    ]


class HttpRespondent:
    """One respondent's browser without JavaScript, over a keep-alive HTTP connection."""

    def __init__(self, address: tuple[str, int], tally: Tally, timeout_s: float = 30) -> None:
        self.address = address
        self.tally = tally
        self.timeout_s = timeout_s
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.token = ""

    def request(
        self, method: str, path: str, fields: dict | None = None
    ) -> tuple[int, dict[str, str], str]:
        """Send one request; return status, headers and body (connection errors propagate)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(*self.address, timeout=self.timeout_s)
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            reply = self.connection.getresponse()
            content = reply.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.tally.status(reply.status, time.perf_counter() - began)
        if reply.headers.get("Connection", "").lower() == "close":
            self.close()
        return reply.status, dict(reply.headers), content

    def close(self) -> None:
        """Drop the connection."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def start(self, questionnaire: str = "local-governments") -> str:
        """Open the introduction and press Start; return the resume token."""
        status, _, page = self.request("GET", f"/questionnaires/{questionnaire}")
        assert status == 200, status
        self.csrf = CSRF_RE.search(page).group(1)
        start_token = START_RE.search(page).group(1)
        status, headers, _ = self.request(
            "POST",
            f"/questionnaires/{questionnaire}/start",
            {"csrf_token": self.csrf, "start_token": start_token},
        )
        assert status == 303, status
        self.token = headers["Location"].rsplit("/r/", 1)[1]
        return self.token

    def save(self, section: str, answers: dict) -> int:
        """Save one section (action next); return the status."""
        fields = {"csrf_token": self.csrf, "action": "next", **answers}
        status, _, _ = self.request("POST", f"/r/{self.token}/s/{section}", fields)
        return status

    def submit(self, receipt_email: str = "") -> int:
        """Press Submit on the review page (asking for a receipt by e-mail when given an
        address); return the status."""
        fields = {"csrf_token": self.csrf}
        if receipt_email:
            fields["mail.receipt_email"] = receipt_email
        status, headers, _ = self.request("POST", f"/r/{self.token}/review", fields)
        if status == 303:
            assert headers["Location"].endswith("/receipt"), headers["Location"]
        return status


def respond(address: tuple[str, int], tally: Tally, index: int) -> str | None:
    """Go through a whole response; return its token once the submission is acknowledged.

    Every token is recorded as started before anything is saved, so that the checks can tell
    acknowledged, unacknowledged and unknown responses apart.
    """
    respondent = HttpRespondent(address, tally)
    try:
        token = respondent.start()
        with tally.lock:
            tally.started[token] = index
        for section, answers in answers_for(index):
            status = respondent.save(section, answers)
            if status != 303:
                return None
        if respondent.submit() != 303:
            return None
        with tally.lock:
            tally.acknowledged[token] = index
        return token
    except (OSError, http.client.HTTPException) as exc:
        tally.failure(type(exc).__name__)
        if isinstance(exc, ConnectionRefusedError):
            time.sleep(0.05)  # the server is down: do not spin
        return None
    finally:
        respondent.close()


def run_clients(
    address: tuple[str, int],
    tally: Tally,
    *,
    respondents: int,
    clients: int,
    stop: threading.Event | None = None,
    deadline_s: float = 300,
) -> float:
    """Run ``respondents`` responses from ``clients`` threads; return the seconds it took."""
    counter = iter(range(respondents))
    counter_lock = threading.Lock()
    stop = stop or threading.Event()
    deadline = time.monotonic() + deadline_s

    def client() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            with counter_lock:
                index = next(counter, None)
            if index is None:
                return
            respond(address, tally, index)

    began = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 5))
    return time.monotonic() - began


def response_states(database_url: str) -> dict[str, tuple[str, int]]:
    """Return, by resume-token hash, each stored response's status and number of answer rows."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Response.resume_token_hash, Response.status, func.count(Answer.id))
                .outerjoin(Answer, Answer.response_id == Response.id)
                .group_by(Response.id, Response.resume_token_hash, Response.status)
            )
            return {token_hash: (status, count) for token_hash, status, count in rows}
    finally:
        engine.dispose()


@dataclass
class Verdict:
    """How the stored responses compare with what the clients were told."""

    acknowledged_present: int
    acknowledged_missing: list[str]
    submitted: int
    submitted_incomplete: int
    unacknowledged_submitted: int
    unacknowledged_absent_or_draft: int


def verify_responses(database_url: str, tally: Tally) -> Verdict:
    """Check every acknowledged submission is stored whole, and no submitted one is partial."""
    states = response_states(database_url)
    missing = [
        token
        for token in tally.acknowledged
        if states.get(hash_token(token)) != ("submitted", ANSWER_ROWS)
    ]
    submitted = [(s, n) for s, n in states.values() if s == "submitted"]
    unacknowledged = [t for t in tally.started if t not in tally.acknowledged]
    unack_submitted = [
        t for t in unacknowledged if states.get(hash_token(t), ("absent",))[0] == "submitted"
    ]
    return Verdict(
        acknowledged_present=len(tally.acknowledged) - len(missing),
        acknowledged_missing=missing,
        submitted=len(submitted),
        submitted_incomplete=sum(1 for _, n in submitted if n != ANSWER_ROWS),
        unacknowledged_submitted=len(unack_submitted),
        unacknowledged_absent_or_draft=len(unacknowledged) - len(unack_submitted),
    )


def sqlite_integrity(database_file: Path) -> str:
    """Return PRAGMA integrity_check's verdict on a SQLite file."""
    import sqlite3

    connection = sqlite3.connect(database_file)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def postgres_consistency(database_url: str) -> str:
    """Check a PostgreSQL database: amcheck on every B-tree index if possible, plus invariants."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            orphans = connection.scalar(
                text(
                    "SELECT count(*) FROM answers a LEFT JOIN responses r "
                    "ON r.id = a.response_id WHERE r.id IS NULL"
                )
            )
            unreceipted = connection.scalar(
                text(
                    "SELECT count(*) FROM responses WHERE status = 'submitted' "
                    "AND (receipt_number IS NULL OR submitted_at IS NULL)"
                )
            )
            verdict = f"orphan answers {orphans}, submitted without receipt {unreceipted}"
            if orphans or unreceipted:
                return "FAILED: " + verdict
            try:
                with connection.begin_nested():
                    connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
                    indexes = connection.scalars(
                        text(
                            "SELECT c.oid::regclass::text FROM pg_index i "
                            "JOIN pg_class c ON c.oid = i.indexrelid "
                            "JOIN pg_am a ON a.oid = c.relam "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE a.amname = 'btree' AND n.nspname = current_schema()"
                        )
                    ).all()
                    for index in indexes:
                        connection.execute(
                            text("SELECT bt_index_check(CAST(:i AS regclass), true)"),
                            {"i": index},
                        )
                return f"ok (amcheck on {len(indexes)} indexes; {verdict})"
            except Exception as exc:  # noqa: BLE001 - amcheck needs rights CI may not grant
                reason = str(getattr(exc, "orig", exc)).splitlines()[0]
                return f"ok (consistent counts; {verdict}; amcheck unavailable: {reason})"
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_postgres(label: str) -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards.

    Named after the test database (CONSULT_TEST_DATABASE_URL) so that it is clearly its own;
    created through CONSULT_PG_ADMIN_URL, or the same server's "postgres" database.
    """
    import pytest

    if not PG_URL:
        pytest.skip(
            "PostgreSQL variant: set CONSULT_TEST_DATABASE_URL (CI does) to run it against a "
            "scratch database"
        )
    test_url = make_url(PG_URL)
    admin_url = os.environ.get("CONSULT_PG_ADMIN_URL") or test_url.set(database="postgres")
    prefix = os.environ.get("CONSULT_SCRATCH_PREFIX") or f"{test_url.database}_"
    name = f"{prefix}{label}_{uuid.uuid4().hex[:8]}"[:63]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield test_url.set(database=name).render_as_string(hide_password=False)
        finally:
            _drop_database(admin, name)
    finally:
        admin.dispose()


def _drop_database(admin, name: str) -> None:
    """Drop a scratch database, its connections closed by force. An autovacuum worker on it
    belongs to the superuser, whom a plain role may not signal (PostgreSQL 15 refuses the
    drop); it is gone within moments, so the drop is tried again, for up to 15 seconds."""
    from sqlalchemy.exc import ProgrammingError

    deadline = time.monotonic() + 15
    while True:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
