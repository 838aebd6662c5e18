"""a change made because of a complaint

A complaint records the change it led to in the department's policies, procedures or
practices (what, and when): the annual publication counts it as further action under the
Public Sector Act 2022 s 264.

Revision ID: 7e2a91c4b5f6
Revises: 6da184f305e4
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "7e2a91c4b5f6"
down_revision = "6da184f305e4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_made", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("change_made_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("change_made_at")
        batch_op.drop_column("change_made")
