"""The migrations build exactly the schema the models describe, and go down and up again.

Runs on a fresh SQLite file and, when TEST_DATABASE_URL is set, on a PostgreSQL database
of its own (created beside the `test` database and dropped afterwards), so that the
other tests' schema in `test` is never touched.
"""

import logging
import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from models import db, search_index
from services import downgrades
from tests.conftest import scratch_postgres_database

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"
# One per test process, so that two runs on one server do not drop each other's database.
SCRATCH_DATABASE = f"portal_migrations_test_{os.getpid()}"


@pytest.fixture
def preserved_logging():
    """Alembic's env.py runs logging.fileConfig, which disables every existing logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


@pytest.fixture
def scratch_postgres_url():
    """An empty PostgreSQL database for this test alone, dropped afterwards."""
    with scratch_postgres_database(SCRATCH_DATABASE) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    return request.getfixturevalue("scratch_postgres_url")


@pytest.fixture
def migration_app(empty_database_url, preserved_logging):
    app = create_app({"DATABASE_URL": empty_database_url, "SECRET_KEY": "x", "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would write to make the database match the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": search_index.include_name}
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    """The tables, the search index's own (models/search_index.py) left out."""
    found = inspect(db.engine).get_table_names()
    return {name for name in found if search_index.include_name(name, "table", {})}


def test_the_migrations_have_a_single_head():
    heads = ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


def test_upgrade_from_empty_builds_the_schema_of_the_models(migration_app):
    with migration_app.app_context():
        assert table_names() == set()
        upgrade()
        assert table_names() == set(db.metadata.tables) | {"alembic_version"}
        assert schema_differences() == []


def test_downgrade_to_base_then_upgrade_again_rebuilds_the_schema(migration_app):
    with migration_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert table_names() <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


# `flask db downgrade` refuses a downgrade that would drop data unless told --yes-drop-data,
# and says what it would drop; nothing is changed by the refusal.


def tables_now():
    return set(inspect(db.engine).get_table_names())


def current_revision():
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def test_a_downgrade_to_base_is_refused_and_changes_nothing(migration_app):
    runner = migration_app.test_cli_runner()
    with migration_app.app_context():
        upgrade()
        before, head = tables_now(), current_revision()
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 1, result.output
    assert "Refused: downgrading to base would throw away data" in result.output
    assert "drops the tables" in result.output and "history_entry" in result.output
    assert "--yes-drop-data" in result.output
    with migration_app.app_context():
        assert tables_now() == before and current_revision() == head

    # Down to the first revision: every table added since goes, so it is refused too.
    result = runner.invoke(args=["db", "downgrade", "c522765aa4a9"])
    assert result.exit_code == 1 and "Refused: downgrading to c522765aa4a9" in result.output
    assert "c522765aa4a9 (" not in result.output  # the first revision itself stays

    told = runner.invoke(args=["db", "downgrade", "base", "--yes-drop-data"])
    assert told.exit_code == 0, told.output
    with migration_app.app_context():
        assert tables_now() <= {"alembic_version"}


def test_an_unknown_revision_is_a_plain_message(migration_app):
    runner = migration_app.test_cli_runner()
    with migration_app.app_context():
        upgrade()
    result = runner.invoke(args=["db", "downgrade", "nonsense"])
    assert result.exit_code == 1
    assert "Cannot work out that downgrade" in result.output
    assert "Traceback" not in result.output


def test_every_revision_that_drops_something_is_known_to_be_one_way(migration_app):
    with migration_app.app_context():
        config = migration_app.extensions["migrate"].migrate.get_config()
        one_way = {loss.revision: loss for loss in downgrades.one_way_revisions(config)}
    # The first revision builds the register; going below it drops everything.
    first = one_way["c522765aa4a9"]
    assert "complaint" in first.tables and "participant" in first.tables
    # The history's append-only triggers drop nothing when taken away.
    assert "2b2517f9724a" not in one_way


@pytest.mark.parametrize("revision", ["5e55105e9e11"])
def test_a_column_dropped_in_a_batch_is_named_with_its_table(migration_app, revision):
    with migration_app.app_context():
        config = migration_app.extensions["migrate"].migrate.get_config()
        one_way = {loss.revision: loss for loss in downgrades.one_way_revisions(config)}
    assert one_way[revision].columns == ("user_account.session_generation",)


def test_the_search_indexes_are_built_by_the_migration_and_removed_on_its_downgrade(
    migration_app,
):
    with migration_app.app_context():
        upgrade(revision="4157e2c0ffee")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO participant (kind, given_name, family_name, version) "
                "VALUES ('individual', 'Pat', 'Ngata-Whitcombe', 1)"
            )
        upgrade()
        with db.engine.connect() as connection:
            dialect = connection.dialect.name
            ids = search_index.matching_rows(dialect, "participant", "whitco", "%whitco%")
            # A row saved before the index was added is found through it.
            assert connection.execute(ids).scalars().all() == [1]
        downgrade(revision="4157e2c0ffee")
        left = inspect(db.engine)
        assert not [t for t in left.get_table_names() if t.endswith(("_fts", "_fts_data"))]
        indexes = [i["name"] for i in left.get_indexes("participant")]
        assert not [name for name in indexes if name.endswith("_trgm")]
