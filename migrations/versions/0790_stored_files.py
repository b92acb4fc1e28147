"""files kept in the database, for several hosts without a shared disk

Workspace exports (and later uploads) are kept in the app's file store: on PostgreSQL, in these
two tables, chunk by chunk, so any host can serve a file another host wrote.

Revision ID: 0790
Revises: 0780
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0790"
down_revision = "0780"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "stored_file_chunks",
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_name"],
            ["stored_files.name"],
            name=op.f("fk_stored_file_chunks_file_name_stored_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_name", "seq", name=op.f("pk_stored_file_chunks")),
    )


def downgrade() -> None:
    op.drop_table("stored_file_chunks")
    op.drop_table("stored_files")
