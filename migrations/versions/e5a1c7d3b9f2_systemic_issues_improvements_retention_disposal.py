"""systemic issues, improvements, retention and disposal

A complaint records the issues it raised (categories, several), whether it revealed a
systemic issue, its root cause and the improvements it led to; administrators keep a
retention rule per kind of case; a disposal removes a case's personal content and leaves
a disposal record. On PostgreSQL the history's trigger lets only `history_entry_dispose`
blank entries, and refuses TRUNCATE like UPDATE and DELETE.

Revision ID: e5a1c7d3b9f2
Revises: 7ab5c4e4d0b1
Create Date: 2026-12-04 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import models.base
from models.cases import HISTORY_DISPOSAL_DOWN, HISTORY_DISPOSAL_UP

# revision identifiers, used by Alembic.
revision = "e5a1c7d3b9f2"
down_revision = "7ab5c4e4d0b1"
branch_labels = None
depends_on = None


def _on_postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table(
        "complaint_issue",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("complaint_id", "category_id"),
    )
    op.create_index(
        "ix_complaint_issue_category_id", "complaint_issue", ["category_id"], unique=False
    )
    op.create_table(
        "improvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("made_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_improvement_complaint_id", "improvement", ["complaint_id"], unique=False)
    op.create_index("ix_improvement_made_at", "improvement", ["made_at"], unique=False)
    op.create_table(
        "retention_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_kind", sa.String(length=20), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("record_class", sa.String(length=300), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_kind"),
    )
    op.create_table(
        "disposal_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("case_kind", sa.String(length=20), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disposed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disposed_by_id", sa.Integer(), nullable=True),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("record_class", sa.String(length=300), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("removed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["disposed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disposal_record_case_id", "disposal_record", ["case_id"], unique=False)
    op.create_index(
        "ix_disposal_record_disposed_at", "disposal_record", ["disposed_at"], unique=False
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "systemic_issue", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("root_cause", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("disposed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("disposed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    if _on_postgresql():
        for statement in HISTORY_DISPOSAL_UP:
            op.execute(statement)


def downgrade():
    if _on_postgresql():
        for statement in HISTORY_DISPOSAL_DOWN:
            op.execute(statement)
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("disposed_at")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("disposed_at")
        batch_op.drop_column("root_cause")
        batch_op.drop_column("systemic_issue")
    op.drop_index("ix_disposal_record_disposed_at", table_name="disposal_record")
    op.drop_index("ix_disposal_record_case_id", table_name="disposal_record")
    op.drop_table("disposal_record")
    op.drop_table("retention_rule")
    op.drop_index("ix_improvement_made_at", table_name="improvement")
    op.drop_index("ix_improvement_complaint_id", table_name="improvement")
    op.drop_table("improvement")
    op.drop_index("ix_complaint_issue_category_id", table_name="complaint_issue")
    op.drop_table("complaint_issue")
