"""outcome publishers: staff an administrator lets publish the outcomes

Publishing and withdrawing the public outcomes was for administrators only; an administrator can
now delegate it to a named analyst, one row per delegation.

Revision ID: 0760
Revises: 0750
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db

revision = "0760"
down_revision = "0750"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_publishers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outcome_publishers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_outcome_publishers")),
    )


def downgrade() -> None:
    op.drop_table("outcome_publishers")
