"""Browser tests: the app served on 127.0.0.1 from a thread, driven by Chromium.

SQLite only, on a file database with the reference data and the people a flow needs.
Without Chromium the tests are skipped, except under CI (CI=true), where they fail.
"""

import os
import threading
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def chromium_path():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _people():
    """A coordinator, a division on the Queensland calendar, officers and a complainant."""
    from models import Calendar, Capacity, ClassificationLevel, Division, Participant, User, db

    def level(code):
        return db.session.execute(db.select(ClassificationLevel).filter_by(code=code)).scalar_one()

    calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
    division = Division(code="CS", name="Customer Services", calendar=calendar)
    coordinator = Participant(
        kind="staff",
        given_name="Casey",
        family_name="Coordinator",
        division=division,
        level=level("AO6"),
    )
    db.session.add_all(
        [
            division,
            Participant(
                kind="staff",
                given_name="Morgan",
                family_name="Marsh",
                division=division,
                level=level("AO5"),
            ),
            Participant(
                kind="staff",
                given_name="Dana",
                family_name="Deakin",
                division=division,
                level=level("AO8"),
            ),
            Participant(
                kind="complainant",
                given_name="Sam",
                family_name="Nguyen",
                email="sam.nguyen@example.com",
            ),
        ]
    )
    user = User(username="coord", participant=coordinator, active=True)
    user.set_password(PASSWORD)
    user.capacities = [
        db.session.execute(db.select(Capacity).filter_by(code="coordinator")).scalar_one()
    ]
    db.session.add(user)
    db.session.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from app import create_app
    from models import db
    from seed import reference

    database = tmp_path_factory.mktemp("e2e") / "portal.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "browser-tests-only",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        reference.load()
        _people()
    with serving(app) as url:
        yield SimpleNamespace(url=url, app=app)


@contextmanager
def serving(app):
    """The app served on 127.0.0.1 from a thread, at the address yielded."""
    from models import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab that records every request it makes."""
    context = browser.new_context(locale="en-AU", timezone_id="Australia/Brisbane")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    context.close()


def off_site(urls):
    """Requests that left this machine's test server."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname != "127.0.0.1"
    ]
