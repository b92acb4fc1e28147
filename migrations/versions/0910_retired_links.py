"""retired links: personal links a newer one replaced, so an open page can say so (410)

Only the SHA-256 of the old token is kept, with the response, when and why it was replaced;
rows older than RETIRED_LINK_DAYS are deleted by `consult purge-drafts`.

Revision ID: 0910
Revises: 0905
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0910"
down_revision = "0905"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retired_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name="fk_retired_links_response_id_responses",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_retired_links"),
    )
    op.create_index("ix_retired_links_response_id", "retired_links", ["response_id"])
    op.create_index("ix_retired_links_retired_at", "retired_links", ["retired_at"])


def downgrade() -> None:
    op.drop_index("ix_retired_links_retired_at", table_name="retired_links")
    op.drop_index("ix_retired_links_response_id", table_name="retired_links")
    op.drop_table("retired_links")
