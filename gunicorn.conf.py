"""gunicorn's settings for the portal: `gunicorn -c gunicorn.conf.py` (as bin/serve runs it).

Each can be changed from the environment without editing this file:

- GUNICORN_BIND: where to listen; `127.0.0.1:8000` (default, for nginx on the same
  machine) or `unix:/run/portal/gunicorn.sock`. Never a public address: nginx in front
  buffers slow clients, serves the static files and terminates TLS.
- GUNICORN_WORKERS (default: 2 per core, at most 8) and GUNICORN_THREADS (default 4):
  processes, and threads in each. Requests mostly wait on the database, so threads serve
  more of them per process for little memory.
- GUNICORN_TIMEOUT (default 60 s): a worker silent that long is killed and replaced. A
  threaded worker's main thread answers while its threads serve, so a long download (a
  million-row export, CSV or XLSX, both streamed) is not cut by it.
- GUNICORN_GRACEFUL_TIMEOUT (default 30 s): on a restart or stop, how long requests under
  way may finish.
- GUNICORN_ACCESS_LOG: unset, no access log of gunicorn's own, since the portal writes one
  JSON line per request (views/observability.py); `-` writes gunicorn's too, in the
  format below.

Forwarded headers: the portal believes X-Forwarded-For and -Proto from exactly
TRUSTED_PROXY_COUNT proxies (werkzeug's ProxyFix, views/security.py), one place for both
`bin/run` and gunicorn. So gunicorn itself trusts no forwarded header from anyone: it
would otherwise take X-Forwarded-Proto from any peer in `forwarded_allow_ips`, and from
every client of a unix socket, whatever TRUSTED_PROXY_COUNT says.

PROMETHEUS_MULTIPROC_DIR: set it (in the environment gunicorn starts in, e.g. the systemd
unit) to a folder of its own, and each worker writes its request timings there for
/metrics to add up. The master empties it at start, as prometheus_client asks.
"""

import multiprocessing
import os
from pathlib import Path


def _number(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "app:create_app()"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _number("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count(), 8))
worker_class = "gthread"
threads = _number("GUNICORN_THREADS", 4)
timeout = _number("GUNICORN_TIMEOUT", 60)
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# A worker is replaced after this many requests (jittered, so they do not all go at once).
max_requests = 2000
max_requests_jitter = 200
# Larger headers than this are refused before they reach the portal.
limit_request_field_size = 8190

# No control socket (gunicorn 24 and later): a second server on the machine would share its
# default path in the home folder, and systemd stops and reloads the master with signals.
control_socket_disable = True

forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The peer, the request line, status, bytes, milliseconds, the portal's request id, the agent.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
