"""mail outbox: the due-message index also orders by id, so a claim reads only its batch

The sender claims the due messages in (next_attempt_at, id) order. With an index on
(state, next_attempt_at) only, PostgreSQL sorted every queued message for each batch of 50
(SQLite's indexes end with the row id already); with id in the index it reads the first 50.

Revision ID: 0880
Revises: 0850
Create Date: 2026-12-03
"""

from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0880"
down_revision = "0850"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_index("ix_mail_outbox_state_next_attempt_at")
        batch.create_index(
            "ix_mail_outbox_state_next_attempt_at_id", ["state", "next_attempt_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_index("ix_mail_outbox_state_next_attempt_at_id")
        batch.create_index("ix_mail_outbox_state_next_attempt_at", ["state", "next_attempt_at"])
