"""the closing slide of a snapshot's deck, set by staff in three languages

Revision ID: 0770
Revises: 0760
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0770"
down_revision = "0760"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "outcome_deck_settings",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("closing_title", sa.Text(), nullable=False),
        sa.Column("closing_text", sa.Text(), nullable=False),
        sa.Column("updated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["outcome_snapshots.id"],
            name=op.f("fk_outcome_deck_settings_snapshot_id_outcome_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", name=op.f("pk_outcome_deck_settings")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("outcome_deck_settings")
