"""What a view test pays before its first line, built from nothing against from a template.

From nothing (how each test started before): create the schema, build the application,
load the reference data, hash three passwords with the product's hash, and render the
complaint grid on a fresh template compiler. From a template (how tests/conftest.py does
it now): copy the worker's SQLite file (or, on PostgreSQL, delete every row and put the
reference rows back), build the application, store the suite's cheap hash and render with
the process's compiled templates.

    .venv/bin/python bench/test_setup_bench.py                 # SQLite
    .venv/bin/python bench/test_setup_bench.py --postgres postgresql://postgres@127.0.0.1:5432/test

Prints the median of each per test and the ratio, measured in the same run.
"""

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app, database_url  # noqa: E402
from models import db  # noqa: E402
from seed import reference  # noqa: E402
from tests import conftest  # noqa: E402

USERS = ("marsh", "deakin", "other")


def people_and_a_page(app, password_hash):
    """Three officers, then the first render of the complaint grid for one of them."""
    with app.app_context():
        factory = conftest.Factory(app)
        for username in USERS:
            user = factory.user(username, "coordinator")
            user.password_hash = password_hash() if callable(password_hash) else password_hash
        db.session.commit()
    client = app.test_client()
    assert conftest.login(client, USERS[0]).status_code == 302
    assert client.get("/admin/complaint/").status_code == 200


def from_nothing(url, reset):
    reset()
    engine = create_engine(database_url(url))
    db.metadata.create_all(engine)
    engine.dispose()
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        reference.load()
    people_and_a_page(app, lambda: generate_password_hash(conftest.PASSWORD))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def from_template(url, reset):
    reset()
    app = conftest._app_on(url)
    people_and_a_page(app, conftest.CHEAP_HASH)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def timed(work, url, reset, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work(url, reset)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sqlite_targets(folder: Path):
    template = folder / "template.sqlite3"
    conftest._schema_and_reference(f"sqlite:///{template}")
    test_file = folder / "test.sqlite3"
    url = f"sqlite:///{test_file}"

    def empty():
        test_file.unlink(missing_ok=True)

    def copy():
        shutil.copyfile(template, test_file)

    return url, empty, copy


def postgres_targets(server_url: str):
    name = "portal_setup_bench"
    server = create_engine(database_url(server_url), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(database_url(url))

    def empty():
        # What the suite did before: drop every table's rows by TRUNCATE.
        db.metadata.create_all(engine)
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))

    conftest._schema_and_reference(url)
    reset = conftest.PostgresReset(engine)

    def drop():
        engine.dispose()
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()

    return url, empty, reset, drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to measure as well")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url, empty, copy = sqlite_targets(Path(folder))
        # One warm-up of each: the first application of a process imports and compiles.
        from_nothing(url, empty)
        from_template(url, copy)
        rows.append(
            (
                "SQLite",
                timed(from_nothing, url, empty, args.runs),
                timed(from_template, url, copy, args.runs),
            )
        )
    if args.postgres:
        url, empty, reset, drop = postgres_targets(args.postgres)
        try:
            from_nothing(url, empty)
            from_template(url, reset)
            rows.append(
                (
                    "PostgreSQL",
                    timed(from_nothing, url, empty, args.runs),
                    timed(from_template, url, reset, args.runs),
                )
            )
        finally:
            drop()
    print(f"median of {args.runs} per test; three officers and the first page of the grid")
    print(f"{'database':<12}{'from nothing':>14}{'from template':>15}{'ratio':>8}")
    for name, before, after in rows:
        print(f"{name:<12}{before:>13.3f}s{after:>14.3f}s{before / after:>7.1f}x")


if __name__ == "__main__":
    main()
