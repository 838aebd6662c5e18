"""The scheduled commands: which are expected to run, their last runs, and whether they
are late.

Each run of a scheduled command is recorded in `scheduled_job` (one row per command,
whichever server ran it), in its own short transaction so that a run that failed halfway
is recorded all the same. A command is *expected* when the portal is configured for its
work (`mail send-due` when MAIL_SERVER is set, `mail fetch` when MAIL_IN_MAILBOXES is);
`notify run` always. An expected command whose last success is older than
JOB_LATE_MINUTES, or that never succeeded, makes the readiness check `jobs` fail and says
which (`flask ready`, run before a server starts, shows it but does not stop the start:
the timers may not have run yet on a new machine).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from models import ScheduledJob

from .mail_in.mailboxes import MailboxesRefused, mailboxes_from_config
from .operations import Check


@dataclass(frozen=True)
class Job:
    name: str
    # Is the portal configured for this job's work?
    expected: Callable[[dict], bool]
    what: str


def _reads_mailboxes(config) -> bool:
    """Some mailbox of MAIL_IN_MAILBOXES is read over IMAP (a wrong setting counts too:
    the fetch run says what is wrong with it)."""
    try:
        return any(box.host for box in mailboxes_from_config(config, needs_server=False))
    except MailboxesRefused:
        return True


JOBS = (
    Job("mail send-due", lambda config: bool(config.get("MAIL_SERVER")), "sends the outbox"),
    Job("mail fetch", _reads_mailboxes, "reads the mailboxes"),
    Job("notify run", lambda config: True, "tells staff of due dates, applies escalation"),
)


def started(engine, name: str, now: datetime) -> None:
    _write(engine, name, {"last_started_at": now, "runs": ScheduledJob.runs + 1})


def finished(engine, name: str, now: datetime, ok: bool, detail: str) -> None:
    values = {
        "last_finished_at": now,
        "last_status": "succeeded" if ok else "failed",
        "last_detail": detail[:2000],
    }
    if ok:
        values["last_succeeded_at"] = now
    _write(engine, name, values)


def _write(engine, name: str, values: dict) -> None:
    """Update the job's row, making it the first time (two servers at once: one makes it,
    the other updates it)."""
    with Session(engine) as session:
        for _attempt in range(2):
            done = session.execute(
                update(ScheduledJob).where(ScheduledJob.name == name).values(**values)
            )
            if done.rowcount:
                session.commit()
                return
            session.add(ScheduledJob(name=name, runs=0))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()


def last_runs(session) -> dict[str, ScheduledJob]:
    return {job.name: job for job in session.scalars(select(ScheduledJob))}


def jobs_check(engine, config: dict, now: datetime) -> Check:
    """Every expected job succeeded within JOB_LATE_MINUTES."""
    late_after = timedelta(minutes=int(config.get("JOB_LATE_MINUTES") or 0))
    expected = [job for job in JOBS if job.expected(config)]
    if not expected:
        return Check("jobs", True, "none expected")
    try:
        with Session(engine) as session:
            runs = last_runs(session)
    except SQLAlchemyError:
        return Check("jobs", False, "not checked: the database cannot be reached")
    late = []
    for job in expected:
        run = runs.get(job.name)
        succeeded = run.last_succeeded_at if run else None
        if succeeded is None:
            late.append(f"`flask {job.name}` ({job.what}) has never succeeded")
        elif late_after and now - succeeded > late_after:
            minutes = int((now - succeeded).total_seconds() // 60)
            late.append(f"`flask {job.name}` ({job.what}) last succeeded {minutes} minutes ago")
    if late:
        return Check("jobs", False, "; ".join(late) + ": is its timer enabled?")
    return Check("jobs", True, "ran recently: " + ", ".join(job.name for job in expected))
