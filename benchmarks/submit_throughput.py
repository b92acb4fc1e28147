"""Throughput of saving a questionnaire page through the whole app versus a bare insert.

    python benchmarks/submit_throughput.py [--seconds 2] [--rounds 7] [--postgres-url URL]
        [--driver both|http|inprocess] [--workers 2] [--connections 8]

The app path is what a respondent's "Save and continue" costs: form parsing, the CSRF check,
validation against the definition, the merge with the stored answers, one transaction. The
baseline is a bare Flask endpoint that inserts one row into the same database through an
engine with the same settings. Both are measured the same way, interleaved, in the same run,
by two drivers:

- **http**, the throughput a deployment gets: `consult serve` (gunicorn) and the bare app of
  benchmarks/floor_app.py under the same gunicorn settings and worker count, loaded over
  loopback by wrk (a load generator in C, Debian package `wrk`, so that the client takes
  little of the CPU the servers share) with the same number of open connections;
- **inprocess**, the server-side work alone: the werkzeug test client, no sockets, one
  request at a time, taking a bare insert and each page in turn. The per-request costs both
  sides share (HTTP parsing, the WSGI server, the network) are left out, so this ratio is the
  harsher one.

SQLite runs on a fresh instance in a temporary folder. PostgreSQL runs when a server URL is
given (--postgres-url or CONSULT_BENCH_POSTGRES_URL, e.g. the admin URL): a scratch database
`respond_bench` (or CONSULT_BENCH_SCRATCH_DATABASE) is created on it and dropped at the end.
Target: app path >= 0.6 x bare. The http driver also prints the CPU milliseconds each server
(with its database backends) spent per request, a figure other jobs on the machine do not move.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import floor_app  # noqa: E402
from benchmarks.cputime import CpuMeter  # noqa: E402
from consult import create_app  # noqa: E402
from consult.cli import init_database  # noqa: E402
from consult.db import make_engine, writing  # noqa: E402
from tests.reliability.harness import HttpRespondent, Server, Tally  # noqa: E402

#: The scratch database's name; CONSULT_BENCH_SCRATCH_DATABASE gives another, so that two runs
#: on one server never drop each other's.
SCRATCH_DATABASE = os.environ.get("CONSULT_BENCH_SCRATCH_DATABASE", "respond_bench")
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
        # A browser posts the region select too: the page shows it filled from the country.
        "q.region": "latin_america",
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


def measure(calls: dict[str, tuple[Callable[[int], int], int]], seconds: float) -> dict:
    """Call each of ``calls`` in turn, one request each, for ``seconds``; return req/s of each.

    ``calls`` maps a name to (function of the request number, expected status). Taking one
    request of each side in turn puts both under the same conditions at the scale of a
    millisecond (the time an fsync takes varies a lot on a shared machine).
    """
    for name, (call, expected) in calls.items():
        for i in range(20):  # warm-up: caches, connection pool, statement cache
            assert call(i) == expected, name
    spent = dict.fromkeys(calls, 0.0)
    done = 0
    clock = time.perf_counter
    deadline = clock() + seconds
    while clock() < deadline:
        for name, (call, expected) in calls.items():
            began = clock()
            status = call(done)
            spent[name] += clock() - began
            if status != expected:
                raise SystemExit(f"{name}: unexpected status {status} (wanted {expected})")
        done += 1
    return {name: done / total for name, total in spent.items()}


def run_backend(label: str, database_url: str, instance: Path, seconds: float, rounds: int):
    """Measure each page and the bare insert on one database; print and return the ratios."""
    app = build_app(database_url, instance)
    bare = build_bare_app(database_url)
    browser, tokens, csrf = start_drafts(app, DRAFTS)
    # The cookie a browser holds after its first save (its random id): see drive_http.
    first = {"csrf_token": csrf, "action": "next", **PAGES["profile"]}
    assert browser.post(f"/r/{tokens[0]}/s/profile", data=first).status_code == 303
    # Neither client keeps a cookie jar: the app's requests carry the browser's Cookie header
    # as it is, so that werkzeug's cookie handling (client work, about a quarter of a
    # millisecond per request) is not counted on the app side only.
    cookie = "; ".join(f"{c.key}={c.value}" for c in browser._cookies.values())
    client = app.test_client(use_cookies=False)
    bare_client = bare.test_client(use_cookies=False)

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
                f"/r/{token}/s/{section}",
                data=form,
                content_type=FORM_TYPE,
                headers={"Cookie": cookie},
            ).status_code

        return call

    figures: dict[str, list[float]] = {"bare": [], **{s: [] for s in PAGES}}
    calls = {"bare": (bare_call, 204), **{s: (page_call(s), 303) for s in PAGES}}
    for _ in range(rounds):
        for name, rps in measure(calls, seconds).items():
            figures[name].append(rps)
    ratios = report(label, figures)
    app.extensions["consult.db"].engine.dispose()
    bare.extensions["engine"].dispose()
    return ratios


#: wrk's script: each request saves the next draft's page, each draft getting the other version
#: of the page each time; any status but the expected one is counted.
WRK_SCRIPT = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = %(cookie)s}
local threads = {}
local sent = 0
unexpected = 0
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  sent = sent + 1
  local turn = math.floor(sent / #paths) %% #bodies
  return wrk.format("POST", paths[(sent %% #paths) + 1], headers, bodies[turn + 1])
end
response = function(status, headers, body)
  if status ~= %(expected)d then unexpected = unexpected + 1 end
end
done = function(summary, latency, requests)
  local count = 0
  for _, thread in ipairs(threads) do count = count + thread:get("unexpected") end
  io.write(string.format("unexpected=%%d\\n", count))
end
"""


