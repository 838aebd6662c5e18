"""The complaints and service-desk portal: `create_app` reads as the table of contents."""

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate

from models import db

migrate = Migrate()


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
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url(
            os.environ.get("DATABASE_URL")
            or f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
        ),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # The service desk runs on Melbourne time unless a client's contract says otherwise.
        DEFAULT_TICKET_CALENDAR="AU-VIC",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure on every HTTPS request anyway (views/security.py); 1 forces it always.
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "").lower()
        in ("1", "true", "yes"),
        PREFERRED_URL_SCHEME=os.environ.get("PREFERRED_URL_SCHEME", "http"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed.
        TRUSTED_PROXY_COUNT=int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
        # Failed sign-ins only; memory counts per process, so several servers share a Redis.
        SIGN_IN_LIMIT_PER_ACCOUNT="5 per 15 minutes",
        SIGN_IN_LIMIT_PER_ADDRESS="20 per 15 minutes",
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_KEY_PREFIX="complaints-portal",
        # If Redis goes away, sign-in keeps working with per-process counts until it is back.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        FLASK_ADMIN_SWATCH="default",
        # Letters and reminders (services/correspondence.py); unset, nothing is sent.
        **mail_settings(os.environ),
    )
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)
        if "DATABASE_URL" in config:
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(config["DATABASE_URL"])
    app.config["SECRET_KEY"] = (
        app.config.get("SECRET_KEY")
        or os.environ.get("SECRET_KEY")
        or persisted_secret_key(Path(app.instance_path))
    )


MAIL_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_FROM",
    "MAIL_SENDER_NAME",
    "PORTAL_URL",
    "REMINDER_LEAD_BUSINESS_HOURS",
    "REMINDER_PASSED_WITHIN_DAYS",
)


def mail_settings(environ) -> dict:
    """The mail settings the environment gives (instance/config.py may set them too)."""
    return {name: environ[name] for name in MAIL_SETTINGS if environ.get(name)}


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
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    from services import init_app as init_services

    init_services(app)


def register_views(app):
    from views import init_app as init_views

    init_views(app)


def register_errorhandlers(app):
    from views.errors import init_app as init_errors

    init_errors(app)


def register_commands(app):
    from views.commands import init_app as init_commands

    init_commands(app)
