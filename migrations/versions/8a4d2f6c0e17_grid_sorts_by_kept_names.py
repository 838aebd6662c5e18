"""the complaints grid sorts by names kept on each complaint

Sorting by category or division joined their names and sorted every complaint; each
complaint now keeps its category's and division's names (services/sort_names.py), with
indexes that give them in order. Filled here from the categories and divisions.

Revision ID: 8a4d2f6c0e17
Revises: 3c9e5a7b1d20
Create Date: 2026-12-04 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8a4d2f6c0e17"
down_revision = "3c9e5a7b1d20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category_name", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("division_name", sa.String(length=120), nullable=True))
    op.execute(
        "UPDATE complaint SET category_name = "
        "(SELECT category.name FROM category WHERE category.id = complaint.category_id), "
        "division_name = "
        "(SELECT division.name FROM division WHERE division.id = complaint.division_id)"
    )
    op.create_index("ix_complaint_category_name", "complaint", ["category_name", "id"])
    op.create_index(
        "ix_complaint_division_category_name",
        "complaint",
        ["division_id", "category_name", "id"],
    )
    op.create_index("ix_complaint_division_name", "complaint", ["division_name", "id"])
    op.create_index(
        "ix_complaint_division_division_name",
        "complaint",
        ["division_id", "division_name", "id"],
    )


def downgrade():
    op.drop_index("ix_complaint_division_division_name", table_name="complaint")
    op.drop_index("ix_complaint_division_name", table_name="complaint")
    op.drop_index("ix_complaint_division_category_name", table_name="complaint")
    op.drop_index("ix_complaint_category_name", table_name="complaint")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("division_name")
        batch_op.drop_column("category_name")
