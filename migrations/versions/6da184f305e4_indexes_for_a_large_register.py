"""indexes for a large register

Revision ID: 6da184f305e4
Revises: 5c9073e2f4d3
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '6da184f305e4'
down_revision = '5c9073e2f4d3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
