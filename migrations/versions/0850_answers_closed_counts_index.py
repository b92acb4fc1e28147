"""an index on answers (question_key, part_key, value, response_id), on SQLite

The outcomes summary counts the answers of closed questions in the database (GROUP BY
question, part, value for the covered responses). SQLite groups by sorting, which costs more
than reading every answer; with this index it walks the groups in order instead. PostgreSQL
aggregates with a hash table and needs no index (and its B-tree entries could not hold a long
text value), so the index exists on SQLite only.

Revision ID: 0850
Revises: 0830
Create Date: 2026-12-03
"""

from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0850"
down_revision = "0830"
branch_labels = None
depends_on = None

INDEX = "ix_answers_question_key_part_key_value"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            INDEX, "answers", ["question_key", "part_key", "value", "response_id"], unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name="answers")
