"""Cold start: several processes starting at once on an empty instance folder and database.

Four `consult init` at once, then two `consult serve --workers 4` at once (two hosts starting
together, each master building the app once and forking four workers): the schema is created
exactly once, the definitions loaded once, one first admin, one secret key, and no process
crashes.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from consult.questionnaires.models import QuestionnaireVersion
from consult.staff.models import User
from tests.reliability.conftest import BACKENDS
from tests.reliability.harness import Server, consult_command, server_environment

PROCESSES = 4


def _database_figures(database_url: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(
                select(QuestionnaireVersion.key, QuestionnaireVersion.version)
            ).all()
            return {
                "alembic_version rows": connection.scalar(
                    text("SELECT count(*) FROM alembic_version")
                ),
                "questionnaire_versions": len(versions),
                "distinct versions": len(set(versions)),
                "users": connection.scalar(select(func.count(User.id))),
                "admins": connection.scalar(
                    select(func.count(User.id)).where(User.role == "admin")
                ),
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_four_inits_at_once_create_everything_once(instance, database_url, findings):
    environment = server_environment(instance, database_url)
    began = time.monotonic()
    processes = [
        subprocess.Popen(
            consult_command("init"),
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    seconds = time.monotonic() - began
    codes = [process.returncode for process in processes]
    stdout = "".join(out for out, _ in outputs)
    figures = _database_figures(database_url)
    key_lines = (instance / "secret_key").read_text().splitlines()
    findings(
        f"{PROCESSES} `consult init` at once in {seconds:.1f} s: exit codes {codes}; "
        f"'schema created' printed {stdout.count('database schema created')}x, 'loaded' "
        f"{stdout.count('loaded ')}x, first admin {stdout.count('created the first admin')}x; "
        f"database {figures}; secret key lines {len(key_lines)}"
    )
    assert codes == [0] * PROCESSES, [err for _, err in outputs]
    assert stdout.count("database schema created") == 1
    assert stdout.count("created the first admin") == 1
    assert figures["alembic_version rows"] == 1
    assert figures["questionnaire_versions"] == figures["distinct versions"] == 2
    assert figures["users"] == figures["admins"] == 1
    assert len(key_lines) == 1 and len(key_lines[0]) > 40


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_two_servers_of_four_workers_start_at_once_on_nothing(instance, database_url, findings):
    servers = [Server(instance, database_url, workers=4) for _ in range(2)]
    began = time.monotonic()
    try:
        for server in servers:
            server.start(wait=False)
        for server in servers:
            server.wait_ready()
        seconds = time.monotonic() - began
        alive = [server.process.poll() is None for server in servers]
    finally:
        for server in servers:
            server.stop()
    logs = "".join(server.log() for server in servers)
    booted = logs.count("Booting worker")
    crashes = logs.count("Traceback") + logs.count("Worker failed to boot")
    figures = _database_figures(database_url)
    findings(
        f"2 x `consult serve --workers 4` at once, healthy in {seconds:.1f} s: workers booted "
        f"{booted}, tracebacks {crashes}; database {figures}"
    )
    assert alive == [True, True]
    assert booted == 8 and crashes == 0
    assert figures["alembic_version rows"] == 1
    assert figures["questionnaire_versions"] == figures["distinct versions"] == 2
    assert figures["users"] == figures["admins"] == 1
