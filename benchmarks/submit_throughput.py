"""Throughput of saving a questionnaire page through the whole app versus a bare insert.

    python benchmarks/submit_throughput.py [--seconds 4] [--rounds 3] [--postgres-url URL]

The app path is what a respondent's "Save and continue" costs: form parsing, the CSRF check,
validation against the definition, the merge with the stored answers, one transaction. The
baseline is a bare Flask endpoint that inserts one row into the same database through an
engine with the same settings. Both are driven the same way, in the same run: the werkzeug
test client, in-process (no sockets, so the figures compare the server-side work only).

SQLite runs on a fresh instance in a temporary folder. PostgreSQL runs when a server URL is
given (--postgres-url or CONSULT_BENCH_POSTGRES_URL, e.g. the admin URL): a scratch database
`respond_bench` is created on it and dropped at the end. Target: app path >= 0.5 x bare.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import create_app  # noqa: E402
from consult.cli import init_database  # noqa: E402
from consult.db import make_engine, writing  # noqa: E402

SCRATCH_DATABASE = "respond_bench"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_RE = re.compile(r'name="start_token" value="([^"]+)"')
#: Drafts the app path writes to in turn, so no single row is always hot.
DRAFTS = 40
FORM_TYPE = "application/x-www-form-urlencoded"

#: Two versions of each page, used in turn, so that every save really changes the answers.
PAGES = {
    "profile": {
        "q.institution_name": "Ciudad de México",
        "q.country": "MX",
        "q.institution_type": "metropolis",
        "q.population_band": "over_5m",
        "q.respondent_department": "Secretaría de Inclusión y Bienestar Social",
    },
    "articles": {
        **{f"q.article_relevance.art{n:02d}": "very_relevant" for n in range(1, 13)},
        **{f"q.article_update.art{n:02d}": "update" for n in range(1, 13)},
        "q.article_comments": "Article X should address the financialisation of housing. " * 8,
    },
}


def changed(answers: dict[str, str]) -> dict[str, str]:
    """Return the other version of a page: every answer different from the first one."""
    other = {
        "Ciudad de México": "Municipalidad de Rosario",
        "MX": "AR",
        "metropolis": "intermediary_city",
        "over_5m": "from_1m_to_5m",
        "very_relevant": "relevant",
        "update": "keep",
    }
    return {
        key: other.get(value, value[::-1] if len(value) > 20 else value)
        for key, value in answers.items()
    }


def build_app(database_url: str, instance: Path) -> Flask:
    """Create the app on ``database_url`` and load the definitions."""
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "benchmark-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        init_database(app)
    return app


def build_bare_app(database_url: str) -> Flask:
    """A Flask app with one endpoint that inserts one row, through an engine like the app's."""
    bare = Flask("bare")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_rows ("
                "id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"
                if engine.dialect.name == "sqlite"
                else "CREATE TABLE IF NOT EXISTS bench_rows (id SERIAL PRIMARY KEY, payload TEXT)"
            )
        )
    bare.extensions["engine"] = engine

    @bare.post("/insert")
    def insert():
        with writing(), engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_rows (payload) VALUES (:payload)"),
                {"payload": request.form.get("payload", "")},
            )
        return "", 204

    return bare


def start_drafts(app: Flask, count: int) -> tuple[object, list[str], str]:
    """Start ``count`` drafts in one client session; return the client, tokens and CSRF token."""
    client = app.test_client()
    tokens = []
    csrf = ""
    for _ in range(count):
        intro = client.get("/questionnaires/local-governments").get_data(as_text=True)
        csrf = CSRF_RE.search(intro).group(1)
        reply = client.post(
            "/questionnaires/local-governments/start",
            data={"csrf_token": csrf, "start_token": START_RE.search(intro).group(1)},
        )
        tokens.append(reply.location.rsplit("/r/", 1)[1])
    return client, tokens, csrf


