"""the conversation of a case: mail in, replies, canned paragraphs, letters by post

Email read from mailboxes (inbound_message) and its attachments; staff replies with their
threading headers, author and documents; paragraphs to start a reply from; letters marked as
sent by post; and whether a reply resumes a paused clock, per pause status.

Revision ID: baaca29339e2
Revises: 8f3b02d5c6a7
Create Date: 2026-12-04 01:44:41.897002

"""

import sqlalchemy as sa
from alembic import op

import models.base

# revision identifiers, used by Alembic.
revision = "baaca29339e2"
down_revision = "8f3b02d5c6a7"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "canned_paragraph",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_paragraph")),
        sa.UniqueConstraint("title", name=op.f("uq_canned_paragraph_title")),
    )
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("mailbox", sa.String(length=60), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("in_reply_to", sa.String(length=1000), nullable=True),
        sa.Column("references_header", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("claimed_reference", sa.String(length=40), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("internal_review_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("raw_stored_name", sa.String(length=64), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN internal_review_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name=op.f("ck_inbound_message_at_most_one_case"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_inbound_message_complaint_id_complaint"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["user_account.id"],
            name=op.f("fk_inbound_message_handled_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["internal_review_id"],
            ["internal_review.id"],
            name=op.f("fk_inbound_message_internal_review_id_internal_review"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_inbound_message_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_inbound_message_ticket_id_ticket"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_message_message_id")),
        sa.UniqueConstraint("raw_stored_name", name=op.f("uq_inbound_message_raw_stored_name")),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_from_address"), ["from_address"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_internal_review_id"),
            ["internal_review_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbound_message_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_inbound_message_status_received", ["status", "received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "outbound_attachment",
        sa.Column("outbound_message_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_outbound_attachment_attachment_id_attachment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_message_id"],
            ["outbound_message.id"],
            name=op.f("fk_outbound_attachment_outbound_message_id_outbound_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "outbound_message_id", "attachment_id", name=op.f("pk_outbound_attachment")
        ),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inbound_message_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_attachment_inbound_message_id"), ["inbound_message_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_inbound_message_id_inbound_message"),
            "inbound_message",
            ["inbound_message_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_reply_to", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("references_header", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("posted_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("posted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_message_posted_by_id_user_account"),
            "user_account",
            ["posted_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_message_author_id_user_account"),
            "user_account",
            ["author_id"],
            ["id"],
        )

    with op.batch_alter_table("pause_status", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resume_on_reply", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():

    with op.batch_alter_table("pause_status", schema=None) as batch_op:
        batch_op.drop_column("resume_on_reply")

    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbound_message_author_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_outbound_message_posted_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("posted_by_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("author_id")
        batch_op.drop_column("references_header")
        batch_op.drop_column("in_reply_to")

    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attachment_inbound_message_id_inbound_message"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_attachment_inbound_message_id"))
        batch_op.drop_column("inbound_message_id")

    op.drop_table("outbound_attachment")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_ticket_id"))
        batch_op.drop_index("ix_inbound_message_status_received")
        batch_op.drop_index(batch_op.f("ix_inbound_message_status"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_internal_review_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_from_address"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_complaint_id"))

    op.drop_table("inbound_message")
    op.drop_table("canned_paragraph")
