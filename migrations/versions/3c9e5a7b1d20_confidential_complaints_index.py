"""confidential complaints found through an index

Whose identity an officer may not see is read from the confidential complaints: a
partial index of them (on the complainant) spares reading every complaint on the outbox,
the inbox, the audit trail and the reports.

Revision ID: 3c9e5a7b1d20
Revises: 6c0f1e2d3a4b
Create Date: 2026-12-04 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c9e5a7b1d20"
down_revision = "6c0f1e2d3a4b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_complaint_confidential",
        "complaint",
        ["complainant_id"],
        unique=False,
        sqlite_where=sa.text("confidential IS 1"),
        postgresql_where=sa.text("confidential IS TRUE"),
    )


def downgrade():
    op.drop_index("ix_complaint_confidential", table_name="complaint")
