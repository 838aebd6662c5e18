"""correspondence templates and outbox

Revision ID: 4b8f62d1e3c2
Revises: 3a7e51c0d2b1
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '4b8f62d1e3c2'
down_revision = '3a7e51c0d2b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_template')),
    sa.UniqueConstraint('key', name=op.f('uq_mail_template_key'))
    )
    op.create_table('outbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('template_key', sa.String(length=40), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipient_address', sa.String(length=200), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=True),
    sa.Column('recipient_role', sa.String(length=30), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('internal_review_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_outbound_message_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['internal_review_id'], ['internal_review.id'], name=op.f('fk_outbound_message_internal_review_id_internal_review')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_outbound_message_participant_id_participant')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_outbound_message_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_outbound_message_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbound_message_dedupe_key'))
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_message_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_template_key'), ['template_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_template_key'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_participant_id'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_complaint_id'))
        batch_op.drop_index('ix_outbound_message_status_next')

    op.drop_table('outbound_message')
    op.drop_table('mail_template')
