"""The operator's door: /healthz, /readyz and /metrics. No sign-in, no session, no CSRF
(nothing here changes anything), and never rate-limited.

- `/healthz`: the process answers (touches nothing else), 200.
- `/readyz`: the database answers, its schema is at the newest migration, the attachment
  folder is writable; each check by name, 200 when all pass, 503 naming the failing ones.
- `/metrics`: Prometheus text format, for a bearer token: METRICS_TOKEN unset, there is no
  such page (404); a missing or wrong token, 401. With several gunicorn workers, set
  PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied at each start) so that a scrape
  adds up every worker's requests (prometheus_client's multiprocess mode).

prometheus_client comes with the `serve` extra; without it, /metrics answers 501 to a
correct token and the request latencies are not counted.
"""

import hmac
import os

import click
from flask import Blueprint, abort, current_app, jsonify, request
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from models import db, utcnow
from services import intake, jobs, operations

try:
    from prometheus_client import CollectorRegistry, Histogram, multiprocess
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.exposition import choose_encoder
except ImportError:  # the `serve` extra is not installed: no metrics
    Histogram = None

bp = Blueprint("operations", __name__)

if Histogram is not None:
    # Not in any registry: a scrape gathers it (or, in multiprocess mode, its files) afresh.
    REQUEST_LATENCY = Histogram(
        "portal_request_duration_seconds",
        "Time to answer a request, by endpoint (the route's name) and status",
        ["endpoint", "status"],
        registry=None,
    )


def observe_request(endpoint: str | None, status: int, seconds: float):
    if Histogram is not None:
        REQUEST_LATENCY.labels(endpoint=endpoint or "none", status=str(status)).observe(seconds)


def _plain(response, status=200):
    response = jsonify(response) if isinstance(response, dict) else response
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _plain({"status": "ok"})


def _readiness() -> list[operations.Check]:
    checks = operations.readiness(
        db.engine,
        current_app.extensions["migrate"].directory,
        intake.attachment_folder(current_app),
    )
    return [*checks, jobs.jobs_check(db.engine, current_app.config, utcnow())]


@bp.get("/readyz")
def readyz():
    checks = _readiness()
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "not ready" if failing else "ready",
        "failing": failing,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return _plain(body, 503 if failing else 200)


def _token_matches(expected: str) -> bool:
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), expected.encode()
    )


@bp.get("/metrics")
def metrics():
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        abort(404)  # the same page as any address that does not exist
    if not _token_matches(expected):
        response = _plain({"status": "a bearer token is needed (METRICS_TOKEN)"}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if Histogram is None:
        return _plain({"status": "prometheus_client is not installed (the serve extra)"}, 501)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(_Gauges(_work_gauges()))
    # The text format the scraper asks for (Accept), as prometheus_client's own server does.
    encode, content_type = choose_encoder(request.headers.get("Accept"))
    response = current_app.response_class(encode(registry), content_type=content_type)
    return _plain(response)


class _Gauges:
    """Gauges read from the database at scrape time: the same whichever worker answers."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


def _work_gauges():
    up = GaugeMetricFamily(
        "portal_database_up", "1 when the database answered this scrape's counts"
    )
    try:
        now = utcnow()
        backlog = operations.outbox_backlog(
            db.session, current_app.config["MAIL_SENDING_TIMEOUT_MINUTES"], now
        )
        overdue = operations.overdue_cases(db.session, now)
        runs = jobs.last_runs(db.session)
    except SQLAlchemyError:
        db.session.rollback()
        up.add_metric([], 0)
        return [up]
    finally:
        db.session.remove()
    up.add_metric([], 1)
    outbox = GaugeMetricFamily(
        "portal_outbox_messages",
        "Messages in the outbox still to be sent or looked at, by status",
        labels=["status"],
    )
    for status in operations.BACKLOG_STATUSES:
        outbox.add_metric([status], backlog[status])
    stuck = GaugeMetricFamily(
        "portal_outbox_stuck_messages",
        "Messages held Sending by a sender silent longer than MAIL_SENDING_TIMEOUT_MINUTES",
    )
    stuck.add_metric([], backlog["stuck"])
    cases = GaugeMetricFamily(
        "portal_overdue_cases",
        "Open cases whose next due instant has passed, by kind",
        labels=["kind"],
    )
    for kind, count in overdue.items():
        cases.add_metric([kind], count)
    return [up, outbox, stuck, cases, *_job_gauges(runs)]


def _job_gauges(runs):
    succeeded = GaugeMetricFamily(
        "portal_job_last_success_timestamp_seconds",
        "When each scheduled command last succeeded (Unix time), on any server",
        labels=["job"],
    )
    failed = GaugeMetricFamily(
        "portal_job_last_run_failed",
        "1 when the scheduled command's last run failed",
        labels=["job"],
    )
    for name, run in sorted(runs.items()):
        if run.last_succeeded_at:
            succeeded.add_metric([name], run.last_succeeded_at.timestamp())
        failed.add_metric([name], 1 if run.last_status == "failed" else 0)
    return [succeeded, failed]


@click.command("ready")
@with_appcontext
def ready_command():
    """The readiness checks of /readyz, one line each; exit status 1 when one fails (a
    late scheduled job is shown, but does not count).

    bin/serve runs it before starting gunicorn, so a server whose database is behind the
    code (migrations not applied) refuses to start and says what to run.
    """
    checks = _readiness()
    for check in checks:
        click.echo(f"{check.name}: {'ok' if check.ok else 'FAILING'}, {check.detail}")
    # Late scheduled jobs are /readyz's business, not a reason not to start: on a new
    # machine the timers have not run yet.
    if not all(check.ok for check in checks if check.name != "jobs"):
        raise SystemExit(1)


def init_app(app):
    app.register_blueprint(bp)
