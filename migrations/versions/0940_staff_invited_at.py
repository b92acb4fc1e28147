"""staff invitations: when an account was invited to choose its password by an e-mailed link

An invited account holds a random password nobody ever saw; the e-mailed link (valid 7 days)
is its only way in. Its account page said "one-time, expired" after the 72 hours of a password
shown on a screen while the link still worked: the account now knows it was invited, and the
page tells the link's own lifetime (User.password_state).

Accounts still waiting on an invitation (their latest password event is the invitation) get
the invitation's time from the audit log.

Revision ID: 0940
Revises: 0910
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0940"
down_revision = "0910"
branch_labels = None
depends_on = None

#: Audit actions that set an account's password (the latest one decides).
PASSWORD_EVENTS = (
    "user.created",
    "user.password_reset",
    "user.invited_by_email",
    "password.changed",
    "password.set_from_invite_link",
    "password.set_from_reset_link",
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("invited_at", consult.db.UTCDateTime(), nullable=True))
    users = sa.table(
        "users",
        sa.column("email", sa.String),
        sa.column("is_password_one_time", sa.Boolean),
        sa.column("invited_at", consult.db.UTCDateTime()),
    )
    audit = sa.table(
        "audit_entries",
        sa.column("id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("target", sa.String),
        sa.column("occurred_at", consult.db.UTCDateTime()),
    )
    connection = op.get_bind()
    latest: dict[str, tuple[str, object]] = {}
    for action, target, at in connection.execute(
        sa.select(audit.c.action, audit.c.target, audit.c.occurred_at)
        .where(audit.c.action.in_(PASSWORD_EVENTS))
        .order_by(audit.c.id)
    ):
        latest[target] = (action, at)
    for email, (action, at) in latest.items():
        if action == "user.invited_by_email":
            connection.execute(
                users.update()
                .where(users.c.email == email, users.c.is_password_one_time.is_(True))
                .values(invited_at=at)
            )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("invited_at")
