"""a case's notes and contact log

The case file's internal notes and contacts (phone calls, meetings, letters by post, visits
in person) on complaints, tickets and internal reviews: never edited, corrected by new
entries pointing at the ones they correct.

Revision ID: 3b467cbbf6f9
Revises: 7e2a91c4b5f6
Create Date: 2026-12-03 17:44:29.616679

"""

from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = "3b467cbbf6f9"
down_revision = "7e2a91c4b5f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("internal_review_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("happened_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("with_whom", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN internal_review_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_case_note_one_case"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_case_note_complaint_id_complaint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["case_note.id"],
            name=op.f("fk_case_note_corrects_id_case_note"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["internal_review_id"],
            ["internal_review.id"],
            name=op.f("fk_case_note_internal_review_id_internal_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_case_note_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_case_note_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_note_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_note_internal_review_id"), ["internal_review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_note_recorded_at"), ["recorded_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_note_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_case_note_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_case_note_internal_review_id"))
        batch_op.drop_index(batch_op.f("ix_case_note_complaint_id"))

    op.drop_table("case_note")
