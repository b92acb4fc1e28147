"""stored typed texts cleaned: the input chokepoint's rule applied to the texts stored before it

Since the release of 1010, every typed text passes through consult.core.typed_text.clean_text
at the input chokepoint (line breaks as LF, no bidirectional embedding/override/isolate
controls). Texts stored before still held CR LF, and a name ending "\\u202egnp.exe" showed
reversed on staff pages and in exports.
This revision passes every stored typed text through the same function, once:

- the columns listed in TYPED_TEXT (a test checks that every text column of the schema is
  either here or excluded for a reason, so that none is forgotten);
- a response's answers document cell by cell (documents.py: the row form's separators are
  control characters themselves; a free cell is stored spreadsheet-safe again, as encode
  writes it now) and its hidden answers' JSON, string values only;
- a pledge's folded name is folded again from its cleaned name (names.normalise_name).

Measured on SQLite: 5,600 responses (275,000 answer rows) in 1.7 s. Only rows whose text
changes are written; nothing else of a row changes (a response's revision
stays, so a page open during the upgrade is still the latest and saves as it is). A value that
would be empty once cleaned (nothing but controls: nothing to show reversed) is left as it is,
so that an answer row and its document stay equal. When anything changed, the summary cache is
emptied (its data version does not see a text change); every summary is computed again when
next asked. Snapshots are not rewritten: their checksum proves them unchanged since the freeze;
they are read through the same rule (outcomes/snapshots.py). Running it again changes nothing.

Revision ID: 1020
Revises: 1010
Create Date: 2026-12-05
"""

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)
from consult.campaign.names import normalise_name
from consult.core.typed_text import clean_strings, clean_text
from consult.questionnaires.documents import QUOTED, ROW_MARK, SEPARATOR, spreadsheet_safe

revision = "1020"
down_revision = "1010"
branch_labels = None
depends_on = None

#: How a column holds typed text: as it was typed, as an answers document, as JSON text.
TEXT = "text"
DOCUMENT = "document"
JSON_TEXT = "json text"

#: Every column holding text a person typed (respondents, contributors, cities, staff), frozen
#: with this revision.
TYPED_TEXT: dict[tuple[str, str], str] = {
    ("answers", "value"): TEXT,
    ("responses", "answers_document"): DOCUMENT,
    ("responses", "hidden_answers"): JSON_TEXT,
    ("contact_details", "name"): TEXT,
    ("contact_details", "job_title"): TEXT,
    ("contributions", "text"): TEXT,
    ("contributions", "organisation_name"): TEXT,
    ("contributions", "moderation_note"): TEXT,
    ("contributor_details", "name"): TEXT,
    ("contribution_replies", "text"): TEXT,
    ("contribution_replies", "signature"): TEXT,
    ("contribution_reports", "comment"): TEXT,
    ("official_responses", "text"): TEXT,
    ("moderation_actions", "note"): TEXT,
    ("outcome_quotes", "text"): TEXT,
    ("outcome_snapshots", "label"): TEXT,
    ("outcome_deck_settings", "closing_title"): TEXT,
    ("outcome_deck_settings", "closing_text"): TEXT,
    ("invitations", "institution_name"): TEXT,
    ("mail_templates", "subject"): TEXT,
    ("mail_templates", "body"): TEXT,
    ("campaign_pledges", "institution_name"): TEXT,
    ("campaign_pledges", "own_commitment"): TEXT,
    ("campaign_pledges", "signatory_name"): TEXT,
    ("campaign_pledges", "signatory_office"): TEXT,
    ("campaign_pledges", "contact_name"): TEXT,
    ("campaign_pledges", "contact_phone"): TEXT,
    ("campaign_pledges", "decision_reason"): TEXT,
    ("campaign_progress_reports", "text"): TEXT,
    ("campaign_commitment_options", "label_en"): TEXT,
    ("campaign_commitment_options", "label_fr"): TEXT,
    ("campaign_commitment_options", "label_es"): TEXT,
    ("campaign_letters", "original_name"): TEXT,
}


def clean_value(value: str) -> str:
    """Return a typed value cleaned (left as it is if nothing but controls)."""
    return clean_text(value) or value


def clean_document(document: str) -> str:
    """Return an answers document with every stored value cleaned, in the form encode writes."""
    if not document.startswith(ROW_MARK):
        return clean_json_text(document)
    tag, *cells = document.split(SEPARATOR)
    quoted = tag.endswith(QUOTED)
    changed = False
    for position, cell in enumerate(cells):
        # Option cells hold "1", "0" or an option's key: cleaning leaves them as they are.
        value = cell[1:] if cell.startswith("'") else cell
        cleaned = clean_value(value)
        if cleaned == value:
            continue
        cells[position], began_quoted = spreadsheet_safe(cleaned)
        quoted = quoted or began_quoted
        changed = True
    if not changed:
        return document
    if quoted and not tag.endswith(QUOTED):
        tag += QUOTED
    return SEPARATOR.join([tag, *cells])


def clean_json_text(text: str) -> str:
    """Return a JSON text {question: {part: value}} with its values cleaned (same layout)."""
    parsed = json.loads(text)
    cleaned = clean_strings(parsed)
    if cleaned == parsed:
        return text
    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


CLEANERS: dict[str, Callable[[str], str]] = {
    TEXT: clean_value,
    DOCUMENT: clean_document,
    JSON_TEXT: clean_json_text,
}


def clean_stored_texts(connection: sa.Connection) -> int:
    """Clean every TYPED_TEXT column; return how many values changed."""
    metadata = sa.MetaData()
    changed = 0
    for (name, column), kind in TYPED_TEXT.items():
        table = sa.Table(name, metadata, autoload_with=connection)
        keys = list(table.primary_key.columns)
        clean = CLEANERS[kind]
        found = []
        rows = connection.execute(
            sa.select(*keys, table.c[column])
            .where(table.c[column].is_not(None))
            .execution_options(yield_per=2000)
        )
        for *key, value in rows:
            cleaned = clean(value)
            if cleaned != value:
                found.append(
                    {**{f"k_{k.name}": v for k, v in zip(keys, key, strict=True)}, "v": cleaned}
                )
        if not found:
            continue
        where = [k == sa.bindparam(f"k_{k.name}") for k in keys]
        values = {column: sa.bindparam("v")}
        if (name, column) == ("campaign_pledges", "institution_name"):
            for each in found:
                each["folded"] = normalise_name(each["v"])
            values["normalised_name"] = sa.bindparam("folded")
        connection.execute(table.update().where(*where).values(values), found)
        changed += len(found)
    if changed:
        # The cache's data version sees counts and times, not texts: start it afresh.
        connection.execute(sa.text("DELETE FROM outcome_summary_cache"))
    return changed


def upgrade() -> None:
    clean_stored_texts(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the controls taken out were never meant to be stored."""
