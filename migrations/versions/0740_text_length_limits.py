"""every stored text has a limit: CHECK (length(column) <= n) on the free-text columns

The limits are those of consult/core/limits.py (TEXT_LIMITS), copied here so that this revision
never changes. A moderator note, a report comment or a moderation log note longer than its limit
(one took 5 MB before forms checked them) is cut to the limit first, so that the constraint can
be added; every other column's ceiling is far above what its form ever accepted.

Revision ID: 0740
Revises: 0720
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0740"
down_revision = "0720"
branch_labels = None
depends_on = None

TEXT_LIMITS = {
    ("contributions", "text"): 20_000,
    ("contributions", "moderation_note"): 1_000,
    ("contribution_replies", "text"): 20_000,
    ("official_responses", "text"): 20_000,
    ("contribution_reports", "comment"): 1_000,
    ("moderation_actions", "note"): 1_000,
    ("answers", "value"): 100_000,
    ("outcome_quotes", "text"): 20_000,
}


def _by_table() -> dict[str, list[tuple[str, int]]]:
    tables: dict[str, list[tuple[str, int]]] = {}
    for (table, column), limit in TEXT_LIMITS.items():
        tables.setdefault(table, []).append((column, limit))
    return tables


def upgrade() -> None:
    for table, columns in _by_table().items():
        for column, limit in columns:
            target = sa.table(table, sa.column(column, sa.Text))
            op.execute(
                target.update()
                .where(sa.func.length(target.c[column]) > limit)
                .values({column: sa.func.substr(target.c[column], 1, limit)})
            )
        with op.batch_alter_table(table) as batch:
            for column, limit in columns:
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}_length"), f"length({column}) <= {limit}"
                )


def downgrade() -> None:
    for table, columns in _by_table().items():
        with op.batch_alter_table(table) as batch:
            for column, _limit in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}_length"), type_="check")
