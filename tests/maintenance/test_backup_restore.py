"""Backup, restore and migrate-to through the command line: refusals, proofs, round trips."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, update

from consult import create_app
from consult.cli import init_database
from consult.db import db, make_engine
from consult.maintenance.tables import inventory
from consult.maintenance.transfer import snapshot
from consult.questionnaires.models import Answer
from tests.conftest import Respondent, base_config
from tests.reliability.harness import answers_for, scratch_postgres


def _respond(app, count: int) -> None:
    for index in range(count):
        respondent = Respondent(app.test_client())
        respondent.start()
        for section, fields in answers_for(index):
            assert respondent.save(section, fields).status_code == 303
        assert (
            respondent.submit(name="Jo Doe", email="jo@example.org", consent="yes").status_code
            == 303
        )


def _figures(url: str):
    engine = make_engine(url)
    try:
        with snapshot(engine) as reading:
            return inventory(reading)
    finally:
        engine.dispose()


@pytest.mark.sqlite_only
def test_backup_then_restore_refuses_a_database_with_data_unless_forced(make_app, tmp_path):
    source = make_app()
    _respond(source, 2)
    out = tmp_path / "consult-backup.sqlite3"
    made = source.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output and out.exists()
    assert (tmp_path / "consult-backup.sqlite3.manifest.json").exists()
    again = source.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert again.exit_code != 0 and "exists already" in again.output

    occupied = make_app()  # initialised: definitions and an admin
    refused = occupied.test_cli_runner().invoke(args=["restore", str(out)])
    assert refused.exit_code != 0 and "not empty" in refused.output
    forced = occupied.test_cli_runner().invoke(args=["restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "integrity: ok" in forced.output and "verified" in forced.output
    assert _figures(occupied.config["DATABASE_URL"]) == _figures(source.config["DATABASE_URL"])


@pytest.mark.sqlite_only
def test_a_restore_that_differs_from_its_manifest_is_reported(make_app, tmp_path):
    source = make_app()
    _respond(source, 1)
    out = tmp_path / "b.sqlite3"
    assert source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    engine = make_engine(f"sqlite:///{out}")
    with engine.begin() as connection:
        connection.execute(
            update(Answer).where(Answer.question_key == "country").values(value="FR")
        )
    engine.dispose()
    target = make_app(init=False)
    target_file = target.config["DATABASE_URL"].removeprefix("sqlite:///")
    os.unlink(target_file)
    result = target.test_cli_runner().invoke(args=["restore", str(out)])
    assert result.exit_code == 1
    assert "answers" in result.output and "DIFFERS" in result.output


def test_migrate_to_postgresql_and_back_proves_every_table(make_app, tmp_path):
    source = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'source.sqlite3'}")
    _respond(source, 3)
    with scratch_postgres("migrate") as postgres_url:
        result = source.test_cli_runner().invoke(args=["migrate-to", postgres_url])
        assert result.exit_code == 0, result.output
        assert "counts and checksums match" in result.output
        assert result.output.count(" ok") >= 5
        refused = source.test_cli_runner().invoke(args=["migrate-to", postgres_url])
        assert refused.exit_code != 0 and "not empty" in refused.output

        # Sequences were moved on: the PostgreSQL copy takes new responses.
        copy = create_app(
            base_config(tmp_path, INSTANCE_PATH=str(tmp_path / "pg"), DATABASE_URL=postgres_url)
        )
        with copy.app_context():
            init_database(copy)
        _respond(copy, 1)
        with copy.app_context():
            assert len(db.session.scalars(select(Answer.response_id).distinct()).all()) == 4
        back_url = f"sqlite:///{tmp_path / 'back.sqlite3'}"
        back = copy.test_cli_runner().invoke(args=["migrate-to", back_url])
        copy.extensions["consult.db"].engine.dispose()
        assert back.exit_code == 0, back.output
        assert _figures(back_url) == _figures(postgres_url)
