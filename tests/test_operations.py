"""What an operator relies on: /healthz, /readyz and `flask ready`, the request log with its
request id, /metrics, and a real gunicorn started with gunicorn.conf.py."""

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from app import create_app
from models import OutboundMessage, db, utcnow
from services import jobs
from tests.conftest import free_port
from views.observability import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
HEAD = ScriptDirectory(str(ROOT / "migrations")).get_heads()[0]
TOKEN = "scrape-me-0123456789"


def stamp_head(app):
    """Mark the test schema (made by create_all) as migrated to the newest revision."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": HEAD})


@pytest.fixture
def migrated(app):
    stamp_head(app)
    # The notifications' scheduler, which every portal runs, ran a minute ago.
    with app.app_context():
        jobs.finished(db.engine, "notify run", utcnow() - timedelta(minutes=1), True, "ok")
    yield app
    # The PostgreSQL test database is shared by the whole run: leave it as it was.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def fresh_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
            **config,
        }
    )


@pytest.fixture
def bare_app(tmp_path):
    """An app over an empty SQLite file, for what needs no tables (and one run, not two)."""
    return fresh_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")


# Health and readiness


def test_healthz_answers_without_a_sign_in_or_a_cookie(bare_app):
    response = bare_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_when_database_migrations_and_attachments_are(migrated):
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["checks"]) == {"database", "migrations", "attachments", "jobs"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_fails_naming_the_migrations_when_the_database_is_behind(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["migrations", "jobs"]  # the database has no runs yet
    assert "flask --app app db upgrade" in body["checks"]["migrations"]["detail"]


@pytest.mark.parametrize("where", ["sqlite-in-a-removed-folder", "postgresql-on-a-closed-port"])
def test_readyz_fails_with_503_naming_the_database_when_it_cannot_be_reached(tmp_path, where):
    if where.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'removed' / 'portal.sqlite3'}"
    else:
        url = f"postgresql://portal:s3cret-password@127.0.0.1:{free_port()}/portal"
    app = fresh_app(tmp_path, DATABASE_URL=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failing"] == ["database", "migrations", "jobs"]
    assert body["checks"]["database"]["detail"].startswith("cannot be reached")
    assert body["checks"]["attachments"]["ok"] is True
    # Nothing about where the database is, or how to sign in to it.
    assert "s3cret" not in response.get_data(as_text=True)
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "removed" not in response.get_data(as_text=True)


def test_readyz_fails_naming_the_attachments_when_the_folder_cannot_be_written(migrated, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    migrated.config["ATTACHMENT_FOLDER"] = str(blocker / "attachments")
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["attachments"]


def test_probes_are_never_rate_limited(tmp_path):
    app = fresh_app(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="2 per minute",
    )
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5


def test_flask_ready_prints_each_check_and_fails_until_migrated(app):
    runner = app.test_cli_runner()
    behind = runner.invoke(args=["ready"])
    assert behind.exit_code == 1
    assert "migrations: FAILING" in behind.output
    assert "database: ok" in behind.output
    stamp_head(app)
    try:
        ready = runner.invoke(args=["ready"])
        assert ready.exit_code == 0, ready.output
        assert "migrations: ok" in ready.output
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


# The request log and its request id


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "portal.requests"]


def test_each_request_is_one_json_line_carrying_the_callers_request_id(bare_app, caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = bare_app.test_client().get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42"
    [record] = request_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "portal.requests" and line["level"] == "INFO"
    assert line["request_id"] == "lb-7f3a.42"
    assert line["user_id"] is None
    assert line["method"] == "GET"
    assert line["endpoint"] == "operations.healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "\n" not in JsonFormatter().format(record)


def test_an_odd_request_id_is_replaced_by_a_fresh_one(bare_app):
    client = bare_app.test_client()
    for offered in ["", "has space", "x" * 129, "<script>", "-starts-with-dash", "é"]:
        response = client.get("/healthz", headers={"X-Request-ID": offered})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), offered


def test_the_request_log_names_the_signed_in_user(client, auth, make, caplog):
    user = make.user("coordinator", "coordinator")
    user_id = str(user.id)
    auth.login("coordinator")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/admin/")
    [record] = request_lines(caplog)
    assert record.fields["user_id"] == user_id
    assert record.fields["endpoint"] == "admin.index"


def test_an_error_page_shows_the_request_id(bare_app):
    response = bare_app.test_client().get(
        "/no-such-page", headers={"X-Request-ID": "ask-about-this-1"}
    )
    assert response.status_code == 404
    assert "ask-about-this-1" in response.get_data(as_text=True)


def test_a_server_error_page_shows_the_request_id_it_was_logged_under(bare_app, caplog):
    app = bare_app

    def broken():
        raise RuntimeError("a fault")

    app.add_url_rule("/broken", view_func=broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = app.test_client().get("/broken")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)
    [record] = request_lines(caplog)
    assert record.fields["request_id"] == request_id and record.fields["status"] == 500
    # Flask's report of the fault is a JSON line with the same request id and the traceback.
    [fault] = [r for r in caplog.records if r.exc_info]
    line = json.loads(JsonFormatter().format(fault))
    assert line["level"] == "ERROR" and line["request_id"] == request_id
    assert "RuntimeError: a fault" in line["exception"]


def test_log_format_text_writes_plain_lines(tmp_path, capsys):
    app = fresh_app(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", LOG_FORMAT="text"
    )
    try:
        app.test_client().get("/healthz")
        written = capsys.readouterr().err
        assert "INFO portal.requests: GET operations.healthz 200" in written
        assert "{" not in written
    finally:
        fresh_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")


# Metrics


def metrics(app, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get("/metrics", headers=headers)


def test_metrics_do_not_exist_without_a_token_setting(bare_app):
    assert metrics(bare_app).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(bare_app):
    bare_app.config["METRICS_TOKEN"] = TOKEN
    for token in [None, "wrong", TOKEN + "x", TOKEN[:-1]]:
        response = metrics(bare_app, token)
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "portal_" not in response.get_data(as_text=True)


def test_metrics_count_request_latency_by_endpoint_and_status(bare_app):
    app = bare_app
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    client.get("/healthz")
    client.get("/no-such-page")
    response = metrics(app)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    body = response.get_data(as_text=True)
    assert re.search(
        r'portal_request_duration_seconds_count\{endpoint="operations.healthz",status="200"\} '
        r"[1-9]",
        body,
    )
    # An unknown address is counted under no route, never under its path.
    assert 'endpoint="none",status="404"' in body
    assert "no-such-page" not in body


def test_metrics_report_the_outbox_backlog(app):
    app.config["METRICS_TOKEN"] = TOKEN
    with app.app_context():
        long_ago = utcnow() - timedelta(hours=2)
        for n, status in enumerate(["queued", "queued", "sending", "sending", "failed", "sent"]):
            db.session.add(
                OutboundMessage(
                    dedupe_key=f"test-{n}",
                    template_key="due_reminder",
                    recipient_role="complaint_manager",
                    subject="Reminder",
                    body="A due date",
                    status=status,
                    claimed_at=long_ago if n == 2 else None,
                )
            )
        db.session.commit()
    body = metrics(app).get_data(as_text=True)
    assert 'portal_outbox_messages{status="queued"} 2.0' in body
    assert 'portal_outbox_messages{status="sending"} 2.0' in body
    assert 'portal_outbox_messages{status="failed"} 1.0' in body
    assert "portal_outbox_stuck_messages 1.0" in body
    assert "portal_database_up 1.0" in body


def test_metrics_report_overdue_open_cases_by_kind(app, make):
    app.config["METRICS_TOKEN"] = TOKEN
    make.complaint(received_at=utcnow() - timedelta(days=120), kind="complaint")
    make.complaint(received_at=utcnow() - timedelta(days=120), kind="suggestion", status="closed")
    body = metrics(app).get_data(as_text=True)
    assert 'portal_overdue_cases{kind="complaint"} 1.0' in body
    assert 'portal_overdue_cases{kind="suggestion"} 0.0' in body
    assert 'portal_overdue_cases{kind="ticket"} 0.0' in body
    assert 'portal_overdue_cases{kind="internal_review"} 0.0' in body


def test_metrics_still_answer_when_the_database_does_not(tmp_path):
    app = fresh_app(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'removed' / 'portal.sqlite3'}",
        METRICS_TOKEN=TOKEN,
    )
    response = metrics(app)
    assert response.status_code == 200
    assert "portal_database_up 0.0" in response.get_data(as_text=True)


# A real gunicorn


def get(url, headers=None, timeout=5):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_gunicorn_serves_healthz_and_adds_up_every_workers_requests(tmp_path):
    database = tmp_path / "portal.sqlite3"
    engine = create_engine(f"sqlite:///{database}")
    db.metadata.create_all(engine)
    engine.dispose()
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "tests-only",
        "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as written:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=environment,
            stdout=written,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = get(f"{base}/healthz", timeout=10)
                break
            except OSError:  # refused, or accepted before a worker was up to answer
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not serve /healthz within 60 s")
                time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
        for _ in range(9):
            get(f"{base}/healthz")
        _, headers, scraped = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
        # Whichever worker answered, the scrape holds all ten requests (multiprocess mode);
        # one more if a first try timed out on a busy machine after gunicorn answered it.
        counted = re.search(
            r'portal_request_duration_seconds_count\{endpoint="operations.healthz",status="200"\} '
            r"(\d+)\.0",
            scraped,
        )
        assert counted and int(counted.group(1)) >= 10, scraped
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert '"endpoint": "operations.healthz"' in log.read_text()


def test_every_page_answers_503_with_retry_after_while_the_database_is_away(
    app, client, auth, make, tmp_path
):
    """A signed-in coordinator's grid, the public form and the API, served by an app whose
    database cannot be reached (a PostgreSQL restarting): 503 and when to retry, never a
    500, and nothing about where the database is."""
    make.user("coord", "coordinator")
    assert auth.login("coord").status_code == 302
    cookie = client.get_cookie("session")
    away = fresh_app(
        tmp_path,
        DATABASE_URL=f"postgresql://portal:s3cret-password@127.0.0.1:{free_port()}/portal",
        SECRET_KEY=app.config["SECRET_KEY"],
    )
    browser = away.test_client()
    browser.set_cookie("session", cookie.value)
    for path in ("/admin/complaint/", "/admin/", "/lodge/"):
        response = browser.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, (path, response.status_code)
        assert response.headers["Retry-After"] == "5"
        assert "briefly unavailable" in page and "request id" in page
        assert "s3cret" not in page and "127.0.0.1" not in page
    api = browser.get("/api/v1/complaints", headers={"Authorization": "Bearer nothing-here"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.mimetype == "application/problem+json"


# The scheduled commands: each run recorded and logged; /readyz fails when one is late


def job_lines(caplog):
    return [r for r in caplog.records if r.name == "portal.jobs"]


def test_readyz_fails_until_the_expected_send_due_has_run_and_again_when_it_is_late(
    migrated, mailbox, caplog
):
    migrated.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_FROM="complaints@example.gov.au"
    )
    client = migrated.test_client()
    body = client.get("/readyz").get_json()
    assert body["failing"] == ["jobs"]
    assert (
        "`flask mail send-due` (sends the outbox) has never succeeded"
        in (body["checks"]["jobs"]["detail"])
    )

    with caplog.at_level(logging.INFO, logger="portal.jobs"):
        result = migrated.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    [line] = job_lines(caplog)
    fields = json.loads(JsonFormatter().format(line))
    assert fields["job"] == "mail send-due" and fields["status"] == "succeeded"
    assert fields["exit_code"] == 0 and fields["duration_ms"] >= 0 and fields["request_id"]
    assert client.get("/readyz").status_code == 200

    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        body = client.get("/readyz").get_json()
    assert body["failing"] == ["jobs"]
    assert "last succeeded 31 minutes ago" in body["checks"]["jobs"]["detail"]


def test_a_failed_run_is_recorded_logged_as_a_warning_and_counted_in_the_metrics(migrated, caplog):
    migrated.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_FROM=None,  # a setting missing: the run is refused
        METRICS_TOKEN=TOKEN,
    )
    with caplog.at_level(logging.INFO, logger="portal.jobs"):
        result = migrated.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code != 0, result.output
    [line] = job_lines(caplog)
    assert line.levelname == "WARNING" and line.fields["status"] == "failed"
    assert line.fields["exit_code"] == result.exit_code
    scraped = metrics(migrated).get_data(as_text=True)
    assert 'portal_job_last_run_failed{job="mail send-due"} 1.0' in scraped
    assert "portal_job_last_success_timestamp_seconds" in scraped
    assert 'portal_job_last_success_timestamp_seconds{job="mail send-due"}' not in scraped
    assert migrated.test_client().get("/readyz").get_json()["failing"] == ["jobs"]


# The database goes away and comes back


class Forwarder:
    """A TCP forwarder between the portal and PostgreSQL that the test can cut and mend,
    as a network to the database that goes down, or a server that restarts."""

    def __init__(self, target_port):
        import socket

        self.socket_module = socket
        self.target_port = target_port
        self.port = free_port()
        self.links = []
        self.listener = None

    def start(self):
        import threading

        socket = self.socket_module
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        listener = self.listener

        def accept():
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                server = socket.create_connection(("127.0.0.1", self.target_port))
                self.links += [client, server]
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass

    def cut(self):
        try:
            self.listener.shutdown(self.socket_module.SHUT_RDWR)  # wakes the accept
        except OSError:
            pass
        self.listener.close()
        for link in self.links:
            try:
                link.shutdown(self.socket_module.SHUT_RDWR)
                link.close()
            except OSError:
                pass
        self.links = []


@pytest.mark.postgres_only
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_readiness_and_pages_fail_while_the_database_is_away_and_recover_when_it_is_back(
    migrated, make, tmp_path
):
    from sqlalchemy.engine import make_url

    make.user("coord", "coordinator")
    real = make_url(migrated.config["SQLALCHEMY_DATABASE_URI"])
    forwarder = Forwarder(real.port or 5432)
    forwarder.start()
    url = real.set(port=forwarder.port).render_as_string(hide_password=False)
    app = fresh_app(tmp_path, DATABASE_URL=url)
    client = app.test_client()
    try:
        assert client.get("/readyz").status_code == 200
        from tests.conftest import login

        assert login(client, "coord").status_code == 302
        assert client.get("/admin/complaint/").status_code == 200

        forwarder.cut()  # the database goes away: pooled connections die with it
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "database" in answer.get_json()["failing"]
        grid = client.get("/admin/complaint/")
        assert grid.status_code == 503 and grid.headers["Retry-After"]

        forwarder.start()  # and comes back: the pool recovers by itself (pre-ping)
        assert client.get("/readyz").status_code == 200
        assert client.get("/admin/complaint/").status_code == 200
    finally:
        forwarder.cut()
        with app.app_context():
            db.engine.dispose()
