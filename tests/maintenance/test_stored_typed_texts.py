"""Migration 1020: every text typed before the input chokepoint's rule passes through it once.

Every text column of the schema is either cleaned (the migration's TYPED_TEXT) or excluded
here for a reason, so that a new column cannot be forgotten; a row with CR LF and U+202E in
each cleaned column comes out clean, a clean row and every other column are untouched, and a
second run changes nothing (SQLite and PostgreSQL).
"""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from consult.campaign.names import normalise_name
from consult.core.typed_text import clean_text
from consult.db import db, writing
from consult.models import Base
from consult.questionnaires import documents
from consult.questionnaires.registry import current_questionnaires
from consult.schema import alembic_config

_PATH = (
    Path(__file__).resolve().parents[2] / "migrations/versions/1020_stored_typed_texts_cleaned.py"
)
_SPEC = importlib.util.spec_from_file_location("migration_1020", _PATH)
migration = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(migration)

#: Text columns not cleaned, and why. ("table", "*"): the whole table.
NOT_TYPED: dict[tuple[str, str], str] = {
    ("answers", "question_key"): "a question's key, from the definition",
    ("answers", "part_key"): "a part's key, from the definition",
    ("audit_entries", "*"): "the audit log is evidence, kept as it was written",
    ("campaign_commitment_options", "key"): "an option's key, chosen by the application",
    ("campaign_letters", "holding_hash"): "a digest",
    ("campaign_letters", "stored_name"): "a name the application made",
    ("campaign_letters", "sha256"): "a digest",
    ("campaign_pledges", "normalised_name"): "folded again from the cleaned name",
    ("campaign_pledges", "contact_email"): "an address, checked as one when typed",
    ("campaign_pledges", "token_hash"): "a digest",
    ("campaign_pledges", "status"): "a code",
    ("campaign_pledges", "source"): "a code",
    ("campaign_pledges", "level"): "a code",
    ("campaign_pledges", "country"): "a code",
    ("campaign_pledges", "region"): "a code",
    ("campaign_pledges", "population_band"): "a code",
    ("campaign_pledges", "language"): "a code",
    ("campaign_progress_reports", "commitment_key"): "an option's key",
    ("campaign_progress_reports", "status"): "a code",
    ("campaign_progress_reports", "language"): "a code",
    ("campaign_retired_links", "*"): "digests and codes",
    ("contact_details", "email"): "an address, checked as one when typed",
    ("contact_details", "consent_language"): "a code",
    ("contact_details", "browser_hash"): "a digest",
    ("contribution_bands", "*"): "codes",
    ("contribution_replies", "language"): "a code",
    ("contribution_replies", "organisation_type"): "a code",
    ("contribution_replies", "status"): "a code",
    ("contribution_replies", "moderation_reason"): "a code",
    ("contribution_replies", "address_hash"): "a digest",
    ("contribution_reports", "reason"): "a code",
    ("contribution_reports", "reporter_hash"): "a digest",
    ("contribution_reports", "address_hash"): "a digest",
    ("contribution_supports", "*"): "digests",
    ("contributions", "kind"): "a code",
    ("contributions", "article"): "a code",
    ("contributions", "part"): "a code",
    ("contributions", "language"): "a code",
    ("contributions", "interface_language"): "a code",
    ("contributions", "organisation_type"): "a code",
    ("contributions", "country"): "a code",
    ("contributions", "region"): "a code",
    ("contributions", "status"): "a code",
    ("contributions", "moderation_reason"): "a code",
    ("contributions", "status_token_hash"): "a digest",
    ("contributions", "address_hash"): "a digest",
    ("contributor_details", "email"): "an address, checked as one when typed",
    ("contributor_details", "consent_language"): "a code",
    ("export_jobs", "*"): "codes, options chosen from lists, file names and errors the "
    "application wrote",
    ("invitations", "questionnaire_key"): "a code",
    ("invitations", "country"): "a code",
    ("invitations", "region"): "a code",
    ("invitations", "email"): "an address, checked as one when typed",
    ("invitations", "language"): "a code",
    ("invitations", "nonce"): "a random id",
    ("login_attempts", "*"): "a short-lived count of sign-in attempts",
    ("mail_address_keys", "*"): "digests",
    ("mail_outbox", "*"): "mail as written for sending: a record of what went out (new mail is "
    "written from cleaned texts)",
    ("mail_templates", "kind"): "a code",
    ("mail_templates", "language"): "a code",
    ("moderation_actions", "action"): "a code",
    ("moderation_actions", "reason"): "a code",
    ("official_responses", "language"): "a code",
    ("outcome_deck_settings", "updated_by_email"): "a staff address",
    ("outcome_publications", "*"): "staff addresses",
    ("outcome_publishers", "*"): "staff addresses",
    ("outcome_quotes", "source"): "a code",
    ("outcome_quotes", "question_key"): "a question's key",
    ("outcome_quotes", "language"): "a code",
    ("outcome_quotes", "region"): "a code",
    ("outcome_quotes", "respondent_type"): "a code",
    ("outcome_quotes", "questionnaire_key"): "a code",
    ("outcome_quotes", "starred_by_email"): "a staff address",
    ("outcome_snapshots", "timezone"): "a zone's name, chosen from a list",
    ("outcome_snapshots", "frozen_by_email"): "a staff address",
    ("outcome_snapshots", "response_ids_sha256"): "a digest",
    ("outcome_snapshots", "summary_json"): "frozen with its checksum (summary_sha256), which "
    "must keep proving it unchanged; read through clean_strings instead",
    ("outcome_snapshots", "summary_sha256"): "a digest",
    ("outcome_summary_cache", "*"): "a cache: emptied when a text changed",
    ("questionnaire_versions", "*"): "definitions from the repository",
    ("rate_limit_counters", "*"): "digests",
    ("region_overrides", "*"): "codes",
    ("responses", "questionnaire_key"): "a code",
    ("responses", "resume_token_hash"): "a digest",
    ("responses", "status"): "a code",
    ("responses", "language"): "a code",
    ("responses", "receipt_number"): "made by the application",
    ("responses", "last_section_key"): "a section's key",
    ("responses", "country"): "a code",
    ("responses", "region"): "a code",
    ("responses", "respondent_type"): "a code",
    ("responses", "last_saved_browser"): "browser families the application named",
    ("responses", "last_saved_device"): "system families the application named",
    ("responses", "last_saved_language"): "a code",
    ("responses", "unit_editors"): "unit keys and random page ids",
    ("retired_links", "*"): "digests and codes",
    ("staff_sessions", "*"): "digests, codes and addresses",
    ("stored_file_chunks", "*"): "names the application made",
    ("stored_files", "*"): "names the application made and digests",
    ("used_tokens", "*"): "random ids",
    ("users", "*"): "addresses, digests and roles",
}