def measure(call: Callable[[int], int], seconds: float, expected: int) -> float:
    """Call ``call(i)`` for ``seconds``; return requests per second (every status checked)."""
    for i in range(20):  # warm-up: caches, connection pool, statement cache
        assert call(i) == expected
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        status = call(done)
        if status != expected:
            raise SystemExit(f"unexpected status {status} (wanted {expected})")
        done += 1
    return done / (time.perf_counter() - started)


def run_backend(label: str, database_url: str, instance: Path, seconds: float, rounds: int):
    """Measure each page and the bare insert on one database; print and return the ratios."""
    app = build_app(database_url, instance)
    bare = build_bare_app(database_url)
    client, tokens, csrf = start_drafts(app, DRAFTS)
    bare_client = bare.test_client()

    bare_body = urlencode({"payload": "Ciudad de México"}).encode()

    def bare_call(i: int) -> int:
        return bare_client.post("/insert", data=bare_body, content_type=FORM_TYPE).status_code

    def page_call(section: str) -> Callable[[int], int]:
        # Bodies encoded once, as a browser sends them: the driver's own work stays out of the
        # figures (it would weigh on the app side only, whose form is the larger).
        forms = [
            urlencode({"csrf_token": csrf, "action": "next", **answers}, doseq=True).encode()
            for answers in (PAGES[section], changed(PAGES[section]))
        ]

        turns = dict.fromkeys(tokens, 0)

        def call(i: int) -> int:
            token = tokens[i % len(tokens)]
            turns[token] += 1  # each draft gets the other version each time: a real change
            form = forms[turns[token] % 2]
            return client.post(
                f"/r/{token}/s/{section}", data=form, content_type=FORM_TYPE
            ).status_code

        return call

    figures: dict[str, list[float]] = {"bare": [], **{s: [] for s in PAGES}}
    for _ in range(rounds):  # interleaved, so drift (cache, disk) hits both sides alike
        figures["bare"].append(measure(bare_call, seconds, 204))
        for section in PAGES:
            figures[section].append(measure(page_call(section), seconds, 303))
    bare_rps = statistics.median(figures["bare"])
    print(f"\n== {label}")
    print(f"  bare insert endpoint        {bare_rps:8.0f} req/s")
    ratios = {}
    for section in PAGES:
        rps = statistics.median(figures[section])
        ratios[section] = rps / bare_rps
        verdict = "ok" if ratios[section] >= 0.5 else "BELOW TARGET"
        print(
            f"  app path, page {section:<12} {rps:8.0f} req/s   ratio {ratios[section]:.2f}"
            f"  (target >= 0.50: {verdict})"
        )
    app.extensions["consult.db"].engine.dispose()
    bare.extensions["engine"].dispose()
    return ratios


def postgres_scratch(server_url: str) -> tuple[str, Callable[[], None]]:
    """Create the scratch database on ``server_url``; return its URL and a function to drop it."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{SCRATCH_DATABASE}"'))
    url = make_url(server_url).set(database=SCRATCH_DATABASE)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def main() -> None:
    """Parse the options, run SQLite then PostgreSQL, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CONSULT_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server URL whose role may create databases",
    )
    options = parser.parse_args()
    print(
        "Driver: werkzeug test client, in-process, one client, sequential requests; "
        f"{options.rounds} rounds of {options.seconds:g} s each, median shown."
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="respond-bench-") as folder:
        instance = Path(folder)
        results["SQLite"] = run_backend(
            "SQLite (WAL, synchronous=FULL)",
            f"sqlite:///{instance / 'consult.sqlite3'}",
            instance,
            options.seconds,
            options.rounds,
        )
        if options.postgres_url:
            url, drop = postgres_scratch(options.postgres_url)
            try:
                results["PostgreSQL"] = run_backend(
                    "PostgreSQL", url, instance, options.seconds, options.rounds
                )
            finally:
                drop()
        else:
            print("\n(PostgreSQL skipped: give --postgres-url or CONSULT_BENCH_POSTGRES_URL)")
    missed = [f"{db} {page}" for db, r in results.items() for page, v in r.items() if v < 0.5]
    print("\nTarget app/bare >= 0.5:", "met" if not missed else f"missed for {', '.join(missed)}")


if __name__ == "__main__":
    main()
