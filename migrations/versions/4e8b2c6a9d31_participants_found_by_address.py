"""participants found by their address whatever its case

Mail in, the import and the public pages look a person up by `lower(email)`; without an
index on that expression each lookup read every participant.

Revision ID: 4e8b2c6a9d31
Revises: 8a4d2f6c0e17
Create Date: 2026-12-05 04:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4e8b2c6a9d31"
down_revision = "8a4d2f6c0e17"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_participant_email_lower", "participant", [sa.text("lower(email)")])


def downgrade():
    op.drop_index("ix_participant_email_lower", table_name="participant")
