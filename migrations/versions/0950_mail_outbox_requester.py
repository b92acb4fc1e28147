"""mail outbox: who caused each public message, so that each cause has its own daily budget

The per-recipient bound counted every message to an address, whoever caused it: a stranger's
receipts to someone's address used up that person's own "e-mail me my link" and lost-link
messages. Each message now names its requester (the response, pledge or contribution it comes
from, or the client address), and the bound counts per recipient and requester; the index
serves that count.

Revision ID: 0950
Revises: 0940
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0950"
down_revision = "0940"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("requester", sa.String(length=80), nullable=True))
        batch.create_index(
            "ix_mail_outbox_recipient_email_requester_created_at",
            ["recipient_email", "requester", "created_at"],
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_index("ix_mail_outbox_recipient_email_requester_created_at")
        batch.drop_column("requester")
