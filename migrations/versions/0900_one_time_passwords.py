"""one-time passwords: when a staff password was set, and whether only its owner knows it

A password that someone other than its owner set or saw (the first admin's, printed by
`consult init`; one an admin typed or reset) opens only the page that replaces it, and only
for STAFF_ONE_TIME_PASSWORD_HOURS (see consult/staff/operations.py).

Existing accounts whose audit trail shows no password chosen by their owner since the account
was created or its password reset (the first admin who never changed the printed one, say)
become one-time now, counted from this upgrade: their next sign-in asks for a new password.

Revision ID: 0900
Revises: 0890
Create Date: 2026-12-04
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0900"
down_revision = "0890"
branch_labels = None
depends_on = None

#: Audit actions that gave an account a password someone else set or saw.
SET_BY_OTHERS = ("user.created", "user.password_reset", "user.invited_by_email")
#: Audit actions of an owner choosing their own password.
SET_BY_OWNER = ("password.changed", "password.set_from_invite_link", "password.set_from_reset_link")


def upgrade() -> None:
    now = datetime.now(UTC)
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "password_set_at",
                consult.db.UTCDateTime(),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch.add_column(
            sa.Column(
                "is_password_one_time", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("password_set_at", consult.db.UTCDateTime()),
        sa.column("is_password_one_time", sa.Boolean),
    )
    audit = sa.table(
        "audit_entries",
        sa.column("id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("target", sa.String),
    )
    connection = op.get_bind()
    connection.execute(users.update().values(password_set_at=now))
    # The latest password event of each account decides: set by others, or by its owner.
    latest: dict[str, str] = {}
    for action, target in connection.execute(
        sa.select(audit.c.action, audit.c.target)
        .where(audit.c.action.in_(SET_BY_OTHERS + SET_BY_OWNER))
        .order_by(audit.c.id)
    ):
        latest[target] = action
    others = [email for email, action in latest.items() if action in SET_BY_OTHERS]
    if others:
        connection.execute(
            users.update().where(users.c.email.in_(others)).values(is_password_one_time=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_password_one_time")
        batch.drop_column("password_set_at")
