"""`consult serve` starts a sender beside gunicorn, and stops it when it stops."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.mail.conftest import wait_for
from tests.reliability.harness import Server, consult_command, server_environment


@pytest.mark.sqlite_only
def test_serve_runs_a_sender_that_stops_with_it(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'consult.sqlite3'}"
    settings = {"CONSULT_MAIL_POLL_INTERVAL": "0.2", "CONSULT_SECRET_KEY": "serve-test-key-x"}
    server = Server(instance, url, workers=1, **settings).start()
    try:
        senders = _senders(server.process.pid)
        assert len(senders) == 1, senders
        queued = subprocess.run(
            consult_command("mail", "test", "someone@example.org", "--language", "fr"),
            env=server_environment(instance, url, **settings),
            capture_output=True,
            text=True,
            check=True,
        )
        assert "queued message" in queued.stdout
        # Delivered by the server's own sender, with no command run: a .eml file appears.
        assert wait_for(lambda: list((instance / "mail").glob("*-test.eml")), timeout=30)
    finally:
        server.stop()
    assert wait_for(lambda: not _alive(senders[0]), timeout=15)


def _senders(parent: int) -> list[int]:
    """Process ids of `consult mail send --loop` children of ``parent``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"send" in command and b"--loop" in command:
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
