"""The SQL statements a piece of work runs, as the tests count them."""

from contextlib import contextmanager

from sqlalchemy import event

from models import db


@contextmanager
def statements_run():
    """Collects (statement, parameters) for every statement run on the app's engine."""
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
