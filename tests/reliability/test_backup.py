"""Backup under write load: `consult backup` while respondents keep submitting, then
`consult restore` into an empty database. The restore verifies itself (integrity, manifest
counts and checksums) and holds every response acknowledged before the backup began.
"""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from tests.reliability.conftest import BACKENDS
from tests.reliability.harness import (
    Server,
    Tally,
    consult_command,
    run_clients,
    scratch_postgres,
    server_environment,
    verify_responses,
)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_backup_under_load_restores_every_acknowledged_response(
    instance, database_url, tmp_path, findings
):
    server = Server(instance, database_url, workers=2).start()
    tally = Tally()
    stop = threading.Event()
    clients = threading.Thread(
        target=run_clients,
        args=(server.address, tally),
        kwargs={"respondents": 100_000, "clients": 6, "stop": stop, "deadline_s": 120},
        daemon=True,
    )
    clients.start()
    try:
        deadline = time.monotonic() + 60
        while len(tally.acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        acknowledged_before = dict(tally.acknowledged)
        backup_file = tmp_path / ("backup.sqlite3" if "sqlite" in database_url else "backup.dump")
        began = time.monotonic()
        made = subprocess.run(
            [*consult_command("backup", "--out", str(backup_file))],
            env=server_environment(instance, database_url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        backup_s = time.monotonic() - began
        during = len(tally.acknowledged) - len(acknowledged_before)
        time.sleep(0.5)  # load goes on after the backup too
    finally:
        stop.set()
        clients.join(timeout=60)
        server.stop()
    assert made.returncode == 0, made.stderr

    restored_instance = tmp_path / "restored"
    restored_instance.mkdir()
    with _empty_database(database_url, restored_instance) as restored_url:
        restoring = subprocess.run(
            consult_command("restore", str(backup_file)),
            env=server_environment(restored_instance, restored_url),
            capture_output=True,
            text=True,
            timeout=300,
        )
        before = Tally(acknowledged=acknowledged_before)
        verdict = verify_responses(restored_url, before) if restoring.returncode == 0 else None
    integrity = next(
        (line for line in restoring.stdout.splitlines() if line.startswith("integrity")), "-"
    )
    findings(
        f"backup ({backup_file.stat().st_size} bytes) took {backup_s:.2f} s while clients went "
        f"on: {len(acknowledged_before)} acknowledged before it began, {during} during it, "
        f"{len(tally.acknowledged)} in all"
    )
    assert restoring.returncode == 0, restoring.stdout + restoring.stderr
    findings(
        f"restored into an empty database: {integrity}; acknowledged-before-backup present "
        f"whole {verdict.acknowledged_present}/{len(acknowledged_before)}; submitted in the "
        f"backup {verdict.submitted} (incomplete {verdict.submitted_incomplete})"
    )
    assert "verified" in restoring.stdout
    assert not verdict.acknowledged_missing
    assert verdict.submitted_incomplete == 0
    assert len(acknowledged_before) <= verdict.submitted <= len(tally.acknowledged)


def _empty_database(database_url: str, instance):
    import contextlib

    if database_url.startswith("sqlite"):
        return contextlib.nullcontext(f"sqlite:///{instance / 'consult.sqlite3'}")
    return scratch_postgres("restored")
