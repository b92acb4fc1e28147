"""Every stored text has a limit: in the forms, before every flush, and in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from consult.contributions import operations
from consult.contributions.models import Contribution
from consult.core.limits import TEXT_LIMITS, ValueTooLong
from consult.db import db, writing
from consult.schema import alembic_config
from tests.conftest import csrf_token, moderation_versions

LONG = "x" * 20_001


def _contribution(app) -> int:
    with app.app_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session, text="A text.", kind="comment", language="en", organisation_type="academia"
        )
        db.commit()
        return contribution.id


@pytest.mark.parametrize(("table", "column"), sorted(TEXT_LIMITS))
def test_the_database_refuses_a_text_over_its_limit(app, table, column):
    """The CHECK holds even for SQL typed by hand (both databases)."""
    limit = TEXT_LIMITS[(table, column)]
    with app.app_context():
        sql = text(f"UPDATE {table} SET {column} = :value")  # noqa: S608 - names from a constant
        with db.engine.connect() as connection:
            connection.execute(sql, {"value": "x" * limit})  # at the limit: fine (no row: no-op)
        _contribution(app)
        if table == "contributions":
            with db.engine.connect() as connection, pytest.raises(IntegrityError):
                connection.execute(sql, {"value": "x" * (limit + 1)})


def test_the_flush_guard_refuses_before_the_database(app):
    contribution_id = _contribution(app)
    with app.app_context():
        contribution = db.session.get(Contribution, contribution_id)
        contribution.moderation_note = "n" * 1001
        with pytest.raises(ValueTooLong):
            db.session.flush()
        db.session.rollback()
        contribution = db.session.get(Contribution, contribution_id)
        contribution.organisation_name = "o" * 201  # a String(200): the same guard
        with pytest.raises(ValueTooLong):
            db.session.flush()


def test_a_five_megabyte_moderator_note_is_refused_and_a_long_one_never_stored(app, login):
    contribution_id = _contribution(app)
    moderator = login(app.test_client(), "moderator")
    token = csrf_token(moderator.get("/staff/moderation/").get_data(as_text=True))
    # Both are refused by the note's own limit, said on the page (422, core/field_limits.py;
    # five megabytes are first cut to MAX_FIELD_CHARACTERS + 1 as they are read). Neither is
    # stored.
    for note, status in (("n" * 5_000_000, 422), ("n" * 5_000, 422)):
        reply = moderator.post(
            "/staff/moderation/act",
            data={
                **moderation_versions(moderator),
                "csrf_token": token,
                "one": f"{contribution_id}:approve",
                "note": note,
            },
        )
        assert reply.status_code == status
        assert reply.headers["Content-Security-Policy"]
    with app.app_context():
        stored = db.session.get(Contribution, contribution_id)
        assert stored.status == "pending" and stored.moderation_note is None


def test_over_long_values_in_every_form_field_never_give_5xx(app, login, respondent_factory):
    """Every POST route, every field name, 20,001 characters (under the request cap): forms
    refuse them or the guard answers 413; never a database error (PostgreSQL's VARCHAR)."""
    from consult.questionnaires.registry import current_questionnaires

    admin = login(app.test_client(), "admin")
    app.config["WTF_CSRF_ENABLED"] = False
    token = respondent_factory(app.test_client()).start()
    _contribution(app)
    with app.app_context():
        names = {q.key for qs in current_questionnaires().values() for q in qs.questions}
    names |= {
        "text", "name", "email", "organisation_name", "signature", "comment", "note", "label",
        "password", "timezone", "as_of", "question", "contact.name", "contact.email",
        "contact.job_title", "institution_name",
    }  # fmt: skip
    form = {name: LONG for name in names}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "staff.logout":
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = token if argument == "token" else "local-governments"
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", value)
        for client in (app.test_client(), admin):
            reply = client.post(path, data=form)
            assert reply.status_code < 500, (path, reply.status_code)
    with app.app_context():
        for (table, column), limit in TEXT_LIMITS.items():
            longest = db.session.scalar(text(f"SELECT max(length({column})) FROM {table}"))  # noqa: S608
            assert (longest or 0) <= limit, (table, column)
        assert all(
            len(c.organisation_name or "") <= 200 for c in db.session.scalars(select(Contribution))
        )


@pytest.mark.sqlite_only
def test_migration_0740_cuts_over_long_notes_then_adds_the_checks(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0600")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contributions (id, kind, text, language, interface_language, "
                "organisation_type, status, status_token_hash, created_at, moderation_note, "
                "is_hidden_by_reports, support_count, is_demo) "
                "VALUES (1, 'comment', 'A text.', 'en', 'en', 'academia', 'pending', 'h', "
                "'2022-02-01 10:00:00', :note, 0, 0, 0)"
            ),
            {"note": "n" * 5_000_000},
        )
    command.upgrade(config, "0740")
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT length(moderation_note) FROM contributions")).scalar()
            == 1000
        )
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(text("UPDATE contributions SET moderation_note = :n"), {"n": "n" * 1001})
    command.downgrade(config, "0600")
    with engine.begin() as connection:
        connection.execute(text("UPDATE contributions SET moderation_note = :n"), {"n": "n" * 1001})
    engine.dispose()