def _text_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text | sa.JSON)
    }


def test_every_text_column_is_cleaned_or_excluded_for_a_reason():
    typed = set(migration.TYPED_TEXT)
    columns = _text_columns()
    assert typed <= columns, typed - columns
    forgotten = {
        (table, column)
        for table, column in columns - typed
        if (table, column) not in NOT_TYPED and (table, "*") not in NOT_TYPED
    }
    assert not forgotten, f"cleaned by migration 1020 or excluded for a reason: {forgotten}"
    assert not typed & set(NOT_TYPED)


# -- the cleaning of one value ------------------------------------------------------------------

DIRTY = "Line one\r\nLine two \u202egnp.exe\u202c"
CLEAN = "Line one\nLine two gnp.exe"


@pytest.mark.parametrize(
    ("stored", "cleaned"),
    [
        (DIRTY, CLEAN),
        ("a\rb", "a\nb"),
        ("\u2066isolated\u2069 \u202aembedded\u202c", "isolated embedded"),
        ("Right-to-left mark \u200f stays", "Right-to-left mark \u200f stays"),
        ("tab\tand\nline feed stay", "tab\tand\nline feed stay"),
        ("\u202e", "\u202e"),  # nothing but a control: nothing to show reversed, kept
        ("plain", "plain"),
    ],
)
def test_a_stored_value_is_cleaned_by_the_inputs_rule(stored, cleaned):
    assert migration.clean_value(stored) == cleaned
    assert migration.clean_value(cleaned) == cleaned


@pytest.fixture
def partners(app):
    with app.app_context():
        return current_questionnaires()["partners"]


@pytest.mark.parametrize(
    ("typed", "as_cleaned"),
    [
        (DIRTY, CLEAN),
        ("=\u202ecmd\r\n", "=cmd\n"),  # escaped before, escaped after
        ("\u202e=cmd", "=cmd"),  # not escaped before (began with the control), escaped now
        ("\u202e'quoted", "'quoted"),  # began with an apostrophe once cleaned: the tag says so
        ("\r\nbegan with a break", "\nbegan with a break"),  # escaped before, not now
        ("tab\tstays", "tab\tstays"),
    ],
)
def test_a_document_is_cleaned_as_encode_writes_the_cleaned_answers(partners, typed, as_cleaned):
    """Both forms: the row form cell by cell, the JSON form (a separator in a value)."""
    free = [q for q in partners.questions if q.type in ("short_text", "long_text")][:2]
    for extra in ("", documents.SEPARATOR):
        (one, one_part), (two, two_part) = [(q.key, q.parts[0]) for q in free]
        answers = {one: {one_part: typed + extra}, two: {two_part: "Kept"}}
        expected = {one: {one_part: as_cleaned + extra}, two: {two_part: "Kept"}}
        stored = documents.encode(partners, answers)
        assert stored.startswith(documents.ROW_MARK) == (extra == "")
        cleaned = migration.clean_document(stored)
        if extra:
            expected = {
                k: {p: clean_text(v) for p, v in parts.items()} for k, parts in answers.items()
            }
        assert documents.decode(partners, cleaned) == expected
        if not extra:  # the JSON form stays one (it decodes to the same answers either way)
            assert cleaned == documents.encode(partners, expected)
        assert migration.clean_document(cleaned) == cleaned


