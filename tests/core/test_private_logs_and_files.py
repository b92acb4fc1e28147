"""What the logs never hold (tokens in any path, SQL parameters, exception messages) and what the
instance folder never exposes (the database, its WAL and SHM are private)."""

from __future__ import annotations

import contextlib
import logging
import secrets
import stat
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from consult.core.requestlog import ENVIRON_LOG_PATH, JsonFormatter, is_token_shaped, redact_path
from consult.db import db
from tests.ports import free_port

TOKEN = secrets.token_urlsafe(32)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/r/{TOKEN}/s/profile", "/r/<redacted>/s/profile"),
        (f"/r/{TOKEN}/no/such/page", "/r/<redacted>/no/such/page"),
        ("/r/short/receipt", "/r/<redacted>/receipt"),
        (f"/i/{TOKEN}", "/i/<redacted>"),
        (f"/contributions/status/{TOKEN}", "/contributions/status/<redacted>"),
        (f"/contributions/status/{TOKEN}/x", "/contributions/status/<redacted>/x"),
        (f"/anything/{TOKEN}/else", "/anything/<redacted>/else"),
        (f"/static/{secrets.token_hex(16)}", "/static/<redacted>"),
        ("/questionnaires/local-governments", "/questionnaires/local-governments"),
        ("/r", "/r"),
        ("/charter/art10", "/charter/art10"),
        ("/staff/outcomes/snapshots/12/deck", "/staff/outcomes/snapshots/12/deck"),
        ("/a/local-governments/charter_experience", "/a/local-governments/charter_experience"),
        ("/static/css/site.css", "/static/css/site.css"),
    ],
)  # fmt: skip
def test_every_token_shaped_segment_is_redacted_whatever_matched(path, logged):
    assert redact_path(path) == logged


@pytest.mark.parametrize("segment", [TOKEN, secrets.token_hex(8), "AbCdEfGhIjKlMnOp", "a" * 40])
def test_token_shapes(segment):
    assert is_token_shaped(segment)


def _logged_path(app, path: str, method: str = "GET") -> tuple[int, str]:
    environ = EnvironBuilder(path=path, method=method).get_environ()
    statuses = []
    body = app.wsgi_app(environ, lambda status, headers, *_: statuses.append(status))
    b"".join(body)
    return int(statuses[0].split()[0]), environ[ENVIRON_LOG_PATH]


def test_the_app_leaves_a_redacted_path_for_every_status(app):
    for method, path, status in [
        ("GET", f"/contributions/status/{TOKEN}", 404),
        ("GET", f"/unknown/{TOKEN}", 404),
        ("DELETE", f"/i/{TOKEN}", 405),
        ("GET", f"/r/{TOKEN}", 404),
    ]:
        got, logged = _logged_path(app, path, method)
        assert got == status
        assert TOKEN not in logged and "<redacted>" in logged


class _Boom(Exception):
    pass


def test_a_database_error_logs_no_parameter_and_no_message(app, caplog, capsys):
    """A forced integrity error on a statement carrying a name and an e-mail address: neither
    reaches the log, nor does the driver's message (PostgreSQL's DETAIL quotes the values)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    email = "maria.secret@example.org"

    @app.post("/_fail")
    def fail():
        statement = text(
            "INSERT INTO users (id, email, role, password_hash) VALUES (:id, :email, 'x', 'y')"
        )
        db.session.execute(statement, {"id": 1, "email": email})
        db.session.execute(statement, {"id": 1, "email": email})
        return "unreachable"

    app.config["WTF_CSRF_ENABLED"] = False
    with caplog.at_level(logging.DEBUG):
        reply = app.test_client().post(f"/_fail?token={TOKEN}", data={"name": "Maria Secret"})
    assert reply.status_code in (500, 503)
    logged = caplog.text + capsys.readouterr().err
    logged += "".join(JsonFormatter().format(record) for record in caplog.records)
    assert "Error" in logged or "error" in logged
    for secret in (email, "maria.secret", "Maria Secret", TOKEN, "INSERT INTO users"):
        assert secret not in logged, secret


def test_an_exception_message_never_reaches_the_json_log():
    try:
        try:
            raise KeyError("someone@example.org")
        except KeyError as inner:
            raise _Boom("the answer was: my secret") from inner
    except _Boom:
        record = logging.LogRecord("consult", logging.ERROR, __file__, 1, "failed", (), None)
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "_Boom" in line and "KeyError" in line and "test_private_logs_and_files.py" in line
    assert "my secret" not in line and "example.org" not in line


@pytest.mark.sqlite_only
def test_the_database_its_wal_and_the_instance_folder_are_private(make_app, tmp_path):
    instance = tmp_path / "fresh-instance"
    app = make_app(instance=str(instance), DATABASE_URL=f"sqlite:///{instance}/consult.sqlite3")
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        db.commit()
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in Path(instance).iterdir()}
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert files["consult.sqlite3"] == 0o600
    for name, mode in files.items():
        if name.startswith("consult.sqlite3"):  # -wal and -shm while open
            assert mode == 0o600, (name, oct(mode))
    assert {"consult.sqlite3-wal", "consult.sqlite3-shm"} <= set(files)


def test_the_development_server_logs_no_token_and_no_client_address(app, caplog):
    """`consult run` serves with Werkzeug, whose request lines quote the path in clear."""
    token = secrets.token_urlsafe(32)
    server = make_server("127.0.0.1", free_port(), app)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        thread.start()
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/r/{token}/review?lang=fr")
        thread.join(timeout=10)
    server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/r/<redacted>/review" in line for line in lines), lines
    assert not any(token in line or "127.0.0.1 - -" in line for line in lines), lines
