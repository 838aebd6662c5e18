"""the configuration's stamp: each process keeps the calendars and targets it loaded while
the stamp is unchanged

Revision ID: 6c0f1e2d3a4b
Revises: 5ea7c4b1d2e3
Create Date: 2026-12-04 15:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c0f1e2d3a4b"
down_revision = "5ea7c4b1d2e3"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "configuration_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_configuration_stamp")),
    )
    op.bulk_insert(table, [{"id": 1, "stamp": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("configuration_stamp")
