"""responses count their saves, so that a save based on an older copy can be merged

Every save of a response's answers raises `revision` by one. A page carries the revision it
was shown at; a save based on an older revision is merged question by question instead of
overwriting what another browser saved meanwhile (see consult/questionnaires/merging.py).

Revision ID: 0720
Revises: 0600
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0720"
down_revision = "0600"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the save counter, 0 for every existing response."""
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop the save counter."""
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("revision")
