"""public lodgement and attachments

Revision ID: 5c9073e2f4d3
Revises: 4b8f62d1e3c2
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '5c9073e2f4d3'
down_revision = '4b8f62d1e3c2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
