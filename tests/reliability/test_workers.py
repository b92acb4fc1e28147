"""Workers: forked from the app the master preloaded, and replaced when they grow too large.

Building the app costs seconds of CPU; with the app preloaded in the master a new worker is a
fork. A worker over the memory bound finishes its request and is replaced, and no request is
lost while that happens. Connections and threads never cross a fork.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from consult.db import make_engine
from consult.serving import (
    forget_inherited_connections,
    gunicorn_options,
    prepare_for_fork,
    recycle_when_large,
    refuse_to_fork_with_threads,
    resident_memory_mb,
    warm_outcomes,
)
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
    assert options["pre_fork"] is refuse_to_fork_with_threads
    assert options["post_fork"] is forget_inherited_connections
    assert options["post_worker_init"] is warm_outcomes
    # gunicorn 25.1+ would run its control socket from a thread of the master.
    assert options.get("control_socket_disable", True) is True


def test_the_master_forks_with_no_connection_open_and_its_heap_frozen(make_app) -> None:
    app = make_app()
    engine = app.extensions["consult.db"].engine
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert engine.pool.checkedin() >= 1
    try:
        prepare_for_fork(app)
        assert engine.pool.checkedin() == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class _Log:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, message: str, *args: object) -> None:
        self.errors.append(message % args)


@pytest.mark.parametrize("thread_name", [None, "consult-mail", "export-7"])
def test_the_master_refuses_to_fork_while_a_thread_of_its_own_runs(
    thread_name, monkeypatch
) -> None:
    import consult.serving

    # A long test process keeps threads of earlier tests (Playwright's, aiosmtpd's event loops):
    # only the threads started here stand for the master's own.
    earlier = set(threading.enumerate())
    monkeypatch.setattr(
        consult.serving,
        "threads_besides_main",
        lambda: sorted(t.name for t in threading.enumerate() if t not in earlier and t.is_alive()),
    )
    arbiter = SimpleNamespace(log=_Log())
    release = threading.Event()
    thread = None
    if thread_name:
        thread = threading.Thread(target=release.wait, args=(30,), name=thread_name)
        thread.start()
    try:
        if thread_name is None:
            refuse_to_fork_with_threads(arbiter, None)
            assert arbiter.log.errors == [] and consult.serving.threads_besides_main() == []
        else:
            with pytest.raises(RuntimeError, match=thread_name):
                refuse_to_fork_with_threads(arbiter, None)
            assert thread_name in arbiter.log.errors[0]
    finally:
        release.set()
        if thread is not None:
            thread.join()


def test_a_worker_starts_with_an_empty_pool_of_its_own(make_app) -> None:
    app = make_app()
    engine = app.extensions["consult.db"].engine
    with engine.connect() as connection:
        parent_connection = connection.connection.dbapi_connection
    arbiter = SimpleNamespace(app=SimpleNamespace(callable=app))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def worker() -> None:
        forget_inherited_connections(arbiter, None)
        emptied = engine.pool.checkedin() == 0
        with engine.connect() as connection:
            fresh = connection.connection.dbapi_connection is not parent_connection
        queue.put((emptied, fresh))

    process = context.Process(target=worker)
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert queue.get(timeout=5) == (True, True)
    # The parent's connections were left to the parent, open and usable.
    assert engine.pool.checkedin() >= 1
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


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
    durations = []
    try:
        for _ in range(12):
            began = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=30) as reply:
                statuses.append(reply.status)
            durations.append(time.perf_counter() - began)
        workers = {line["worker"] for line in server.access_lines()}
    finally:
        server.stop()
    findings(
        f"12 requests, statuses {sorted(set(statuses))}, served by {len(workers)} workers "
        f"(each a fork, replaced after one request); slowest request {max(durations):.2f} s, "
        f"median {sorted(durations)[6]:.2f} s"
    )
    assert statuses == [200] * 12
    assert len(workers) > 2, "workers past the memory bound were not replaced"
    assert "replacing it" in server.log()
    assert "threads running in the master" not in server.log()


@pytest.mark.parametrize("warm", [True, False], ids=["warms", "turned-off"])
def test_a_started_worker_builds_its_live_outcomes_state_in_the_background(
    make_app, warm: bool
) -> None:
    """gunicorn's post_worker_init hook returns at once and a thread of the worker builds the
    live state; the staff summary's first refresh then only catches up (no second build)."""
    from consult.outcomes import data, live
    from consult.outcomes.blueprints import sources
    from tests.outcomes.conftest import fill_demo

    app = make_app(OUTCOMES_WARM_LIVE=warm)
    fill_demo(app, 12)
    live.reset()
    try:
        thread = warm_outcomes(SimpleNamespace(wsgi=app))
        if not warm:
            assert thread is None and live._state is None
            return
        assert thread is not None and thread.name == "outcomes-warm"
        thread.join(120)
        assert not thread.is_alive()
        built = live._state
        assert built is not None and built.identity[0] == id(app.extensions["consult.db"].engine)
        with app.app_context():
            summary = data.cached_summary(app.extensions["consult.db"].engine, sources()).summary
        assert live._state is built  # caught up, not built again
        assert summary["questionnaires"] and summary["data_version"]
    finally:
        live.reset()


@pytest.mark.sqlite_only
def test_consult_serve_warms_each_worker_after_it_is_ready(make_app) -> None:
    """A real `consult serve`: /healthz answers while each worker logs its live state warm."""
    from tests.outcomes.conftest import fill_demo

    app = make_app()
    fill_demo(app, 12)
    instance = Path(app.instance_path)
    app.extensions["consult.db"].engine.dispose()
    server = Server(
        instance, app.config["DATABASE_URL"], workers=2, CONSULT_OUTCOMES_WARM_LIVE="true"
    )
    server.start()
    try:
        deadline = time.monotonic() + 120
        while server.log().count("live outcomes state warm") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        log = server.log()
    finally:
        server.stop()
    assert log.count("live outcomes state warm") >= 2, log[-3000:]
    assert "could not warm" not in log and "threads running in the master" not in log
