"""responses.hidden_answers: answers that a condition hides, kept instead of destroyed

Answering an earlier question so that a later one is no longer asked used to delete the later
answer; it is now kept here (JSON), outside the answers document and the Answer rows, so that
it comes back if the condition holds again and is never counted nor exported.

Revision ID: 0905
Revises: 0900
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0905"
down_revision = "0900"
branch_labels = None
depends_on = None


# A plain ADD COLUMN (no batch copy): SQLite keeps the table, and with it the triggers of 0890.
def upgrade() -> None:
    op.add_column("responses", sa.Column("hidden_answers", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("responses", "hidden_answers")
