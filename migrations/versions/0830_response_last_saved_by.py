"""who saved a response last: browser hash, browser and system families, language

Shown on the conflict page to colleagues sharing one personal link, so that "someone else"
has a meaningful name (see consult/questionnaires/origin.py).

Revision ID: 0830
Revises: 0800
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0830"
down_revision = "0800"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("last_saved_browser", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("last_saved_device", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("last_saved_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("last_saved_language")
        batch.drop_column("last_saved_device")
        batch.drop_column("last_saved_browser")
