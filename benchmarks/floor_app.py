"""The bare-Flask floor: one row inserted per request, under `consult serve`'s gunicorn settings.

Run by benchmarks/load.py and submit_throughput.py through running(), which starts
`python benchmarks/floor_app.py --bind 127.0.0.1:PORT --workers N` with FLOOR_DATABASE_URL set.
It uses consult's engine settings (WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE) so
that the gap to Consult is the application's own work.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert  # noqa: E402

from consult.db import make_engine, utcnow, writing  # noqa: E402
from consult.serving import gunicorn_options  # noqa: E402
from tests.reliability.harness import is_healthy  # noqa: E402

metadata = MetaData()
hits = Table(
    "floor_hits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True)),
)


def create_app() -> Flask:
    """A Flask app with one route that inserts one row and one that answers health."""
    app = Flask(__name__)
    engine = make_engine(os.environ["FLOOR_DATABASE_URL"])

    @app.post("/hit")
    def hit():
        with writing(), engine.begin() as connection:
            connection.execute(insert(hits).values(created_at=utcnow()))
        return "ok"

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


class FloorServer(BaseApplication):
    """Gunicorn serving the floor app."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app()


class Running(NamedTuple):
    """A floor server that runs: its port and its process group (the master's pid)."""

    port: int
    pid: int


@contextlib.contextmanager
def running(database_url: str, workers: int, folder: Path) -> Iterator[Running]:
    """Serve the floor in its own process group on a free loopback port; yield port and pid.

    Its log goes to ``folder``/floor.log. On leaving, the server is stopped (SIGTERM, then
    SIGKILL if it lingers).
    """
    from tests.reliability.harness import free_port, server_environment

    port = free_port()
    environment = server_environment(folder, database_url, FLOOR_DATABASE_URL=database_url)
    with open(folder / "floor.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(port)
            yield Running(port, process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_ready(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_healthy(("127.0.0.1", port)):
            return
        time.sleep(0.1)
    raise RuntimeError("the floor app did not start")


def main() -> None:
    """Create the table, then serve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    engine = make_engine(os.environ["FLOOR_DATABASE_URL"])
    metadata.create_all(engine)
    engine.dispose()
    options = gunicorn_options(bind=arguments.bind, workers=arguments.workers)
    FloorServer(options).run()


if __name__ == "__main__":
    main()
