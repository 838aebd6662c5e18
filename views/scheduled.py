"""Scheduled commands record each run and log it as one line, like a request.

`@scheduled("mail send-due")` on a click command: the run is recorded in the database
(services/jobs.py: for /readyz and /metrics) and written to the `portal.jobs` log with the
job, its status, exit code and duration, in LOG_FORMAT (JSON by default)."""

import functools
import logging
import time
import uuid

import click

from models import db, utcnow
from services import jobs

log = logging.getLogger("portal.jobs")


def scheduled(name: str):
    def wrap(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            engine = db.engine
            run_id = uuid.uuid4().hex
            began = time.perf_counter()
            try:
                jobs.started(engine, name, utcnow())
            except Exception:  # noqa: BLE001 - the job runs even if its record cannot be made
                log.exception("the run of %s could not be recorded", name)
            code, detail = 0, "finished"
            try:
                return command(*args, **kwargs)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
                detail = f"exit status {code}"
                raise
            except click.ClickException as refused:
                code, detail = refused.exit_code, refused.format_message()
                raise
            except Exception as error:
                code, detail = 1, f"{type(error).__name__}: {error}"
                raise
            finally:
                ok = code == 0
                duration = round((time.perf_counter() - began) * 1000, 1)
                if not ok:
                    db.session.rollback()  # nothing half-done holds the database meanwhile
                try:
                    jobs.finished(engine, name, utcnow(), ok, detail)
                except Exception:  # noqa: BLE001 - say so in the log; the exit status stands
                    log.exception("the end of %s could not be recorded", name)
                fields = {
                    "request_id": run_id,
                    "job": name,
                    "status": "succeeded" if ok else "failed",
                    "exit_code": code,
                    "duration_ms": duration,
                }
                log.log(
                    logging.INFO if ok else logging.WARNING,
                    "%s %s %s ms",
                    name,
                    fields["status"],
                    duration,
                    extra={"fields": fields},
                )

        return run

    return wrap
