"""client service reports

A client organisation's contacts may be nominated to receive its monthly service report;
each report is queued once per client and month (client_report_delivery, unique on the
pair); an outbox message may carry an HTML body and files made for it (the report's PDF),
and may be about no case.

Revision ID: 7c1d2e3f4a5b
Revises: 5d1e7c3a9b20
Create Date: 2026-12-04 11:00:00

"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7c1d2e3f4a5b"
down_revision = "5d1e7c3a9b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "receives_client_report", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "client_report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "client_id", "period", name="uq_client_report_delivery_client_period"
        ),
    )
    with op.batch_alter_table("client_report_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_report_delivery_client_id"), ["client_id"], unique=False
        )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("client_report_delivery_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbound_message_client_report_delivery_id"),
            ["client_report_delivery_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            "fk_outbound_message_client_report_delivery_id",
            "client_report_delivery",
            ["client_report_delivery_id"],
            ["id"],
        )
    op.create_table(
        "outbound_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbound_message_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbound_message_id"], ["outbound_message.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbound_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_file_outbound_message_id"),
            ["outbound_message_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("outbound_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_file_outbound_message_id"))
    op.drop_table("outbound_file")
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_outbound_message_client_report_delivery_id", type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbound_message_client_report_delivery_id"))
        batch_op.drop_column("client_report_delivery_id")
        batch_op.drop_column("body_html")
    with op.batch_alter_table("client_report_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_report_delivery_client_id"))
    op.drop_table("client_report_delivery")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("receives_client_report")
