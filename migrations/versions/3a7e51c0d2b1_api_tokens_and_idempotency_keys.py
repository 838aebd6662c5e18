"""API tokens and idempotency keys

Revision ID: 3a7e51c0d2b1
Revises: 2b2517f9724a
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '3a7e51c0d2b1'
down_revision = '2b2517f9724a'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
