"""Several hosts: the same total of workers spread over 1, 2 and 3 hosts behind nginx.

Each configuration gets a cluster of its own (tests/reliability/cluster.py: its own PostgreSQL,
PgBouncer in transaction mode, the hosts with their own empty instance folders, nginx), then
client threads go through whole responses through nginx. Prints requests per second and the
ratio of each spread to one host (the target: spreading costs at most 10%, ratio >= 0.9), and
the recovery times after `kill -9` of a host and after a PostgreSQL restart.

    .venv/bin/python benchmarks/multihost.py [--workers 6] [--respondents 300] [--clients 8]

Runs as root (PostgreSQL, PgBouncer and nginx then run as the postgres user) or as a user who
may run them; needs Debian's postgresql, pgbouncer and nginx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.cluster import running_cluster  # noqa: E402
from tests.reliability.harness import Tally, is_healthy, run_clients  # noqa: E402


def throughput(hosts: int, workers: int, respondents: int, clients: int) -> tuple[float, int]:
    """Return (requests per second, 5xx) of one spread."""
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-cluster-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the service user must reach its folders
    try:
        with running_cluster(folder, hosts, workers // hosts) as cluster:
            # A warm-up, so every worker has its connections and caches.
            run_clients(cluster.address, Tally(), respondents=clients * 2, clients=clients)
            tally = Tally()
            seconds = run_clients(cluster.address, tally, respondents=respondents, clients=clients)
            return tally.requests / seconds, tally.server_errors
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def recovery_times(workers: int) -> tuple[float, float]:
    """Return (seconds until a killed host serves again, seconds until the platform serves
    again after PostgreSQL came back)."""
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-cluster-"))
    os.chmod(folder, 0o755)  # noqa: S103
    try:
        with running_cluster(folder, 2, workers // 2) as cluster:
            host = cluster.hosts[0]
            host.kill_hard()
            began = time.monotonic()
            host.start()
            host_recovery = time.monotonic() - began
            cluster.postgres.stop()
            cluster.postgres.start()
            began = time.monotonic()
            while not is_healthy(cluster.address) and time.monotonic() - began < 60:
                time.sleep(0.05)
            return host_recovery, time.monotonic() - began
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=6, help="total workers (divisible by 6)")
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    arguments = parser.parse_args()
    print(f"{'hosts':>5} {'workers/host':>12} {'req/s':>8} {'5xx':>5} {'vs 1 host':>9}")
    baseline = None
    for hosts in (1, 2, 3):
        rps, errors = throughput(hosts, arguments.workers, arguments.respondents, arguments.clients)
        baseline = baseline or rps
        print(
            f"{hosts:>5} {arguments.workers // hosts:>12} {rps:>8.1f} {errors:>5} "
            f"{rps / baseline:>9.2f}",
            flush=True,
        )
    host_recovery, database_recovery = recovery_times(arguments.workers)
    print(f"kill -9 of a host: serving again {host_recovery:.1f} s after its restart began")
    print(f"PostgreSQL restart: platform healthy {database_recovery:.1f} s after it returned")


if __name__ == "__main__":
    main()
