"""restrictions of contact and representatives

Unreasonable complainant conduct: the register of restrictions of a person's contact, the
contacts caught through a restricted channel, the contact officer a complaint goes to, and
the representatives a complainant acts through.

Revision ID: e7c4a2d91b53
Revises: 2fa0c0de5e11
Create Date: 2026-12-04 10:45:00

"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "e7c4a2d91b53"
down_revision = "2fa0c0de5e11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("division_id", sa.Integer(), nullable=False),
        sa.Column("conduct", sa.Text(), nullable=False),
        sa.Column("contact_officer_id", sa.Integer(), nullable=False),
        sa.Column("subject_matter", sa.Text(), nullable=True),
        sa.Column("channels", sa.String(length=100), nullable=False),
        sa.Column("contact_times", sa.Text(), nullable=True),
        sa.Column("permitted_contact", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["contact_officer_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["division_id"], ["division.id"]),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_restriction", schema=None) as batch_op:
        for column in (
            "complaint_id",
            "contact_officer_id",
            "division_id",
            "participant_id",
            "review_due_at",
        ):
            batch_op.create_index(f"ix_contact_restriction_{column}", [column], unique=False)

    op.create_table(
        "restricted_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("restriction_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["restriction_id"], ["contact_restriction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("restricted_contact", schema=None) as batch_op:
        batch_op.create_index("ix_restricted_contact_complaint_id", ["complaint_id"], unique=False)
        batch_op.create_index(
            "ix_restricted_contact_restriction_id", ["restriction_id"], unique=False
        )

    op.create_table(
        "representative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("letters", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("authority_date", sa.Date(), nullable=True),
        sa.Column("authority_notes", sa.Text(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("representative", schema=None) as batch_op:
        batch_op.create_index("ix_representative_complaint_id", ["complaint_id"], unique=False)
        batch_op.create_index(
            "ix_representative_participant_id", ["participant_id"], unique=False
        )

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_officer_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_complaint_contact_officer_id", ["contact_officer_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_complaint_contact_officer_id_participant",
            "participant",
            ["contact_officer_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaint_contact_officer_id_participant", type_="foreignkey")
        batch_op.drop_index("ix_complaint_contact_officer_id")
        batch_op.drop_column("contact_officer_id")
    op.drop_table("representative")
    op.drop_table("restricted_contact")
    op.drop_table("contact_restriction")
