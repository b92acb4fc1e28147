"""which page last changed each answer of a response: so that a page's own earlier saves (an
autosave whose reply was lost) are never taken for someone else's

Each page shown carries a random editor id (see consult/questionnaires/merging.py); a save
records it against every answer unit it changed.

Revision ID: 0970
Revises: 0950
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0970"
down_revision = "0950"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("unit_editors", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("unit_editors")
