"""Eight respondents at once against `consult serve --workers 2` on a fresh SQLite instance.

    python benchmarks/concurrent_sqlite.py [--seconds 30] [--clients 8] [--workers 2]

Each client, in its own thread, starts a response, saves its pages (with an autosave in the
middle), reviews and submits it, reads its receipt, then starts again, until the time is up.
Real HTTP over loopback against gunicorn. Printed: requests, throughput, errors by kind,
"database is locked" and 5xx counts (both must be zero), then a check that every submission
the server acknowledged with a receipt is in the database, submitted, with its answers.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ports import free_port  # noqa: E402 - after the path is set

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_RE = re.compile(r'name="start_token" value="([^"]+)"')
RECEIPT_RE = re.compile(r'class="receipt-number">([A-Z0-9-]+)<')
ARTICLES = {f"q.article_relevance.art{n:02d}": "relevant" for n in range(1, 13)}

#: The pages each client fills, per questionnaire: (section, answers).
JOURNEYS = {
    "local-governments": [
        (
            "profile",
            {
                "q.institution_name": "Ville de Grigny",
                "q.country": "FR",
                "q.institution_type": "municipality",
                "q.population_band": "from_50k_to_250k",
            },
        ),
        (
            "commitments",
            {"q.hr_elements": ["ombudsperson", "indicators"], "q.charter_2011_adopted": "yes"},
        ),
        (
            "charter_experience",
            {"q.charter_adoption_year": "2014", "q.charter_impact": "some_extent"},
        ),
        ("articles", {**ARTICLES, "q.article_comments": "Article X: the right to housing first."}),
        ("final", {"q.final_priority": "Make the right to the city enforceable. " * 5}),
    ],
    "partners": [
        (
            "profile",
            {
                "q.organisation_type": "academia",
                "q.scope_of_work": "regional",
                "q.country": "KR",
                "q.thematic_areas": ["housing", "digital_rights"],
            },
        ),
        ("charter_knowledge", {"q.knows_charter": "yes"}),
        ("relevance", {**ARTICLES, "q.relevance_comments": "서울 인권 헌장과 함께 사용합니다."}),
        ("final", {"q.charter_sentence": "Une Charte pour toutes les villes."}),
    ],
}


@dataclass
class Tally:
    """What all clients saw, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)
    locked: int = 0
    server_errors: int = 0
    #: receipt number -> (questionnaire, token): what the server acknowledged.
    acknowledged: dict[str, tuple[str, str]] = field(default_factory=dict)
    started: int = 0

    def count(self, status: int, body: str) -> None:
        with self.lock:
            self.requests += 1
            if status >= 500:
                self.server_errors += 1
                self.errors[f"HTTP {status}"] += 1
            if "database is locked" in body:
                self.locked += 1

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Browser:
    """A minimal HTTP client with a cookie jar, one connection per request (like gunicorn's
    sync workers want)."""

    def __init__(self, host: str, port: int, tally: Tally) -> None:
        self.host, self.port, self.tally = host, port, tally
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            text = reply.read().decode("utf-8", "replace")
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            location = reply.headers.get("Location", "")
        finally:
            connection.close()
        self.tally.count(reply.status, text)
        return reply.status, text, urllib.parse.urlsplit(location).path


def expect(status: int, wanted: int, what: str, tally: Tally) -> bool:
    if status != wanted:
        tally.error(f"{what}: HTTP {status} (wanted {wanted})")
        return False
    return True


