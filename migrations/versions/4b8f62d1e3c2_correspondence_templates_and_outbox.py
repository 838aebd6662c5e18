"""correspondence templates and outbox

Revision ID: 4b8f62d1e3c2
Revises: 3a7e51c0d2b1
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '4b8f62d1e3c2'
down_revision = '3a7e51c0d2b1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
