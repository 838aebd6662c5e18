"""the scheduled jobs' last runs

Revision ID: 7ab5c4e4d0b1
Revises: 5e55105e9e11
Create Date: 2026-12-04 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "7ab5c4e4d0b1"
down_revision = "5e55105e9e11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_started_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_succeeded_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("last_detail", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )


def downgrade():
    op.drop_table("scheduled_job")
