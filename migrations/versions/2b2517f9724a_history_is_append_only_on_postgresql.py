"""history is append-only on PostgreSQL

A trigger refuses UPDATE and DELETE on history_entry (TRUNCATE stays allowed). The
statements are the ones models/cases.py attaches to the table for `create_all`, so a
database built either way refuses the same. SQLite gets nothing: there the application
simply never updates or deletes an entry.

Revision ID: 2b2517f9724a
Revises: c522765aa4a9
Create Date: 2026-11-25 10:20:25.088743

"""
from alembic import op

from models.cases import HISTORY_APPEND_ONLY_DOWN, HISTORY_APPEND_ONLY_UP


# revision identifiers, used by Alembic.
revision = '2b2517f9724a'
down_revision = 'c522765aa4a9'
branch_labels = None
depends_on = None


def _on_postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _on_postgresql():
        for statement in HISTORY_APPEND_ONLY_UP:
            op.execute(statement)


def downgrade():
    if _on_postgresql():
        for statement in HISTORY_APPEND_ONLY_DOWN:
            op.execute(statement)
