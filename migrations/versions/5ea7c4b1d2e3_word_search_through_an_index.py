"""a name or a word of a summary is searched through an index

Trigram indexes (pg_trgm) on PostgreSQL, FTS5 trigram tables kept in step by triggers on
SQLite; the statements are models/search_index.py's, which `create_all` runs too.

Revision ID: 5ea7c4b1d2e3
Revises: 4157e2c0ffee
Create Date: 2026-12-04 14:00:00

"""

from alembic import op

from models import search_index

# revision identifiers, used by Alembic.
revision = "5ea7c4b1d2e3"
down_revision = "4157e2c0ffee"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for table_name in search_index.SEARCHED:
        if dialect == "postgresql":
            statements = search_index.postgresql_up(table_name)
        else:
            statements = search_index.sqlite_up(table_name)
            statements.append(search_index.sqlite_rebuild(table_name))
        for statement in statements:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table_name in search_index.SEARCHED:
        if dialect == "postgresql":
            statements = search_index.postgresql_down(table_name)
        else:
            statements = search_index.sqlite_down(table_name)
        for statement in statements:
            op.execute(statement)