def lua_string(value: str) -> str:
    """Quote ``value`` as a Lua string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(
    port: int, script: str, seconds: float, connections: int, folder: Path
) -> tuple[float, int]:
    """Run wrk against 127.0.0.1:``port`` with ``script``; return requests/s and requests."""
    path = folder / "wrk.lua"
    path.write_text(script, encoding="utf-8")
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--script",
            str(path),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    unexpected = int(re.search(r"unexpected=(\d+)", output).group(1))
    if unexpected or "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw unexpected answers or errors:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), requests


def named(database_url: str, application_name: str) -> str:
    """Return ``database_url`` with connections named ``application_name`` (PostgreSQL only)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    url = url.update_query_dict({"application_name": application_name})
    return url.render_as_string(hide_password=False)


def run_http(
    label: str,
    database_url: str,
    folder: Path,
    seconds: float,
    rounds: int,
    workers: int,
    connections: int,
) -> dict[str, float]:
    """Measure each page and the bare insert over HTTP; print and return the ratios."""
    instance = folder / "http-instance"
    instance.mkdir(exist_ok=True)
    admin = create_engine(database_url) if database_url.startswith("postgresql") else None
    server = Server(instance, named(database_url, "bench-consult"), workers=workers).start()
    try:
        floor_url = named(database_url, "bench-floor")
        with floor_app.running(floor_url, workers, folder) as floor:
            meters = {
                "bare": CpuMeter(floor.pid, admin, "bench-floor"),
                "app": CpuMeter(server.process.pid, admin, "bench-consult"),
            }
            figures, cpu = drive_http(
                server, floor.port, meters, folder, seconds, rounds, connections
            )
    finally:
        server.stop()
        if admin is not None:
            admin.dispose()
    return report(label, figures, cpu)


