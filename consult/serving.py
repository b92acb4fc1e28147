"""Run the app under gunicorn from Python (no shell), for `consult serve`."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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

        return create_app()


def serve(*, bind: str, workers: int, timeout: int, access_log: bool) -> None:
    """Start gunicorn and block until it stops."""
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "preload_app": False,
    }
    if access_log:
        options["accesslog"] = "-"
        options["access_log_format"] = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
    _Gunicorn(options).run()
