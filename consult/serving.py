"""Run the app under gunicorn from Python (no shell), for `consult serve`.

The master process initialises the database before it forks (see consult.cli), then each worker
builds its own app, engine and connections. Logs are JSON lines: one access line per request
(method, redacted path, status, bytes, duration, request id, worker pid) and gunicorn's and the
app's own messages in the same shape.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from consult.core.requestlog import (
    ENVIRON_LOG_PATH,
    ENVIRON_REQUEST_ID,
    JsonFormatter,
    RequestIdFilter,
    redact_path,
)

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


class _Gunicorn(BaseApplication):
    """A gunicorn application that builds a fresh Consult app in each worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from consult import create_app

        app = create_app()
        _log_as_json(app.logger)
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
) -> dict[str, Any]:
    """Return the gunicorn settings `consult serve` runs with (the benchmark's floor uses them)."""
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        # A request still running after this many seconds kills its worker (a stuck request).
        "timeout": timeout,
        # On SIGTERM, requests in flight get this long to finish before the workers are killed.
        "graceful_timeout": graceful_timeout,
        "keepalive": 5,
        # Recycle workers now and then so that a slow leak can never take a worker down mid-day.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "preload_app": False,
        "logger_class": JsonAccessLogger,
        "errorlog": "-",
        "loglevel": "info",
        # Headers the proxy sets are trusted through ProxyFix (CONSULT_PROXY_FIX_HOPS), not here.
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
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
) -> None:
    """Start gunicorn and block until it stops."""
    _Gunicorn(
        gunicorn_options(
            bind=bind,
            workers=workers,
            timeout=timeout,
            graceful_timeout=graceful_timeout,
            access_log=access_log,
        )
    ).run()
