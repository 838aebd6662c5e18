"""a case's own page: personal links, requests for a fresh link, late review requests

Revision ID: a7c3e5f19b20
Revises: e5a1c7d3b9f2
Create Date: 2026-12-04 10:40:00

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "a7c3e5f19b20"
down_revision = "e5a1c7d3b9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="case_link_one_case",
        ),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("case_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_link_complaint_id"), ["complaint_id"])
        batch_op.create_index(batch_op.f("ix_case_link_ticket_id"), ["ticket_id"])
        batch_op.create_index(batch_op.f("ix_case_link_participant_id"), ["participant_id"])

    op.create_table(
        "case_link_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_link_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_link_request_reference_at", ["reference", "requested_at"]
        )
        batch_op.create_index("ix_case_link_request_email_at", ["email_hash", "requested_at"])

    op.create_table(
        "late_review_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("requested_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("internal_review_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(
            ["internal_review_id"], ["internal_review.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("late_review_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_late_review_request_complaint_id"), ["complaint_id"])
        batch_op.create_index(batch_op.f("ix_late_review_request_status"), ["status"])


def downgrade():
    op.drop_table("late_review_request")
    op.drop_table("case_link_request")
    op.drop_table("case_link")
