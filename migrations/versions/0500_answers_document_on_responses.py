"""answers document on responses, backfilled from the answer rows

Revision ID: 0500
Revises: 0300
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0500"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add responses.answers_document and build it for every existing response."""
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_document", sa.Text(), nullable=True))
    # The document's format belongs to the application (consult/questionnaires/documents.py),
    # so the backfill uses the application's own rebuild, from the answer rows and each
    # response's stored definition. A later change of format would come with its own rebuild.
    from consult.questionnaires.versions import rebuild_answers_documents

    rebuild_answers_documents(op.get_bind())


def downgrade() -> None:
    """Drop the answers document (the answer rows hold everything it held)."""
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("answers_document")
