"""public lodgement and attachments

Revision ID: 5c9073e2f4d3
Revises: 4b8f62d1e3c2
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '5c9073e2f4d3'
down_revision = '4b8f62d1e3c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_details_consent', sa.Boolean(), nullable=True))

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_attachment_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_complaint_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('personal_details_consent')
