"""sessions that can be ended

Each account keeps a session generation; a session cookie signed in under an earlier one
is refused (services/sessions.py). Sessions signed in before this revision are asked to
sign in again once.

Revision ID: 5e55105e9e11
Revises: d41f0a7b9c3e
Create Date: 2026-12-04 10:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e55105e9e11"
down_revision = "d41f0a7b9c3e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
