"""Reference numbers: unique and gap-free per prefix and year, safe with many writers.

The counter row is incremented in the registering transaction: PostgreSQL holds its row
lock until commit, so writers queue on it, and a rolled-back registration gives its
number back.
"""

from sqlalchemy.dialects import postgresql, sqlite

from models import ReferenceCounter

PREFIXES = {"complaint": "CTS", "compliment": "CMP", "suggestion": "SUG", "ticket": "TKT"}


def allocate(session, prefix: str, year: int) -> str:
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = ReferenceCounter.__table__
    statement = (
        dialect.insert(table)
        .values(prefix=prefix, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    number = connection.execute(statement).scalar_one()
    return f"{prefix}-{year}-{number:06d}"


def allocate_block(session, prefix: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers at once (an import): the same counter, one statement."""
    if count <= 0:
        return []
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = ReferenceCounter.__table__
    statement = (
        dialect.insert(table)
        .values(prefix=prefix, year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": table.c.last_value + count},
        )
        .returning(table.c.last_value)
    )
    last = connection.execute(statement).scalar_one()
    return [f"{prefix}-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]