# -- the migration on a database ------------------------------------------------------------------


def _value(table: sa.Table, column: sa.Column, n: int):
    """A value for ``column`` in row ``n`` of every table (row n points to parents' row n)."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        return _value(target.table, target, n)
    kind = migration.TYPED_TEXT.get((table.name, column.name))
    if kind is not None:
        if n == 2:
            return {
                migration.TEXT: f"Clean {n}",
                migration.DOCUMENT: "\x1ekey/1\x1fClean\nlines\x1f1",
                migration.JSON_TEXT: json.dumps({"q": {"other": "Clean"}}),
            }[kind]
        return {
            migration.TEXT: DIRTY,
            migration.DOCUMENT: "\x1ekey/1\x1f'=\u202ecmd\r\n\x1f1\x1f\x1f\u202e'q\x1fplain",
            migration.JSON_TEXT: json.dumps({"q": {"other": DIRTY}}),
        }[kind]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return n
    if isinstance(kind, sa.Float | sa.Numeric):
        return 0.5
    if isinstance(kind, sa.JSON):
        return {"n": n}
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    if isinstance(kind, sa.Date) and not isinstance(kind, sa.DateTime):
        return date(2026, 1, n)
    if isinstance(kind, sa.DateTime) or "DateTime" in type(kind).__name__:
        return datetime(2026, 1, n, tzinfo=UTC)
    return f"v{n}"[: getattr(kind, "length", None) or 10]


CLEANED_EXPECTED = {
    migration.TEXT: CLEAN,
    migration.DOCUMENT: "\x1ekey/1'\x1f'=cmd\n\x1f1\x1f\x1f''q\x1fplain",
    migration.JSON_TEXT: json.dumps({"q": {"other": CLEAN}}, separators=(",", ":")),
}


def _rows(connection) -> dict[str, dict]:
    found = {}
    for table in Base.metadata.sorted_tables:
        for row in connection.execute(sa.select(table)).mappings():
            found[(table.name, _key(table, row))] = dict(row)
    return found


def _first_key(name: str) -> tuple:
    table = Base.metadata.tables[name]
    return tuple(_value(table, c, 1) for c in table.primary_key.columns)


def _key(table, row):
    return tuple(row[c.name] for c in table.primary_key.columns)


def test_migration_1020_cleans_every_typed_text_once_and_nothing_else(app):
    def run(step, revision):
        config = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with writing(), db.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    tables = Base.metadata.sorted_tables
    with app.app_context():
        run(command.downgrade, "1010")
        with writing(), db.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                connection.execute(
                    table.insert(),
                    [{c.name: _value(table, c, n) for c in table.columns} for n in (1, 2)],
                )
            before = _rows(connection)
        run(command.upgrade, "1020")
        with db.engine.connect() as connection:
            after = _rows(connection)
        with writing(), db.engine.begin() as connection:  # a cache row written since
            table = Base.metadata.tables["outcome_summary_cache"]
            connection.execute(table.insert(), {c.name: _value(table, c, 3) for c in table.columns})
            cached = _rows(connection)
        run(command.downgrade, "1010")
        run(command.upgrade, "1020")
        with db.engine.connect() as connection:
            assert _rows(connection) == cached  # a second run changes nothing, keeps the cache

    assert not [key for key in after if key[0] == "outcome_summary_cache"]
    for key, row in before.items():
        name = key[0]
        if name == "outcome_summary_cache":
            continue
        expected = dict(row)
        if key[1] == _first_key(name):
            for (table, column), kind in migration.TYPED_TEXT.items():
                if table == name:
                    expected[column] = CLEANED_EXPECTED[kind]
            if name == "campaign_pledges":
                expected["normalised_name"] = normalise_name(CLEAN)
        assert after[key] == expected, name
    for (name, column), kind in migration.TYPED_TEXT.items():  # each was dirty, is clean
        first = (name, _first_key(name))
        assert before[first][column] != after[first][column] == CLEANED_EXPECTED[kind]


def test_a_snapshot_frozen_before_the_rule_is_read_cleaned_its_record_unchanged():
    """Its checksum must keep proving the stored summary unchanged since the freeze."""
    import hashlib

    from consult.outcomes.models import OutcomeSnapshot
    from consult.outcomes.snapshots import snapshot_summary

    stored = json.dumps(
        {"questionnaires": [], "quotes": [{"text": DIRTY, "language": "en"}]}, ensure_ascii=False
    )
    snapshot = OutcomeSnapshot(
        summary_json=stored, summary_sha256=hashlib.sha256(stored.encode()).hexdigest()
    )
    assert snapshot_summary(snapshot)["quotes"] == [{"text": CLEAN, "language": "en"}]
    assert snapshot.summary_json == stored
