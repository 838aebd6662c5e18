"""the satisfaction survey ("How it went")

One invitation per finalised complaint or resolved ticket (its link's token kept hashed),
and at most one set of answers per invitation.

Revision ID: 06f5ce943779
Revises: e7c1a9d4b2f5
Create Date: 2026-12-04 10:48:35

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "06f5ce943779"
down_revision = "e7c1a9d4b2f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_kind", sa.String(length=20), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(complaint_id IS NULL) <> (ticket_id IS NULL)",
            name=op.f("ck_survey_invitation_one_case"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_survey_invitation_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_survey_invitation_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_survey_invitation_complaint_id")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_invitation_ticket_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitation_token_hash")),
    )
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invitation_sent_at"), ["sent_at"], unique=False
        )

    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("handled_in_time", sa.Boolean(), nullable=False),
        sa.Column("fair", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "satisfaction BETWEEN 1 AND 5", name=op.f("ck_survey_response_satisfaction")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitation.id"],
            name=op.f("fk_survey_response_invitation_id_survey_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_response_invitation_id")),
    )


def downgrade():
    op.drop_table("survey_response")
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_invitation_sent_at"))
    op.drop_table("survey_invitation")
