"""Every request logged as one line, with a request id; its duration in the metrics.

- The request id is the caller's `X-Request-ID` when it looks like one (letters, digits,
  `.`, `_`, `:`, `-`, up to 128), or a new random one. It is returned in `X-Request-ID`
  and printed on the error pages, so a person reporting a fault can quote it and an
  operator finds the line in the log.
- The line goes to the `portal.requests` logger: request id, user id (when the request
  signed someone in), method, endpoint (the route's name, never the raw path), status and
  duration in milliseconds. LOG_FORMAT=json writes each log record as one JSON object;
  one written during a request (Flask's report of a 500 with its traceback, say) carries
  that request's id too.
- The duration also goes to the request latency histogram (views.operations) when
  prometheus_client is installed (the `serve` extra).
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context, request

from views import operations

REQUEST_ID = "portal.request_id"
STARTED = "portal.request_started"
REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

request_log = logging.getLogger("portal.requests")
# Marks the handler this module installs, so a second app in one process replaces it.
HANDLER_NAME = "portal-stderr"
# The loggers whose records the portal's handler writes: its own and its packages'.
PORTAL_LOGGERS = ("portal", "views", "services", "seed")


def request_id() -> str:
    """This request's id (made on first use: an error page may come before any hook ran)."""
    environ = request.environ
    if REQUEST_ID not in environ:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        environ[REQUEST_ID] = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    return environ[REQUEST_ID]


def _start():
    request.environ[STARTED] = time.perf_counter()
    request_id()


def _signed_in_user_id():
    # Only the account this request loaded: asking Flask-Login here would load one per request.
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.get_id()
    return None


def _finish(response):
    started = request.environ.get(STARTED, time.perf_counter())
    duration = time.perf_counter() - started
    endpoint = request.url_rule.endpoint if request.url_rule else None
    response.headers[REQUEST_ID_HEADER] = request_id()
    fields = {
        "request_id": request_id(),
        "user_id": _signed_in_user_id(),
        "method": request.method,
        "endpoint": endpoint,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 1),
    }
    request_log.info(
        "%s %s %s %s ms",
        request.method,
        endpoint or "(no route)",
        response.status_code,
        fields["duration_ms"],
        extra={"fields": fields},
    )
    operations.observe_request(endpoint, response.status_code, duration)
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's `fields`, and the
    request id of the request it was written in (a traceback included)."""

    def format(self, record):
        fields = getattr(record, "fields", {})
        if "request_id" not in fields and getattr(record, "request_id", None):
            fields = {"request_id": record.request_id, **fields}
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def with_request_id(record):
    """Note the request a record was written in, while it is still under way."""
    if has_request_context() and not hasattr(record, "request_id"):
        record.request_id = request_id()
    return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test run swaps it per test)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return JsonFormatter()


def configure_logging(log_format: str, *more_loggers: str):
    """The portal's loggers write to stderr in LOG_FORMAT; the request log at INFO."""
    handler = StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.addFilter(with_request_id)
    handler.setFormatter(formatter(log_format))
    for name in (*PORTAL_LOGGERS, *more_loggers):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
            logger.removeHandler(old)
        logger.addHandler(handler)
    logging.getLogger("portal").setLevel(logging.INFO)


def init_app(app):
    # Flask's own logger too (named after the app), which writes the traceback of a 500.
    configure_logging(app.config["LOG_FORMAT"], app.name)
    # First in, so that every other hook (and an abort in one) runs with a request id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.add_template_global(request_id, "request_id")
