"""One table names every setting: the app applies its defaults, the environment can give
each of them, and README's Configuration section lists them all."""

from pathlib import Path

import settings
from app import configure

README = Path(__file__).resolve().parent.parent / "README.md"


class FakeApp:
    """Just enough of a Flask app for `configure`."""

    def __init__(self, tmp_path):
        from flask import Config

        self.instance_path = str(tmp_path)
        self.config = Config(str(tmp_path))


def configured(tmp_path, monkeypatch, environ=None, config=None):
    for setting in settings.SETTINGS:
        for name in (setting.name, *setting.also_from):
            monkeypatch.delenv(name, raising=False)
    for name, value in (environ or {}).items():
        monkeypatch.setenv(name, value)
    app = FakeApp(tmp_path)
    configure(app, config)
    return app.config


def test_every_setting_has_its_default_without_an_environment(tmp_path, monkeypatch):
    config = configured(tmp_path, monkeypatch)
    for setting in settings.SETTINGS:
        if setting.name in ("DATABASE_URL", "SECRET_KEY"):
            continue
        assert config[setting.name] == setting.default, setting.name
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SECRET_KEY"]


def test_every_setting_can_come_from_the_environment(tmp_path, monkeypatch):
    config = configured(
        tmp_path,
        monkeypatch,
        environ={
            "DISPLAY_TIMEZONE": "Australia/Perth",
            "DEFAULT_TICKET_CALENDAR": "AU-QLD",
            "MAIL_PORT": "2525",
            "MAIL_USE_TLS": "yes",
            "REMINDER_LEAD_BUSINESS_HOURS": "4.5",
            "SESSION_COOKIE_SECURE": "1",
            "REDIS_URL": "redis://cache:6379/0",
            "DATABASE_URL": "postgresql://portal@db/portal",
        },
    )
    assert config["DISPLAY_TIMEZONE"] == "Australia/Perth"
    assert config["DEFAULT_TICKET_CALENDAR"] == "AU-QLD"
    assert config["MAIL_PORT"] == 2525
    assert config["MAIL_USE_TLS"] is True
    assert config["REMINDER_LEAD_BUSINESS_HOURS"] == 4.5
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db/portal"


def test_what_create_app_is_handed_wins_over_the_environment(tmp_path, monkeypatch):
    config = configured(
        tmp_path,
        monkeypatch,
        environ={"PUBLIC_INTAKE_DIVISION": "LIC"},
        config={"PUBLIC_INTAKE_DIVISION": "DS"},
    )
    assert config["PUBLIC_INTAKE_DIVISION"] == "DS"


def test_the_readme_lists_every_setting():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in section]
    assert missing == []
