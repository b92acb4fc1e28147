"""drafts keep their answers in their answers document only

A draft's page save now rewrites one row (its answers document); the Answer rows, which the
analysis reads, are written when the response is submitted. This revision moves existing
drafts to that shape: a draft without a document gets one from its rows, then the rows of
every draft are removed. Downgrading writes the drafts' rows back from their documents.

Revision ID: 0600
Revises: 0500
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import consult.db  # noqa: F401  (every revision imports it once, for custom column types)

revision = "0600"
down_revision = "0500"
branch_labels = None
depends_on = None

responses = sa.table(
    "responses",
    sa.column("id", sa.Integer),
    sa.column("version_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("answers_document", sa.Text),
)
answers = sa.table(
    "answers",
    sa.column("response_id", sa.Integer),
    sa.column("question_key", sa.String),
    sa.column("part_key", sa.String),
    sa.column("value", sa.Text),
)
drafts = sa.select(responses.c.id).where(responses.c.status == "draft")


def upgrade() -> None:
    """Give every draft a document built from its rows if it has none, then drop its rows."""
    # The document's format belongs to the application, as in revision 0500.
    from consult.questionnaires.versions import rebuild_answers_documents

    bind = op.get_bind()
    rebuild_answers_documents(bind, missing_only=True)
    bind.execute(sa.delete(answers).where(answers.c.response_id.in_(drafts)))


def downgrade() -> None:
    """Write each draft's answers back as rows, from its document."""
    from consult.questionnaires import documents
    from consult.questionnaires.versions import stored_definitions

    bind = op.get_bind()
    definitions = stored_definitions(bind)
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(responses.c.id, responses.c.version_id, responses.c.answers_document)
            .where(responses.c.status == "draft", responses.c.id > last_id)
            .order_by(responses.c.id)
            .limit(1000)
        ).all()
        if not batch:
            return
        decoded = {}
        for rid, version_id, document in batch:
            try:
                decoded[rid] = documents.decode(definitions[version_id], document or "")
            except ValueError:  # no usable document (DocumentError is one): rows stay as they are
                continue
        # The document is what the draft holds: any rows it has are replaced, not added to.
        bind.execute(sa.delete(answers).where(answers.c.response_id.in_(list(decoded))))
        rows = [
            {"response_id": rid, "question_key": key, "part_key": part, "value": value}
            for rid, answered in decoded.items()
            for key, parts in answered.items()
            for part, value in parts.items()
        ]
        if rows:
            bind.execute(sa.insert(answers), rows)
        last_id = batch[-1][0]
