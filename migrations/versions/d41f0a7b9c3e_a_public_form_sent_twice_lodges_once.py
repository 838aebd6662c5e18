"""a public form sent twice lodges once

A complaint lodged through the public form keeps the hash of the form's submission token,
unique, so that the same form sent again (a retry after a connection error, a double
click) answers with the first lodgement.

Revision ID: d41f0a7b9c3e
Revises: baaca29339e2
Create Date: 2026-12-04 06:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d41f0a7b9c3e"
down_revision = "baaca29339e2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lodgement_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_complaint_lodgement_key", ["lodgement_key"])


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("uq_complaint_lodgement_key", type_="unique")
        batch_op.drop_column("lodgement_key")
