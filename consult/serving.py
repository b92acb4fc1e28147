"""Run the app under gunicorn from Python (no shell), for `consult serve`.

The master process initialises the database, then builds the app once (preload) and forks the
workers from it: starting or replacing a worker costs a fork, not the ~1.8 s of CPU that
building the app takes. What must not cross a fork does not: the master closes its pooled
database connections after building the app, each worker forgets any it inherited (and
consult.db drops a parent's connection at checkout), the mail sender is a process of its own,
and the master refuses to fork while a thread of its own runs (a lock held by that thread
would stay locked forever in the child). The objects built before the fork are frozen out of the
garbage collector, so that a collection in a worker does not copy the master's pages. Workers
are replaced when they grow past a memory bound, and otherwise only after a large number of
requests. Logs are JSON lines: one access line per request
(method, redacted path, status, bytes, duration, request id, worker pid) and gunicorn's and the
app's own messages in the same shape.
"""

from __future__ import annotations

import gc
import html
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS
from gunicorn.glogging import Logger
from gunicorn.workers.sync import SyncWorker

from consult.core.requestlog import (
    ENVIRON_LOG_PATH,
    ENVIRON_REQUEST_ID,
    JsonFormatter,
    RequestIdFilter,
    redact_path,
)
from consult.security import NO_STORE, headers_for

#: A worker whose resident memory passes this many MiB finishes its request and is replaced.
DEFAULT_MAX_WORKER_MEMORY_MB = 512
#: A safety net only: workers are replaced by memory, not by count.
MAX_REQUESTS = 100_000
#: Above this many workers, PostgreSQL connections (up to 15 per worker) and SQLite write
#: contention cost more than the extra processes bring; raise it with --workers if measured.
MAX_DEFAULT_WORKERS = 8
_RAM_DISK = "/dev/shm"  # noqa: S108 - gunicorn's worker heartbeat files, made with mkstemp


def default_workers(cpu_count: int | None = None) -> int:
    """Return gunicorn's usual 2 x CPUs + 1, at least 2 and at most MAX_DEFAULT_WORKERS."""
    cpus = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(2, min(2 * cpus + 1, MAX_DEFAULT_WORKERS))


class JsonAccessLogger(Logger):
    """Gunicorn's logger writing JSON lines, with resume tokens redacted from every path."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not getattr(self, "access_log_enabled", self.cfg.accesslog is not None):
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        entry = {
            "event": "request",
            "time": self.now().strip("[]"),
            "request_id": environ.get(ENVIRON_REQUEST_ID, "-"),
            "method": environ.get("REQUEST_METHOD", "-"),
            # The app leaves the redacted path; a request it never saw is redacted here by shape.
            "path": environ.get(ENVIRON_LOG_PATH) or redact_path(environ.get("PATH_INFO", "")),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "worker": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(entry, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - a log line must never break a response
            self.exception("could not write an access log line")


#: What a request gunicorn itself refuses (a malformed request line or header, a line or header
#: too long) is answered with: the status only, never the request echoed back.
_REFUSED_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{status}</title>'
    "</head><body><h1>{status}</h1><p>The request could not be read.</p>"
    '<p><a href="/">Consult</a></p></body></html>\n'
)


def refused_request_bytes(status_int: int, reason: str, secure: bool) -> bytes:
    """Return gunicorn's answer to a request it could not parse, as every answer of ours: the
    security headers, no-store, and nothing of the request (gunicorn's own page quotes it, a
    resume token included)."""
    body = _REFUSED_PAGE.format(status=f"{int(status_int)} {html.escape(reason)}").encode()
    headers = [
        ("Connection", "close"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", NO_STORE),
        *headers_for(secure),
    ]
    head = f"HTTP/1.1 {int(status_int)} {reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers
    )
    return (head + "\r\n").encode("latin-1") + body


class ConsultWorker(SyncWorker):
    """gunicorn's sync worker, whose own error answers carry our headers and echo nothing.

    gunicorn answers a request it cannot parse before any application code runs, through
    gunicorn.util.write_error; this worker process replaces that one function.
    """

    def load_wsgi(self) -> None:
        """Load the application, then install the error answer (HSTS as the app says)."""
        super().load_wsgi()
        secure = bool(getattr(self.wsgi, "config", {}).get("SESSION_COOKIE_SECURE"))

        def write_error(sock: Any, status_int: int, reason: str, _mesg: str) -> None:
            gunicorn_util.write_nonblock(sock, refused_request_bytes(status_int, reason, secure))

        gunicorn_util.write_error = write_error


def resident_memory_mb() -> float:
    """Return this process's resident memory in MiB (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def background_work_in_flight() -> bool:
    """Tell whether a workspace export still runs in a background thread of this process.

    Only export threads count (they are named ``export-<job>``): a daemon thread that never ends,
    such as the mail sender of `consult run`, must not keep a worker from being replaced."""
    return any(
        thread.name.startswith("export-") and thread.is_alive() for thread in threading.enumerate()
    )


def recycle_when_large(limit_mb: float):
    """Return a gunicorn post_request hook that retires a worker grown past ``limit_mb``.

    A worker still writing an export in a background thread is kept until that is done: its
    exit would end the thread and leave the export interrupted."""

    def post_request(worker: Any, _req: Any, _environ: Any, _resp: Any) -> None:
        if worker.alive and resident_memory_mb() > limit_mb and not background_work_in_flight():
            worker.log.info("worker %s uses more than %s MiB: replacing it", worker.pid, limit_mb)
            worker.alive = False  # finishes this request, then the master forks a new one

    return post_request


def threads_besides_main() -> list[str]:
    """Return the names of the live threads of this process other than the main one."""
    main = threading.main_thread()
    return sorted(t.name for t in threading.enumerate() if t is not main and t.is_alive())


