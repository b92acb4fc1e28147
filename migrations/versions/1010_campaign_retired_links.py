"""campaign retired links: a pledge's personal links a newer one replaced ("Lost your link?"
for pledges, or staff's new link), so that an open page of the old link can say so (410)

Only the SHA-256 of the old token is kept, with the pledge, when and why it was replaced.

Revision ID: 1010
Revises: 0970
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "1010"
down_revision = "0970"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_retired_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["campaign_pledges.id"],
            name="fk_campaign_retired_links_pledge_id_campaign_pledges",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_campaign_retired_links"),
    )
    op.create_index("ix_campaign_retired_links_pledge_id", "campaign_retired_links", ["pledge_id"])
    op.create_index(
        "ix_campaign_retired_links_retired_at", "campaign_retired_links", ["retired_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_retired_links_retired_at", table_name="campaign_retired_links")
    op.drop_index("ix_campaign_retired_links_pledge_id", table_name="campaign_retired_links")
    op.drop_table("campaign_retired_links")
