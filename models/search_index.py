"""Word search through an index, so that a name or a word of a summary is found without
reading the register: trigram indexes (`pg_trgm`, GIN) on PostgreSQL, FTS5 tables with the
trigram tokenizer on SQLite. Both match any part of a word of three characters or more,
ignoring case, as the grid's search box always has; shorter terms are searched as before.

The indexes are not models' columns: the statements below make them, for `create_all`
(through the tables' DDL events) and for the migration that adds them, and
`include_name` keeps them out of the schema comparison. So is, on PostgreSQL, the partial
index of open complaints (`OPEN_COMPLAINTS`), through which the home page counts the open
work of a register of millions without reading the closed cases.
"""

from sqlalchemy import DDL, Integer, column, event, literal_column, or_, select, table, union

from rules.vocabulary import COMPLAINT_CLOSED_STATUSES

from .base import db

# The columns each search index covers, per table: what the grid's search box reads.
SEARCHED = {
    "complaint": ("reference", "summary", "description"),
    "participant": ("given_name", "family_name", "organisation_name"),
}
SHORTEST = 3  # a trigram: a shorter term cannot use the index

OPEN_COMPLAINTS = "ix_complaint_open"


def open_complaints_up() -> str:
    closed = ", ".join(f"'{status}'" for status in sorted(COMPLAINT_CLOSED_STATUSES))
    return (
        f"CREATE INDEX IF NOT EXISTS {OPEN_COMPLAINTS} ON complaint (division_id, next_due_at) "
        f"WHERE status NOT IN ({closed})"
    )


def open_complaints_down() -> str:
    return f"DROP INDEX IF EXISTS {OPEN_COMPLAINTS}"


def trigram_index(table_name: str, column_name: str) -> str:
    return f"ix_{table_name}_{column_name}_trgm"


def fts_table(table_name: str) -> str:
    return f"{table_name}_fts"


def include_name(name, type_, parent_names) -> bool:
    """For Alembic: the search indexes are made by hand, not compared with the models."""
    if type_ == "table" and name:
        return not any(name.startswith(fts_table(t)) for t in SEARCHED)
    if type_ == "index" and name:
        return not name.endswith("_trgm") and name != OPEN_COMPLAINTS
    return True


def postgresql_up(table_name: str) -> list[str]:
    return (
        ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
        + [
            f"CREATE INDEX IF NOT EXISTS {trigram_index(table_name, c)} "
            f"ON {table_name} USING gin ({c} gin_trgm_ops)"
            for c in SEARCHED[table_name]
        ]
        + ([open_complaints_up()] if table_name == "complaint" else [])
    )


def postgresql_down(table_name: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {trigram_index(table_name, c)}" for c in SEARCHED[table_name]
    ] + ([open_complaints_down()] if table_name == "complaint" else [])


def sqlite_up(table_name: str) -> list[str]:
    """An external-content FTS5 table kept in step by triggers (the rows stay in the table)."""
    fts, columns = fts_table(table_name), SEARCHED[table_name]
    listed = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({listed}, "
        f"content='{table_name}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table_name} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table_name} "
        f"BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {listed} ON {table_name} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_rebuild(table_name: str) -> str:
    """Fill the FTS table from the rows already there (after adding it to a database)."""
    fts = fts_table(table_name)
    return f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"


def sqlite_down(table_name: str) -> list[str]:
    fts = fts_table(table_name)
    return [f"DROP TRIGGER IF EXISTS {fts}_{e}" for e in ("insert", "delete", "update")] + [
        f"DROP TABLE IF EXISTS {fts}"
    ]


def install(connection) -> None:
    """Add the search indexes to a database made before them (benchmarks reusing one)."""
    dialect = connection.dialect.name
    for table_name in SEARCHED:
        if dialect == "postgresql":
            for statement in postgresql_up(table_name):
                connection.exec_driver_sql(statement)
        elif dialect == "sqlite":
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = ?", (fts_table(table_name),)
            ).scalar()
            for statement in sqlite_up(table_name):
                connection.exec_driver_sql(statement)
            if not exists:
                connection.exec_driver_sql(sqlite_rebuild(table_name))


def purge_removed(connection) -> None:
    """After personal text is removed (disposal): on SQLite, merge the FTS5 indexes, which
    otherwise keep the trigrams of removed text in older segments until they merge. (On
    PostgreSQL the old row versions and their index entries go with VACUUM, as ever.)"""
    if connection.dialect.name != "sqlite":
        return
    for table_name in SEARCHED:
        fts = fts_table(table_name)
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")


def _attach(table_name: str) -> None:
    target = db.metadata.tables[table_name]
    for statement in postgresql_up(table_name):
        event.listen(target, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in sqlite_up(table_name):
        event.listen(target, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in sqlite_down(table_name):
        event.listen(target, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


# ------------------------------------------------------------------------------ queries


def usable(term: str) -> bool:
    """Whether a typed term can be looked up in the index (the marks ^ and = cannot)."""
    return len(term) >= SHORTEST and term[0] not in "^="


def _fts_query(columns, term: str) -> str:
    """An FTS5 query for `term` as a literal substring of any of `columns`."""
    quoted = '"' + term.replace('"', '""') + '"'
    return "{" + " ".join(columns) + "} : " + quoted


def matching_rows(dialect: str, table_name: str, term: str, like_pattern: str, columns=None):
    """A SELECT of the ids of `table_name`'s rows with `term` in one of the searched
    columns (all of them, or those named), served by the search index."""
    columns = columns or SEARCHED[table_name]
    if dialect == "sqlite":
        fts = table(fts_table(table_name), column("rowid", Integer))
        match = literal_column(fts_table(table_name)).op("MATCH")(_fts_query(columns, term))
        return select(fts.c.rowid).where(match)
    target = table(table_name, column("id", Integer), *(column(c) for c in columns))
    found = or_(*(target.c[c].ilike(like_pattern, escape="\\") for c in columns))
    return select(target.c.id).where(found)


def complaints_matching(dialect, term, like_pattern, identity_condition=None):
    """The ids of the complaints whose reference, summary, description or complainant's
    name holds `term`; a name counts only where `identity_condition` (on Complaint) holds."""
    from .cases import Complaint  # the models import this module

    text = matching_rows(dialect, "complaint", term, like_pattern)
    people = matching_rows(dialect, "participant", term, like_pattern)
    named = select(Complaint.id).where(Complaint.complainant_id.in_(people))
    if identity_condition is not None:
        named = named.where(identity_condition)
    # Not correlated with the grid's own query of the complaints: a set of ids of its own.
    return union(text, named.correlate(None))


for _table_name in SEARCHED:
    _attach(_table_name)