def _engines_of(app: Any) -> list[Any]:
    """Return the database engines an app built by create_app holds (none for another app)."""
    state = getattr(app, "extensions", {}).get("consult.db")
    return [state.engine] if state is not None else []


def prepare_for_fork(app: Any) -> None:
    """Make the master's app safe and cheap to fork: no open connection, the heap frozen.

    Building the app may have opened database connections; they are closed here, in the
    master, so that no worker starts with a socket its parent also holds. ``gc.freeze`` moves
    every object built so far out of the collector's reach: a worker's collections then never
    write to (and so copy) the pages it shares with the master.
    """
    for engine in _engines_of(app):
        engine.dispose()
    gc.collect()
    gc.freeze()


def refuse_to_fork_with_threads(arbiter: Any, _worker: Any) -> None:
    """gunicorn's pre_fork hook: stop the master if a thread of its own runs.

    fork() copies only the calling thread: a lock another thread holds at that moment (the
    logging module's, a connection pool's) stays held forever in the worker. Threads belong
    in the workers, started after the fork (exports), or in processes of their own (the mail
    sender)."""
    others = threads_besides_main()
    if others:
        arbiter.log.error("threads running in the master before a fork: %s", ", ".join(others))
        raise RuntimeError(f"threads running in the gunicorn master: {', '.join(others)}")


def forget_inherited_connections(arbiter: Any, _worker: Any) -> None:
    """gunicorn's post_fork hook: the worker drops the pooled connections it inherited.

    ``dispose(close=False)`` leaves the parent's sockets to the parent (closing them here would
    end the parent's sessions) and gives the worker an empty pool of its own."""
    for engine in _engines_of(getattr(arbiter.app, "callable", None)):
        engine.dispose(close=False)


def warm_outcomes(worker: Any) -> threading.Thread | None:
    """gunicorn's post_worker_init hook: with OUTCOMES_WARM_LIVE, the worker builds its live
    outcomes state in a thread (consult.outcomes.page_refresh.warm_live_state) while it
    serves; readiness does not wait. After the fork: the thread is the worker's own, never the
    master's."""
    app = getattr(worker, "wsgi", None)
    if not _engines_of(app):
        return None
    from consult.outcomes.page_refresh import warm_live_state

    return warm_live_state(app)


class _Gunicorn(BaseApplication):
    """A gunicorn application that builds the Consult app once, in the master (preload)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from consult import create_app

        # With preload_app this runs once, in the master, before the workers are forked. It is a
        # new app, not the CLI's: the CLI's app context stays pushed in the master, and a request
        # must never share it (and its `g`).
        app = create_app()
        _log_as_json(app.logger)
        prepare_for_fork(app)
        return app


def _log_as_json(logger: logging.Logger) -> None:
    """Send the app's own log records to stderr as JSON lines with the request id."""
    from flask.logging import default_handler

    logger.removeHandler(default_handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def gunicorn_options(
    *,
    bind: str,
    workers: int,
    timeout: int = 120,
    graceful_timeout: int = 30,
    access_log: bool = True,
    max_worker_memory_mb: float = DEFAULT_MAX_WORKER_MEMORY_MB,
) -> dict[str, Any]:
    """Return the gunicorn settings `consult serve` runs with (the benchmark's floor uses them)."""
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        # The sync worker, with gunicorn's own error answers made like ours.
        "worker_class": "consult.serving.ConsultWorker",
        # A request still running after this many seconds kills its worker (a stuck request).
        "timeout": timeout,
        # On SIGTERM, requests in flight get this long to finish before the workers are killed.
        "graceful_timeout": graceful_timeout,
        "keepalive": 5,
        # A slow leak must never take a worker down mid-day: replace a worker that grew past
        # the memory bound (checked after each request); the count is only a safety net.
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS // 10,
        "post_request": recycle_when_large(max_worker_memory_mb),
        # Build the app once in the master; workers are forked from it (see prepare_for_fork).
        "preload_app": True,
        "pre_fork": refuse_to_fork_with_threads,
        "post_fork": forget_inherited_connections,
        # With OUTCOMES_WARM_LIVE, each worker builds its live outcomes state as it starts.
        "post_worker_init": warm_outcomes,
        "logger_class": JsonAccessLogger,
        "errorlog": "-",
        "loglevel": "info",
        # Headers the proxy sets are trusted through ProxyFix (CONSULT_PROXY_FIX_HOPS), not here.
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
    # gunicorn 25.1+ serves `gunicornc` from a thread of the master, on one socket path shared by
    # every gunicorn of the user (several hosts on one machine would take it from each other).
    # Nothing here uses it, and the master must hold no thread when it forks.
    if "control_socket_disable" in {setting.name for setting in KNOWN_SETTINGS}:
        options["control_socket_disable"] = True
    # Heartbeat files on a RAM disk: a full or slow instance disk must not get workers killed.
    # (gunicorn creates them with mkstemp and unlinks them at once.)
    if Path(_RAM_DISK).is_dir() and os.access(_RAM_DISK, os.W_OK):
        options["worker_tmp_dir"] = _RAM_DISK
    if access_log:
        options["accesslog"] = "-"
    return options


def serve(
    *,
    bind: str,
    workers: int,
    timeout: int = 120,
    graceful_timeout: int = 30,
    access_log: bool = True,
    max_worker_memory_mb: float = DEFAULT_MAX_WORKER_MEMORY_MB,
) -> None:
    """Start gunicorn and block until it stops."""
    _Gunicorn(
        gunicorn_options(
            bind=bind,
            workers=workers,
            timeout=timeout,
            graceful_timeout=graceful_timeout,
            access_log=access_log,
            max_worker_memory_mb=max_worker_memory_mb,
        )
    ).run()