def drive_http(
    server: Server,
    floor_port: int,
    meters: dict[str, CpuMeter],
    folder: Path,
    seconds: float,
    rounds: int,
    connections: int,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Start the drafts, then run wrk on the bare app and on each page in turn, ``rounds`` times.

    Return the requests per second of each measurement and the CPU milliseconds per request
    the server spent in it (its processes and its database backends)."""
    browser = HttpRespondent(server.address, Tally())
    tokens = [browser.start() for _ in range(DRAFTS)]
    # A browser keeps the cookie its first save sets (its random id, see
    # questionnaires/browser.py): without it every save would be a new browser's first.
    assert browser.save("profile", PAGES["profile"]) == 303
    browser.close()
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())

    def page_script(section: str) -> str:
        bodies = [
            urlencode({"csrf_token": browser.csrf, "action": "next", **answers})
            for answers in (PAGES[section], changed(PAGES[section]))
        ]
        return WRK_SCRIPT % {
            "paths": ", ".join(lua_string(f"/r/{token}/s/{section}") for token in tokens),
            "bodies": ", ".join(lua_string(body) for body in bodies),
            "cookie": lua_string(cookie),
            "expected": 303,
        }

    floor_script = WRK_SCRIPT % {
        "paths": lua_string("/hit"),
        "bodies": lua_string(urlencode({"payload": "Ciudad de México"})),
        "cookie": lua_string(""),
        "expected": 200,
    }
    runs = [("bare", floor_port, floor_script, meters["bare"])] + [
        (section, server.port, page_script(section), meters["app"]) for section in PAGES
    ]
    figures: dict[str, list[float]] = {name: [] for name, *_ in runs}
    cpu: dict[str, list[float]] = {name: [] for name, *_ in runs}
    for _ in range(rounds):  # interleaved, so drift hits both sides alike
        for name, port, script, meter in runs:
            before = meter.snapshot()
            rps, requests = wrk(port, script, seconds, connections, folder)
            spent = CpuMeter.spent(before, meter.snapshot())
            figures[name].append(rps)
            cpu[name].append(1000 * spent / requests)
    return figures, cpu


#: The page saves' throughput, as a share of the bare insert's (issue 17: at least 0.6).
TARGET = 0.6


def report(
    label: str, figures: dict[str, list[float]], cpu: dict[str, list[float]] | None = None
) -> dict[str, float]:
    """Print every round, the medians and the ratios of one backend and driver; return the ratios.

    Each round measures the bare insert and then each page, back to back: the ratio of a round
    compares two figures taken under the same conditions, and the median of the rounds' ratios
    is the one reported, every round printed (their spread shows how noisy the machine was).
    With ``cpu`` (milliseconds of CPU the server spent per request), the ratio of the bare
    insert's CPU per request to the page's is printed too: the share of the bare throughput a
    page save reaches when the CPUs are the limit, whatever else the machine runs.
    """
    print(f"\n== {label}")
    header = "  round  bare req/s" + "".join(f"  {s:>9} req/s  ratio" for s in PAGES)
    if cpu:
        header += "  | CPU ms/req bare" + "".join(f"  {s:>9}  ratio" for s in PAGES)
    print(header)
    for n, bare in enumerate(figures["bare"]):
        line = f"  {n + 1:5d}  {bare:10.0f}"
        for section in PAGES:
            line += f"  {figures[section][n]:15.0f}  {figures[section][n] / bare:5.2f}"
        if cpu:
            line += f"  | {cpu['bare'][n]:15.2f}"
            for section in PAGES:
                line += f"  {cpu[section][n]:9.2f}  {cpu['bare'][n] / cpu[section][n]:5.2f}"
        print(line)
    bare_rps = statistics.median(figures["bare"])
    print(f"  bare insert endpoint        {bare_rps:8.0f} req/s (median)")
    ratios = {}
    for section in PAGES:
        rps = statistics.median(figures[section])
        per_round = [
            page / bare for page, bare in zip(figures[section], figures["bare"], strict=True)
        ]
        ratios[section] = statistics.median(per_round)
        verdict = "ok" if ratios[section] >= TARGET else "BELOW TARGET"
        line = (
            f"  app path, page {section:<12} {rps:8.0f} req/s   ratio {ratios[section]:.2f}"
            f" (rounds {min(per_round):.2f}-{max(per_round):.2f})  target >= {TARGET}: {verdict}"
        )
        if cpu:
            by_cpu = [b / p for b, p in zip(cpu["bare"], cpu[section], strict=True)]
            line += (
                f"; by CPU per request {statistics.median(by_cpu):.2f}"
                f" ({min(by_cpu):.2f}-{max(by_cpu):.2f})"
            )
        print(line)
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
    """Parse the options, run SQLite then PostgreSQL with each driver, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median kept)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CONSULT_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server URL whose role may create databases",
    )
    parser.add_argument("--driver", choices=("both", "http", "inprocess"), default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (http)")
    parser.add_argument("--connections", type=int, default=8, help="open connections (http)")
    options = parser.parse_args()
    drivers = ["http", "inprocess"] if options.driver == "both" else [options.driver]
    if "http" in drivers and shutil.which("wrk") is None:
        print("(http driver skipped: wrk is not installed; `apt-get install wrk`)")
        drivers.remove("http")
    print(
        f"{options.rounds} interleaved rounds of {options.seconds:g} s per measurement, "
        f"median shown; CPUs: {os.cpu_count()}.\n"
        f"http: gunicorn, {options.workers} workers each side, wrk with "
        f"{options.connections} connections on loopback. inprocess: werkzeug test client, "
        "one request at a time."
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="respond-bench-") as name:
        folder = Path(name)
        backends = [("SQLite (WAL, synchronous=FULL)", "sqlite", None)]
        if options.postgres_url:
            backends.append(("PostgreSQL", "postgresql", options.postgres_url))
        else:
            print("\n(PostgreSQL skipped: give --postgres-url or CONSULT_BENCH_POSTGRES_URL)")
        for label, backend, server_url in backends:
            for driver in drivers:
                run_folder = folder / f"{backend}-{driver}"
                run_folder.mkdir()
                drop = None
                if server_url:
                    url, drop = postgres_scratch(server_url)
                else:
                    url = f"sqlite:///{run_folder / 'consult.sqlite3'}"
                try:
                    if driver == "http":
                        ratios = run_http(
                            f"{label}, http",
                            url,
                            run_folder,
                            options.seconds,
                            options.rounds,
                            options.workers,
                            options.connections,
                        )
                    else:
                        ratios = run_backend(
                            f"{label}, inprocess", url, run_folder, options.seconds, options.rounds
                        )
                finally:
                    if drop is not None:
                        drop()
                results[f"{backend} {driver}"] = ratios
    missed = [f"{run} {page}" for run, r in results.items() for page, v in r.items() if v < TARGET]
    print(
        f"\nTarget app/bare >= {TARGET}:",
        "met" if not missed else f"missed for {', '.join(missed)}",
    )


if __name__ == "__main__":
    main()
