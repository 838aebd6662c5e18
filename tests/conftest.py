"""Fixtures in the flaskr manner: `app`, `client`, `runner`, and an `auth` helper.

Every test that takes `app` runs once on SQLite and once on PostgreSQL when
TEST_DATABASE_URL is set (CI sets it and fails if the server cannot be reached).

The suite's "now" has one seam: PORTAL_TEST_NOW (an ISO instant with its offset, e.g.
`2027-04-03T15:30:00+00:00`) moves the whole run to that instant, with the clock still
ticking, through time-machine (every `datetime.now`, `date.today` and `time.time` of the
app, the seeds and the tests). Without it the run keeps the real clock. `bin/test-dates`
runs the date-sensitive tests (marked `dates`) at a list of awkward days.
"""

import email
import email.policy
import inspect
import os
import re
import shutil
import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
import time_machine
from argon2 import PasswordHasher
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text

from app import create_app
from models import (
    Calendar,
    Capacity,
    ClassificationLevel,
    Complaint,
    Division,
    Participant,
    User,
    db,
)
from services import clocks

PASSWORD = "correct horse battery staple"
# One cheap hash for every account a test makes: the product's own hash takes a tenth of
# a second to make and another to check, which a suite signing in thousands of times
# pays for nothing. Signing in checks it as it checks any stored hash (argon2id, so that
# signing in does not make it again: rules/passwords.py).
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
# Administrators sign in with a second factor by default; the suite's administrators sign
# in with their password alone, except in the tests of the second factor
# (tests/test_second_factor.py sets it back). Servers the tests start inherit it.
os.environ["SECOND_FACTOR_REQUIRED"] = "off"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_NOW = os.environ.get("PORTAL_TEST_NOW", "").strip()
_traveller = pytest.StashKey()


def suite_now() -> datetime | None:
    """The instant PORTAL_TEST_NOW names, or None for the real clock."""
    if not TEST_NOW:
        return None
    try:
        instant = datetime.fromisoformat(TEST_NOW.replace("Z", "+00:00"))
    except ValueError as error:
        raise pytest.UsageError(f"PORTAL_TEST_NOW={TEST_NOW!r} is not an ISO instant") from error
    if instant.tzinfo is None:
        raise pytest.UsageError(
            f"PORTAL_TEST_NOW={TEST_NOW!r} needs an offset (e.g. +00:00 or Z): "
            "an instant without one means a different moment on every machine"
        )
    return instant


def pytest_configure(config):
    # Runs in every xdist worker too, so each process travels to the same instant.
    instant = suite_now()
    if instant is not None:
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        config.stash[_traveller] = traveller


# A test that reads the real clock in its own body depends on the day it runs: it is
# marked `dates` without being told, so bin/test-dates runs it at the awkward days too.
READS_THE_CLOCK = re.compile(r"\b(utcnow|datetime\.now|date\.today)\(")


def pytest_collection_modifyitems(config, items):
    sources = {}
    for item in items:
        function = getattr(item, "function", None)
        if function is None or item.get_closest_marker("dates"):
            continue
        if function not in sources:
            try:
                sources[function] = inspect.getsource(function)
            except (OSError, TypeError):
                sources[function] = ""
        if READS_THE_CLOCK.search(sources[function]):
            item.add_marker(pytest.mark.dates)


def pytest_unconfigure(config):
    traveller = config.stash.get(_traveller, None)
    if traveller is not None:
        traveller.stop()


def _backends():
    backends = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        backends.append(pytest.param("postgresql", id="postgresql"))
    return backends


def pytest_report_header(config):
    instant = suite_now()
    today = (
        f"now: {instant.isoformat()} (PORTAL_TEST_NOW), ticking"
        if instant
        else "now: the real clock (set PORTAL_TEST_NOW to run at another instant)"
    )
    if POSTGRES_URL:
        return [f"database backends: SQLite and PostgreSQL ({POSTGRES_URL})", today]
    return [
        "database backends: SQLite only. PostgreSQL tests are SKIPPED: "
        "set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run them.",
        today,
    ]


@contextmanager
def scratch_postgres_database(name: str):
    """An empty PostgreSQL database beside TEST_DATABASE_URL's, dropped afterwards.

    Skips when the server is unreachable, and fails instead under CI.
    """
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL)")
    from app import database_url

    server = create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as error:  # noqa: BLE001 - report any connection failure plainly
        server.dispose()
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own: two runs on one server never drop each
    other's tables."""
    with scratch_postgres_database(f"portal_test_{os.getpid()}") as url:
        yield url


class CompiledTemplates(BytecodeCache):
    """The compiled templates, kept for every application this process makes: each test
    builds its own application, and compiling the admin's templates again for each one
    costs more than most tests. Jinja checks a template's source before reusing it."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = CompiledTemplates()


def _app_on(url, **settings):
    # Each test's database starts from the template's configuration stamp: what an earlier
    # test loaded under it is forgotten, whatever that test changed by plain SQL.
    clocks.forget_loaded()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return app


def _schema_and_reference(url: str) -> None:
    """Create the schema at `url` and load the reference data into it."""
    from app import database_url
    from seed import reference

    engine = create_engine(database_url(url))
    db.metadata.create_all(engine)
    engine.dispose()
    app = _app_on(url)
    with app.app_context():
        reference.load()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file with the schema and the reference data, made once per worker and
    copied for each test: building them takes longer than most tests."""
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    _schema_and_reference(f"sqlite:///{path}")
    return path


