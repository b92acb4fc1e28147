"""Configuration: defaults, instance/config.py, CONSULT_* variables, the generated secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult import create_app
from consult.config import from_environment, load_or_create_secret_key


def test_environment_variables_override_with_typed_values():
    values = from_environment(
        {
            "CONSULT_DATABASE_URL": "postgresql+psycopg://u:p@h/db",
            "CONSULT_SMALL_CELL_THRESHOLD": "10",
            "CONSULT_SESSION_COOKIE_SECURE": "true",
            "CONSULT_INSTANCE_PATH": "/var/lib/consult",
            "OTHER": "ignored",
        }
    )
    assert values == {
        "DATABASE_URL": "postgresql+psycopg://u:p@h/db",
        "SMALL_CELL_THRESHOLD": 10,
        "SESSION_COOKIE_SECURE": True,
    }


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path: Path):
    first = load_or_create_secret_key(str(tmp_path))
    second = load_or_create_secret_key(str(tmp_path))
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_folder_config_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "config.py").write_text("SMALL_CELL_THRESHOLD = 7\nREPORT_HIDE_THRESHOLD = 9\n")
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CONSULT_REPORT_HIDE_THRESHOLD", "4")
    app = create_app()
    try:
        assert app.instance_path == str(tmp_path)
        assert app.config["SMALL_CELL_THRESHOLD"] == 7
        assert app.config["REPORT_HIDE_THRESHOLD"] == 4
        assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'consult.sqlite3'}"
        assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    finally:
        app.extensions["consult.db"].engine.dispose()


def test_session_cookie_defaults_are_safe(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
