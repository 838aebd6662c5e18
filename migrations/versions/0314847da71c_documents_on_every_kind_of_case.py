"""documents on every kind of case

Staff add documents to complaints, tickets and internal reviews: an attachment belongs to
exactly one case, names the officer who added it (none: sent by the complainant) and says
what it is.

Revision ID: 0314847da71c
Revises: 3b467cbbf6f9
Create Date: 2026-12-03 18:02:59.456546

"""

from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = "0314847da71c"
down_revision = "3b467cbbf6f9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("internal_review_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("uploaded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=True))
        batch_op.alter_column("complaint_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_attachment_internal_review_id"), ["internal_review_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachment_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_uploaded_by_id_user_account"),
            "user_account",
            ["uploaded_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_internal_review_id_internal_review"),
            "internal_review",
            ["internal_review_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_ticket_id_ticket"),
            "ticket",
            ["ticket_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_attachment_one_case"),
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN internal_review_id IS NULL THEN 0 ELSE 1 END) = 1",
        )


def downgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attachment_one_case"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_attachment_ticket_id_ticket"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_attachment_internal_review_id_internal_review"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_attachment_uploaded_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_attachment_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_internal_review_id"))
        batch_op.alter_column("complaint_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("note")
        batch_op.drop_column("uploaded_by_id")
        batch_op.drop_column("internal_review_id")
        batch_op.drop_column("ticket_id")
