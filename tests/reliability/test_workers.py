"""Workers: forked from the app the master preloaded, and replaced when they grow too large.

Building the app costs seconds of CPU; with the app preloaded in the master a new worker is a
fork. A worker over the memory bound finishes its request and is replaced, and no request is
lost while that happens. Connections never cross a fork.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import urllib.request
from pathlib import Path

import pytest

from consult.db import make_engine
from consult.serving import gunicorn_options, recycle_when_large, resident_memory_mb
from tests.reliability.harness import Server


class _Worker:
    def __init__(self) -> None:
        self.alive = True
        self.pid = os.getpid()
        self.messages: list[str] = []
        self.log = self

    def info(self, message: str, *args: object) -> None:
        self.messages.append(message % args)


@pytest.mark.parametrize(("limit_mb", "alive"), [(1, False), (1_000_000, True)])
def test_a_worker_over_the_memory_bound_is_retired(limit_mb: float, alive: bool) -> None:
    worker = _Worker()
    recycle_when_large(limit_mb)(worker, None, {}, None)
    assert worker.alive is alive
    assert bool(worker.messages) is not alive
    assert resident_memory_mb() > 1


def test_a_worker_writing_in_the_background_is_kept_until_done() -> None:
    worker = _Worker()
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(30,), name="export-1")
    thread.start()
    try:
        recycle_when_large(1)(worker, None, {}, None)
        assert worker.alive is True
    finally:
        release.set()
        thread.join()
    recycle_when_large(1)(worker, None, {}, None)
    assert worker.alive is False


def test_serving_preloads_and_recycles_by_memory() -> None:
    options = gunicorn_options(bind="127.0.0.1:0", workers=2)
    assert options["preload_app"] is True
    assert options["max_requests"] >= 50_000
    assert callable(options["post_request"])


def test_a_forked_process_never_uses_its_parents_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fork.sqlite3'}"
    engine = make_engine(url)
    with engine.connect() as connection:
        parent_connection = connection.connection.dbapi_connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        with engine.connect() as connection:
            record = connection.connection._connection_record
            queue.put(
                (
                    record.info["pid"] == os.getpid(),
                    connection.connection.dbapi_connection is parent_connection,
                )
            )

    process = context.Process(target=child)
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert queue.get(timeout=5) == (True, False)
    engine.dispose()


@pytest.mark.sqlite_only
def test_workers_over_the_bound_are_replaced_without_losing_a_request(
    tmp_path: Path, findings
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    # Every worker of this app is past 64 MiB: each one retires after the request it serves.
    server = Server(
        instance,
        f"sqlite:///{instance / 'consult.sqlite3'}",
        workers=2,
        arguments=("--max-worker-memory", "64"),
    )
    server.start()
    statuses = []
    try:
        for _ in range(12):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=30) as reply:
                statuses.append(reply.status)
        workers = {line["worker"] for line in server.access_lines()}
    finally:
        server.stop()
    findings(f"12 requests, statuses {sorted(set(statuses))}, served by {len(workers)} workers")
    assert statuses == [200] * 12
    assert len(workers) > 2, "workers past the memory bound were not replaced"
    assert "replacing it" in server.log()
