"""extension requests

A complaint manager asks for an extension from the complaint's page; the decision maker or a
coordinator approves it (creating the extension) or declines it, with a note.

Revision ID: 8f3b02d5c6a7
Revises: 0314847da71c
Create Date: 2026-12-03 18:00:00

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "8f3b02d5c6a7"
down_revision = "0314847da71c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposed_due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("extension_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["extension_id"], ["extension.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extension_request_complaint_id"), ["complaint_id"], unique=False
        )
        # One request waits for a decision per complaint, even when two are sent at once.
        batch_op.create_index(
            "uq_extension_request_pending",
            ["complaint_id"],
            unique=True,
            sqlite_where=sa.text("decision IS NULL"),
            postgresql_where=sa.text("decision IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.drop_index("uq_extension_request_pending")
        batch_op.drop_index(batch_op.f("ix_extension_request_complaint_id"))
    op.drop_table("extension_request")
