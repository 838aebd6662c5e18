"""a record's history is read by an index

Revision ID: 4157e2c0ffee
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-04 12:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "4157e2c0ffee"
down_revision = "7c1d2e3f4a5b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_entry_record", ["record_type", "record_id", "at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_history_entry_record")
