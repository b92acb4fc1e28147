"""response changes: a log written by triggers, which the live outcomes summary follows

Every insert, update or delete of a response or an answer adds (response id) to
response_changes in the same transaction, whatever code path made it (consult.outcomes.changes
says why triggers). The table is not a model table: derived data, never copied by transfers.

Revision ID: 0890
Revises: 0880
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0890"
down_revision = "0880"
branch_labels = None
depends_on = None

#: (table, operation, the row's response id) logged by one trigger each.
LOGGED = [
    ("responses", "INSERT", "NEW.id"),
    ("responses", "UPDATE", "NEW.id"),
    ("responses", "DELETE", "OLD.id"),
    ("answers", "INSERT", "NEW.response_id"),
    ("answers", "UPDATE", "NEW.response_id"),
    ("answers", "DELETE", "OLD.response_id"),
]

PG_FUNCTION = """
CREATE FUNCTION log_response_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'responses' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO response_changes (response_id) VALUES (OLD.id);
        ELSE
            INSERT INTO response_changes (response_id) VALUES (NEW.id);
        END IF;
    ELSE
        IF TG_OP = 'DELETE' THEN
            INSERT INTO response_changes (response_id) VALUES (OLD.response_id);
        ELSE
            INSERT INTO response_changes (response_id) VALUES (NEW.response_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "response_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_response_changes"),
        # Never reuse an id once pruned: readers follow the log by id.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_response_changes_changed_at", "response_changes", ["changed_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in ("responses", "answers"):
            op.execute(
                f"CREATE TRIGGER log_{table}_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION log_response_change()"
            )
        return
    for table, operation, response_id in LOGGED:
        op.execute(
            f"CREATE TRIGGER log_{table}_{operation.lower()} AFTER {operation} ON {table} "
            f"BEGIN INSERT INTO response_changes (response_id) VALUES ({response_id}); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("responses", "answers"):
            op.execute(f"DROP TRIGGER IF EXISTS log_{table}_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS log_response_change()")
    else:
        for table, operation, _response_id in LOGGED:
            op.execute(f"DROP TRIGGER IF EXISTS log_{table}_{operation.lower()}")
    op.drop_index("ix_response_changes_changed_at", table_name="response_changes")
    op.drop_table("response_changes")
