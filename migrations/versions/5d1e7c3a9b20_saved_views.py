"""saved views

A grid's filters, search, sort and columns saved under a name by its owner, and shared
with the owner's division when a coordinator or administrator chooses.

Revision ID: 5d1e7c3a9b20
Revises: e7c4a2d91b53
Create Date: 2026-12-04 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "5d1e7c3a9b20"
down_revision = "e7c4a2d91b53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("screen", sa.String(length=40), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("division_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["division_id"], ["division.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_view_owner_name"),
    )
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_view_division_id"), ["division_id"])
        batch_op.create_index(batch_op.f("ix_saved_view_owner_id"), ["owner_id"])


def downgrade():
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_view_owner_id"))
        batch_op.drop_index(batch_op.f("ix_saved_view_division_id"))
    op.drop_table("saved_view")