def respondent(
    index: int, host: str, port: int, deadline: float, tally: Tally, stop: threading.Event
) -> None:
    """Start, fill, autosave, review and submit responses until the deadline."""
    key = "local-governments" if index % 2 == 0 else "partners"
    while time.monotonic() < deadline and not stop.is_set():
        browser = Browser(host, port, tally)  # a new respondent each time: no cookie yet
        try:
            status, intro, _ = browser.request("GET", f"/questionnaires/{key}")
            if not expect(status, 200, "intro", tally):
                continue
            csrf = CSRF_RE.search(intro).group(1)
            start = {"csrf_token": csrf, "start_token": START_RE.search(intro).group(1)}
            status, _, location = browser.request("POST", f"/questionnaires/{key}/start", start)
            if not expect(status, 303, "start", tally):
                continue
            token = location.rsplit("/r/", 1)[1]
            with tally.lock:
                tally.started += 1
            ok = True
            for number, (section, answers) in enumerate(JOURNEYS[key]):
                if number == 1:  # typing on a page: the background save
                    status, _, _ = browser.request(
                        "POST",
                        f"/r/{token}/s/{section}/autosave",
                        {"csrf_token": csrf, **answers},
                    )
                    ok = expect(status, 200, "autosave", tally) and ok
                form = {"csrf_token": csrf, "action": "next", **answers}
                status, _, _ = browser.request("POST", f"/r/{token}/s/{section}", form)
                ok = expect(status, 303, f"save {section}", tally) and ok
            if not ok:
                continue
            status, review, _ = browser.request("GET", f"/r/{token}/review")
            if not expect(status, 200, "review", tally):
                continue
            status, _, location = browser.request(
                "POST", f"/r/{token}/review", {"csrf_token": CSRF_RE.search(review).group(1)}
            )
            if not expect(status, 303, "submit", tally):
                continue
            status, receipt, _ = browser.request("GET", location)
            if expect(status, 200, "receipt", tally):
                number = RECEIPT_RE.search(receipt).group(1)
                with tally.lock:
                    tally.acknowledged[number] = (key, token)
        except (OSError, http.client.HTTPException) as exc:
            tally.error(f"connection: {type(exc).__name__}")
        except AttributeError:
            tally.error("page without the expected form")


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see its log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


def verify(database: Path, acknowledged: dict[str, tuple[str, str]]) -> list[str]:
    """Return the acknowledged receipts missing from the database (or not submitted)."""
    import hashlib

    connection = sqlite3.connect(database)
    try:
        missing = []
        for number, (key, token) in acknowledged.items():
            digest = hashlib.sha256(token.encode()).hexdigest()
            row = connection.execute(
                "SELECT r.status, r.questionnaire_key, COUNT(a.id) FROM responses r "
                "LEFT JOIN answers a ON a.response_id = r.id "
                "WHERE r.receipt_number = ? AND r.resume_token_hash = ? GROUP BY r.id",
                (number, digest),
            ).fetchone()
            if row is None or row[0] != "submitted" or row[1] != key or row[2] < 10:
                missing.append(number)
        return missing
    finally:
        connection.close()


def main() -> None:
    """Start the server, run the clients, stop the server, verify, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="respond-concurrent-") as folder:
        instance = Path(folder) / "instance"
        port = free_port()
        environment = {
            **os.environ,
            "CONSULT_INSTANCE_PATH": str(instance),
            "CONSULT_DATABASE_URL": f"sqlite:///{instance / 'consult.sqlite3'}",
        }
        environment.pop("CONSULT_SECRET_KEY", None)  # generated once into the instance
        consult = Path(sys.executable).with_name("consult")
        log_path = Path(folder) / "server.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [
                    str(consult),
                    "serve",
                    "--workers",
                    str(options.workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--no-access-log",
                ],
                env=environment,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            tally = Tally()
            stop = threading.Event()
            try:
                wait_until_up(port, server)
                began = time.monotonic()
                deadline = began + options.seconds
                threads = [
                    threading.Thread(
                        target=respondent, args=(i, "127.0.0.1", port, deadline, tally, stop)
                    )
                    for i in range(options.clients)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=options.seconds + 120)
                elapsed = time.monotonic() - began
            finally:
                stop.set()
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        server_log = log_path.read_text(errors="replace")
        missing = verify(instance / "consult.sqlite3", tally.acknowledged)

    locked_in_log = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    print(
        f"consult serve --workers {options.workers}, SQLite, {options.clients} clients, "
        f"{elapsed:.1f} s (real HTTP over loopback)"
    )
    print(f"  requests               {tally.requests}  ({tally.requests / elapsed:.0f} req/s)")
    print(f"  responses started      {tally.started}")
    print(f"  submissions receipted  {len(tally.acknowledged)}")
    print(f"  5xx answers            {tally.server_errors}")
    print(f"  'database is locked'   {tally.locked} in answers, {locked_in_log} in the server log")
    print(f"  tracebacks in the log  {tracebacks}")
    if tally.errors:
        print("  errors by kind:")
        for kind, count in tally.errors.most_common():
            print(f"    {count:6}  {kind}")
    else:
        print("  errors by kind:        none")
    print(f"  acknowledged but missing from the database: {len(missing)}")
    failed = (
        tally.server_errors
        or tally.locked
        or locked_in_log
        or tracebacks
        or missing
        or tally.errors
    )
    print("RESULT:", "FAIL" if failed else "ok (zero locked, zero 5xx, nothing acknowledged lost)")
    if failed:
        print(server_log[-3000:])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
