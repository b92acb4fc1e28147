"""Load benchmark: the respondent flow against `consult serve`, next to the bare-Flask floor.

For SQLite and PostgreSQL, with 1, 2 and 4 gunicorn workers: client threads on loopback go
through whole responses (intro, Start, three section saves, Submit) and the floor app takes one
insert per request. Prints requests per second, p50/p95/p99 latency and errors, and the ratio of
Consult's throughput to the floor's. Bounded: a fixed number of respondents and a time limit per
run. PostgreSQL runs on a scratch database created and dropped through the server of
CONSULT_TEST_DATABASE_URL (skipped without it).

    .venv/bin/python benchmarks/load.py [--respondents 150] [--clients 8] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import floor_app  # noqa: E402
from tests.reliability.harness import (  # noqa: E402
    PG_URL,
    Server,
    Tally,
    run_clients,
    scratch_postgres,
)

REQUESTS_PER_RESPONDENT = 6


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def figures(tally: Tally, seconds: float) -> dict[str, float]:
    """Summarise one run."""
    latencies = [s * 1000 for s in tally.latencies]
    errors = sum(n for code, n in tally.statuses.items() if code >= 400) + sum(
        tally.failures.values()
    )
    return {
        "requests": tally.requests,
        "seconds": seconds,
        "rps": tally.requests / seconds if seconds else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": errors,
    }


def run_consult(database_url: str, workers: int, respondents: int, clients: int, limit_s: float):
    """Drive whole responses against `consult serve`; return the run's figures."""
    with tempfile.TemporaryDirectory(prefix="consult-bench-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        if database_url == "sqlite":
            database_url = f"sqlite:///{instance / 'consult.sqlite3'}"
        server = Server(instance, database_url, workers=workers).start()
        tally = Tally()
        try:
            seconds = run_clients(
                server.address,
                tally,
                respondents=respondents,
                clients=clients,
                deadline_s=limit_s,
            )
        finally:
            server.stop()
        return figures(tally, seconds)


def run_floor(database_url: str, workers: int, requests: int, clients: int, limit_s: float):
    """Send ``requests`` one-insert POSTs to the bare-Flask floor; return the run's figures."""
    with tempfile.TemporaryDirectory(prefix="consult-floor-") as folder:
        if database_url == "sqlite":
            database_url = f"sqlite:///{Path(folder) / 'floor.sqlite3'}"
        with floor_app.running(database_url, workers, Path(folder)) as floor:
            port = floor.port
            tally = Tally()
            remaining = iter(range(requests))
            lock = threading.Lock()
            deadline = time.monotonic() + limit_s

            def client() -> None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                while time.monotonic() < deadline:
                    with lock:
                        if next(remaining, None) is None:
                            break
                    began = time.perf_counter()
                    try:
                        connection.request("POST", "/hit", body=b"")
                        reply = connection.getresponse()
                        reply.read()
                        tally.status(reply.status, time.perf_counter() - began)
                    except (OSError, http.client.HTTPException) as exc:
                        tally.failure(type(exc).__name__)
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.close()

            began = time.monotonic()
            threads = [threading.Thread(target=client) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=limit_s + 30)
            return figures(tally, time.monotonic() - began)


def main() -> None:
    """Run every combination and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=150)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--limit", type=float, default=90, help="seconds per run at most")
    arguments = parser.parse_args()
    worker_counts = [int(w) for w in arguments.workers.split(",")]
    backends = arguments.backends.split(",")
    if "postgresql" in backends and not PG_URL:
        print("postgresql: skipped (set CONSULT_TEST_DATABASE_URL to a server it may use)")
        backends.remove("postgresql")
    floor_requests = arguments.respondents * REQUESTS_PER_RESPONDENT
    print(
        f"{arguments.respondents} respondents x {REQUESTS_PER_RESPONDENT} requests "
        f"(intro, start, 3 saves, submit) from {arguments.clients} client threads; floor: "
        f"{floor_requests} one-insert POSTs; loopback; CPUs: {_cpus()}"
    )
    header = (
        f"{'backend':10} {'workers':>7} {'app':8} {'requests':>8} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'vs floor':>8}"
    )
    print(header)
    print("-" * len(header))
    for backend in backends:
        for workers in worker_counts:
            results = {}
            for app in ("floor", "consult"):
                with _database_url(backend, f"bench_{app}_{workers}") as url:
                    if app == "floor":
                        results[app] = run_floor(
                            url, workers, floor_requests, arguments.clients, arguments.limit
                        )
                    else:
                        results[app] = run_consult(
                            url, workers, arguments.respondents, arguments.clients, arguments.limit
                        )
            for app, row in results.items():
                ratio = row["rps"] / results["floor"]["rps"] if results["floor"]["rps"] else 0
                print(
                    f"{backend:10} {workers:>7} {app:8} {row['requests']:>8} {row['rps']:>8.1f} "
                    f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} "
                    f"{row['errors']:>6} {ratio:>8.2f}",
                    flush=True,
                )


@contextlib.contextmanager
def _database_url(backend: str, label: str):
    if backend == "sqlite":
        yield "sqlite"
        return
    with scratch_postgres(label) as url:
        yield url


def _cpus() -> int:
    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
