"""Due instants shown to people: each with its state and why it is that instant, in the
calendar's local time, and a calendar's days off."""

from dataclasses import replace
from datetime import datetime

from models import Calendar, kinds, utcnow
from rules import deadlines
from rules.errors import RuleViolation

from .. import localtime
from .engines import Clocks, business_calendar, deadlines_of, recorded_pauses


def due_dates(case, now: datetime | None = None) -> list[dict]:
    """Per due instant of a saved case: its deadline, the instant stored, its state and
    why it is that instant (`rules.deadlines.explain`), in the calendar's local time.

    The deadlines are the ones a save stores (`deadlines_of`), explained by the same
    computation; a stored due that today's rules would not give says why it stands.
    Every door that shows due instants (the case's page, the API) reads them here.
    """
    from sqlalchemy.orm import object_session

    session = object_session(case)
    if session is None or case.id is None:
        return []
    now = now or utcnow()
    clocks = Clocks.of(session)
    case_type = kinds.kind_of(case).name
    pauses = recorded_pauses(session, case_type, case.id)
    engine = clocks.engine(clocks.calendar_id_of(case))
    closed = kinds.by_name(case_type).is_closed(case.status)
    rows = []
    for deadline in deadlines_of(case, clocks, pauses, explain=True):
        stored = getattr(case, deadline.field)
        lines = deadlines.explain(
            deadline, stored, engine.tz, closed=closed, paused_since=case.paused_since
        )
        shown = replace(deadline, due=stored)
        state = deadlines.deadline_state(shown, now, paused_since=case.paused_since, closed=closed)
        rows.append({"deadline": shown, "due": stored, "state": state, "lines": lines})
    return rows


def explain_case(case, now: datetime | None = None) -> list[dict]:
    """Per due instant: target, state and the explanation, in the calendar's local time."""
    rows = due_dates(case, now)
    if not rows:
        return []
    from sqlalchemy.orm import object_session

    clocks = Clocks.of(object_session(case))
    tz = clocks.engine(clocks.calendar_id_of(case)).tz
    shown = [
        {
            "label": row["deadline"].label,
            "target": row["deadline"].target.describe() if row["deadline"].target else "",
            "due": _local(row["due"], tz),
            "due_zone": _abbreviation(row["due"], tz),
            "done": _local(row["deadline"].done_at, tz),
            "done_zone": _abbreviation(row["deadline"].done_at, tz),
            "state": row["state"],
            "lines": row["lines"],
        }
        for row in rows
    ]
    if case.paused_since is not None:
        shown.append(
            {
                "label": "Clock paused",
                "target": "",
                "due": "",
                "due_zone": "",
                "done": "",
                "done_zone": "",
                "state": "paused",
                "lines": [
                    f"Waiting since {_local(case.paused_since, tz)}: when work resumes, the "
                    "open due instants still ahead then move later by the time spent "
                    "waiting; one already passed stays overdue."
                ],
            }
        )
    return shown


def holiday_preview(calendar: Calendar, year=None) -> dict:
    """A calendar's days off in a year (this year by default), each with its source."""
    if year in (None, ""):
        year = utcnow().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not 1900 <= year <= 2200:
        return {"year": year, "entries": [], "problem": "Choose a year between 1900 and 2200."}
    try:
        engine = business_calendar(calendar)
    except RuleViolation as error:
        return {"year": year, "entries": [], "problem": str(error)}
    return {"year": year, "entries": engine.holidays(year), "problem": None}


def _local(instant: datetime | None, tz) -> str:
    return instant.astimezone(tz).strftime("%d/%m/%Y %H:%M") if instant else ""


def _abbreviation(instant: datetime | None, tz) -> str:
    """The zone's abbreviation at the instant ("AEDT"), for the text `_local` gives."""
    return localtime.abbreviation(instant, tz.key) if instant else ""