class PostgresReset:
    """Puts the worker's PostgreSQL database back to the schema and the reference data
    after a test: every row deleted (as the replication role, which skips the foreign-key
    and append-only triggers), the reference rows inserted again and each id sequence
    moved past them. Far quicker than TRUNCATE on forty tables."""

    def __init__(self, engine):
        self.engine = engine
        self.tables = db.metadata.sorted_tables
        with engine.connect() as connection:
            self.rows = [
                (table, [dict(row._mapping) for row in connection.execute(table.select())])
                for table in self.tables
            ]
        self.sequences = [
            (table.name, column.name)
            for table in self.tables
            for column in table.primary_key.columns
            if table.autoincrement_column is column
        ]

    def __call__(self):
        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table, rows in self.rows:
                if rows:
                    connection.execute(table.insert(), rows)
            for table, column in self.sequences:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                        f'coalesce(max("{column}"), 0) + 1, false) FROM "{table}"'
                    )
                )


@pytest.fixture(scope="session")
def postgres_engine(postgres_url):
    from app import database_url

    _schema_and_reference(postgres_url)
    engine = create_engine(database_url(postgres_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_reset(postgres_engine):
    return PostgresReset(postgres_engine)


@pytest.fixture(params=_backends())
def database(request, tmp_path):
    """The URL of a database with the schema and the reference data, for one test."""
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    reset = request.getfixturevalue("postgres_reset")
    yield request.getfixturevalue("postgres_url")
    reset()


@pytest.fixture
def app(database):
    app = _app_on(database)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "the form carries no CSRF token"
    return match.group(1)


def login(client, username, password=PASSWORD, follow_redirects=False):
    """Sign in through the sign-in form, as a person does; the response to the post."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        follow_redirects=follow_redirects,
    )


class AuthActions:
    """The `auth` fixture: signs the test's `client` in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, follow_redirects=False):
        return login(self.client, username, password, follow_redirects)

    def logout(self):
        return self.client.get("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class Factory:
    """Makes the people and cases a test needs, with believable defaults.

    Officers made by `user` and complaints made by `complaint` belong to one home division
    unless told otherwise, so a coordinator sees the complaints a test makes.
    """

    def __init__(self, app):
        self.app = app
        self._count = 0
        self._home_division_id = None

    def _next(self):
        self._count += 1
        return self._count

    def calendar(self, code="AU-QLD"):
        return db.session.execute(db.select(Calendar).filter_by(code=code)).scalar_one()

    def home_division(self):
        if self._home_division_id is None:
            # Shared by every factory on the database (a test may make more than one).
            home = db.session.execute(
                db.select(Division).filter_by(name="Home division")
            ).scalar_one_or_none()
            self._home_division_id = (home or self.division("Home division")).id
        return db.session.get(Division, self._home_division_id)

    def division(self, name=None, calendar_code="AU-QLD"):
        n = self._next()
        division = Division(
            code=f"D{n}", name=name or f"Division {n}", calendar=self.calendar(calendar_code)
        )
        db.session.add(division)
        db.session.flush()
        return division

    def staff(self, family_name=None, level="AO5", division=None, given_name="Alex"):
        n = self._next()
        person = Participant(
            kind="staff",
            given_name=given_name,
            family_name=family_name or f"Officer{n}",
            email=f"officer{n}@example.gov.au",
            division=division,
            level=db.session.execute(
                db.select(ClassificationLevel).filter_by(code=level)
            ).scalar_one(),
        )
        db.session.add(person)
        db.session.flush()
        return person

    def user(self, username, *capacities, participant=None, division=None, level="AO5"):
        if participant is None:
            participant = self.staff(
                family_name=username.title(),
                level=level,
                division=division or self.home_division(),
            )
        user = User(
            username=username, participant=participant, active=True, password_hash=CHEAP_HASH
        )
        user.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code=code)).scalar_one()
            for code in capacities
        ]
        db.session.add(user)
        db.session.commit()
        return user

    def complainant(self, family_name="Citizen"):
        person = Participant(
            kind="complainant",
            given_name="Sam",
            family_name=family_name,
            email="sam@example.com",
            phone="0400 000 000",
        )
        db.session.add(person)
        db.session.flush()
        return person

    def complaint(self, division=None, received_at=None, commit=True, **values):
        complaint = Complaint(
            kind=values.pop("kind", "complaint"),
            summary=values.pop("summary", "Counter staff were rude"),
            division=division or self.home_division(),
            received_at=received_at or datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
            complainant=values.pop("complainant", None) or self.complainant(),
            **values,
        )
        db.session.add(complaint)
        if commit:
            db.session.commit()
        return complaint


@pytest.fixture
def make(app):
    with app.app_context():
        yield Factory(app)


# ------------------------------------------------------------------- a real mail server


class Mailbox:
    """What the SMTP server received; recipients listed in `refuse` get that answer."""

    def __init__(self):
        self.received = []
        self.refuse = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for rcpt, message in self.received if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server on localhost (aiosmtpd) and what it received."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()
