"""the campaign "10, 100, 1000": pledges, commitment options, letters, progress reports

Institutions join the campaign through a pledge (opened by a personal link, like a response),
verified by CISDP staff; they choose commitments from a list staff keep in three languages,
send a letter of commitment (kept in the file store) and report progress once a year.

Revision ID: 0800
Revises: 0790
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import consult.db

revision = "0800"
down_revision = "0790"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "campaign_commitment_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("label_fr", sa.String(length=300), nullable=False),
        sa.Column("label_es", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_commitment_options")),
        sa.UniqueConstraint("key", name=op.f("uq_campaign_commitment_options_key")),
    )
    op.create_table(
        "campaign_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("institution_name", sa.String(length=200), nullable=False),
        sa.Column("normalised_name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("population_band", sa.String(length=32), nullable=True),
        sa.Column("own_commitment", sa.String(length=2000), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_office", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("is_pioneer", sa.Boolean(), nullable=False),
        sa.Column("decision_reason", sa.String(length=2000), nullable=False),
        sa.Column("decided_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_campaign_pledges_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_campaign_pledges_response_id_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_pledges")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_campaign_pledges_token_hash")),
    )
    with op.batch_alter_table("campaign_pledges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_pledges_normalised_name_country",
            ["normalised_name", "country"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_pledges_response_id"), ["response_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_pledges_status_joined_on", ["status", "joined_on"], unique=False
        )

    op.create_table(
        "campaign_choices",
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["campaign_commitment_options.id"],
            name=op.f("fk_campaign_choices_option_id_campaign_commitment_options"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["campaign_pledges.id"],
            name=op.f("fk_campaign_choices_pledge_id_campaign_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pledge_id", "option_id", name=op.f("pk_campaign_choices")),
    )
    with op.batch_alter_table("campaign_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_choices_option_id"), ["option_id"], unique=False
        )

    op.create_table(
        "campaign_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=True),
        sa.Column("holding_hash", sa.String(length=64), nullable=True),
        sa.Column("stored_name", sa.String(length=255), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["campaign_pledges.id"],
            name=op.f("fk_campaign_letters_pledge_id_campaign_pledges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_campaign_letters_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_letters")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_campaign_letters_stored_name")),
    )
    with op.batch_alter_table("campaign_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_letters_holding_hash"), ["holding_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_letters_pledge_id"), ["pledge_id"], unique=False
        )

    op.create_table(
        "campaign_progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("commitment_key", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("submitted_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["campaign_pledges.id"],
            name=op.f("fk_campaign_progress_reports_pledge_id_campaign_pledges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_progress_reports")),
        sa.UniqueConstraint(
            "pledge_id",
            "commitment_key",
            "year",
            name=op.f("uq_campaign_progress_reports_pledge_id_commitment_key_year"),
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("campaign_progress_reports")
    with op.batch_alter_table("campaign_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_letters_pledge_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_letters_holding_hash"))

    op.drop_table("campaign_letters")
    with op.batch_alter_table("campaign_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_choices_option_id"))

    op.drop_table("campaign_choices")
    with op.batch_alter_table("campaign_pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_pledges_status_joined_on")
        batch_op.drop_index(batch_op.f("ix_campaign_pledges_response_id"))
        batch_op.drop_index("ix_campaign_pledges_normalised_name_country")

    op.drop_table("campaign_pledges")
    op.drop_table("campaign_commitment_options")
