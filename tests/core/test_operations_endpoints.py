"""Request ids, redacted access lines, the health check and the proxy settings."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder

from consult.core.requestlog import ENVIRON_LOG_PATH, redact_path
from consult.serving import JsonAccessLogger, default_workers, gunicorn_options
from tests.conftest import Respondent


def test_a_request_id_is_made_or_honoured_and_echoed(client):
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) >= 16
    honoured = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345678"})
    assert honoured.headers["X-Request-ID"] == "proxy-abc-12345678"
    forged = client.get("/healthz", headers={"X-Request-ID": 'bad id {"json": 1}'})
    assert forged.headers["X-Request-ID"] != 'bad id {"json": 1}'


def _logged_path(app, path: str) -> tuple[int, str]:
    """Run one GET through the WSGI app and return its status and the path left for the log."""
    environ = EnvironBuilder(path=path).get_environ()
    statuses = []
    body = app.wsgi_app(environ, lambda status, headers, *_: statuses.append(status))
    b"".join(body)
    return int(statuses[0].split()[0]), environ[ENVIRON_LOG_PATH]


def test_the_logged_path_never_holds_the_resume_token(app):
    token = Respondent(app.test_client()).start()
    assert _logged_path(app, f"/r/{token}/s/profile") == (200, "/r/<redacted>/s/profile")
    assert _logged_path(app, f"/r/{token}/nowhere") == (404, "/r/<redacted>/nowhere")
    assert redact_path("/questionnaires/partners") == "/questionnaires/partners"


def test_the_access_line_is_one_json_object_without_personal_data():
    logger = JsonAccessLogger(SimpleNamespace(**_gunicorn_cfg()))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    logger.access_log.setLevel(logging.INFO)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/r/SECRET-TOKEN/review",
        "QUERY_STRING": "email=someone@example.org",
        "REMOTE_ADDR": "203.0.113.9",
        "consult.request_id": "req-12345678",
    }
    response = SimpleNamespace(status="303 SEE OTHER", sent=0)
    logger.access(response, None, environ, timedelta(milliseconds=12.34))
    entry = json.loads(stream.getvalue())
    assert entry["path"] == "/r/<redacted>/review"
    assert (entry["method"], entry["status"], entry["request_id"]) == ("POST", 303, "req-12345678")
    assert entry["duration_ms"] == 12.3
    text = stream.getvalue()
    assert "SECRET-TOKEN" not in text and "203.0.113.9" not in text and "example.org" not in text


def _gunicorn_cfg() -> dict:
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    return {name: setting.get() for name, setting in config.settings.items()} | {
        "settings": config.settings,
        "logconfig_dict": {},
        "logconfig_json": None,
        "logconfig": None,
        "syslog": False,
        "capture_output": False,
        "errorlog": "-",
        "loglevel": "info",
        "user": None,
        "group": None,
        "disable_redirect_access_to_syslog": False,
    }


@pytest.mark.sqlite_only
def test_health_answers_503_when_the_database_cannot_answer(make_app, tmp_path):
    healthy = make_app().test_client().get("/healthz")
    assert healthy.status_code == 200 and healthy.get_json()["database"] == "ok"
    assert healthy.headers["Cache-Control"] == "no-store"
    broken = make_app(
        init=False, DATABASE_URL=f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
    )
    reply = broken.test_client().get("/healthz")
    assert reply.status_code == 503 and reply.get_json()["database"] == "unreachable"


@pytest.mark.sqlite_only
def test_health_answers_503_on_an_uninitialised_database(make_app, tmp_path):
    empty = make_app(init=False, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    reply = empty.test_client().get("/healthz")
    assert reply.status_code == 503


def test_proxy_fix_trusts_exactly_the_configured_hops(make_app):
    seen = {}

    def remember(app):
        @app.get("/_whoami")
        def whoami():
            from flask import request

            seen["addr"] = request.remote_addr
            seen["scheme"] = request.scheme
            return "ok"

        return app

    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    direct = remember(make_app(init=False)).test_client()
    direct.get("/_whoami", headers=headers)
    assert seen == {"addr": "127.0.0.1", "scheme": "http"}
    proxied = remember(make_app(init=False, PROXY_FIX_HOPS=1)).test_client()
    proxied.get("/_whoami", headers=headers)
    assert seen == {"addr": "198.51.100.7", "scheme": "https"}


def test_serving_defaults():
    assert default_workers(1) == 3 and default_workers(2) == 5 and default_workers(64) == 8
    options = gunicorn_options(bind="127.0.0.1:0", workers=2)
    assert options["timeout"] == 120 and options["graceful_timeout"] == 30
    assert options["accesslog"] == "-" and options["preload_app"] is True
