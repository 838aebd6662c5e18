"""The complaints and service-desk portal: `create_app` reads as the table of contents."""

import copy
import os
import secrets
from functools import partial
from pathlib import Path

from flask import Flask
from sqlalchemy import event

import settings
from extensions import db, migrate


def create_app(config=None):
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure(app, config)
    register_extensions(app)
    register_views(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app, config):
    """settings.py's defaults, then the environment, instance/config.py, then `config`."""
    app.config.from_mapping(copy.deepcopy(settings.FIXED))
    app.config.from_mapping(
        {name: value for name, value in settings.DEFAULTS.items() if name != "DATABASE_URL"}
    )
    environment = settings.from_environment(os.environ)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        environment.pop("DATABASE_URL", None)
        or f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    )
    app.config.from_mapping(environment)
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)
        if "DATABASE_URL" in config:
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(config["DATABASE_URL"])
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or persisted_secret_key(
        Path(app.instance_path)
    )


def database_url(url: str) -> str:
    """Accept the plain `postgresql://` form and use the psycopg 3 driver for it."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def persisted_secret_key(instance: Path) -> str:
    """A random key generated once and kept in the instance folder, never in the code."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def register_extensions(app):
    db.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(
            engine,
            "connect",
            partial(sqlite_pragmas, busy_seconds=app.config["SQLITE_BUSY_SECONDS"]),
        )
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    from services import init_app as init_services

    init_services(app)


def sqlite_pragmas(connection, record, *, busy_seconds) -> None:
    """Each SQLite connection: write-ahead logging, so that readers never wait on a save
    and a save never waits on readers (one save at a time still), and a wait of
    `busy_seconds` for another save to finish before refusing as busy. The log is written
    through to disk on each commit (synchronous FULL): a saved lodgement survives a power
    cut. A copy of the database must be taken with `sqlite3 portal.sqlite3 ".backup
    copy.sqlite3"` (or with the portal stopped): the file alone lacks what is still in
    portal.sqlite3-wal."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(float(busy_seconds) * 1000)}")
    finally:
        cursor.close()


def register_views(app):
    from views import init_app as init_views

    init_views(app)


def register_errorhandlers(app):
    from views.errors import init_app as init_errors

    init_errors(app)


def register_commands(app):
    import views.mail_fetch_command  # noqa: F401 - adds `flask mail fetch`
    import views.mail_in_commands  # noqa: F401  (adds `flask mail receive`)
    from views.commands import init_app as init_commands

    init_commands(app)
