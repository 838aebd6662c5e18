"""indexes for a large register

The complaints grid sorts newest first, within a coordinator's division and by status;
the reports count complaints, tickets and reviews by the instant a step was done in a
period. Composite indexes serve the grid's first page without sorting the register (and
replace the single-column indexes they begin with); single ones serve the reports.

Revision ID: 6da184f305e4
Revises: 5c9073e2f4d3
Create Date: 2026-11-25 12:20:00

"""
from alembic import op



# revision identifiers, used by Alembic.
revision = '6da184f305e4'
down_revision = '5c9073e2f4d3'
branch_labels = None
depends_on = None

# table, index, columns
NEW = [
    ("complaint", "ix_complaint_received_at_id", ["received_at", "id"]),
    ("complaint", "ix_complaint_division_received", ["division_id", "received_at", "id"]),
    ("complaint", "ix_complaint_status_received", ["status", "received_at", "id"]),
    (
        "complaint",
        "ix_complaint_division_status_received",
        ["division_id", "status", "received_at", "id"],
    ),
    ("complaint", "ix_complaint_acknowledged_at", ["acknowledged_at"]),
    (
        "complaint",
        "ix_complaint_finalised_cohort",
        ["finalised_at", "kind", "division_id", "received_at"],
    ),
    ("complaint", "ix_complaint_closed_at", ["closed_at"]),
    ("ticket", "ix_ticket_reported_at_id", ["reported_at", "id"]),
    ("ticket", "ix_ticket_resolved_at", ["resolved_at"]),
    ("internal_review", "ix_internal_review_requested_at", ["requested_at"]),
    ("internal_review", "ix_internal_review_completed_at", ["completed_at"]),
    ("external_review", "ix_external_review_notified_at", ["notified_at"]),
]
# Single-column indexes a composite above begins with.
REPLACED = [
    ("complaint", "ix_complaint_received_at", ["received_at"]),
    ("complaint", "ix_complaint_division_id", ["division_id"]),
    ("complaint", "ix_complaint_status", ["status"]),
    ("ticket", "ix_ticket_reported_at", ["reported_at"]),
]


def upgrade():
    for table, name, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in REPLACED:
        op.drop_index(name, table_name=table)
    # The planner's statistics for the new indexes: SQLite never gathers them by itself
    # (without them it takes any index for a good one), PostgreSQL only when autovacuum
    # next passes by.
    op.execute("ANALYZE")


def downgrade():
    for table, name, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in reversed(NEW):
        op.drop_index(name, table_name=table)
