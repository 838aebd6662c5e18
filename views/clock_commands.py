"""`flask due-date CALENDAR START AMOUNT UNIT`: a due instant from the command line."""

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from models import Calendar, db
from rules.clock import CalendarError, parse_unit
from rules.errors import RuleViolation
from services.clocks import business_calendar


def _refuse(message: str):
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def parse_start(text: str, tz) -> datetime:
    """ISO 8601, with an offset or without one (then it is the calendar's local time)."""
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        _refuse(f"START '{text}' is not an ISO 8601 instant such as 2025-10-03T16:00.")
    if start.tzinfo is not None:
        return start
    local = start.replace(tzinfo=tz)
    # A wall-clock time skipped by a daylight-saving change does not exist locally.
    if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != start:
        _refuse(f"START {text} does not exist in {tz.key}: the clocks skip it.")
    return local


@click.command("due-date", context_settings={"ignore_unknown_options": True})
@click.argument("calendar_code", metavar="CALENDAR")
@click.argument("start")
@click.argument("amount")
@click.argument("unit")
@with_appcontext
def due_date_command(calendar_code, start, amount, unit):
    """Print the due instant for START plus AMOUNT UNIT on CALENDAR, in its local time.

    UNIT is one of business-days, business-hours, business-minutes, calendar-days,
    calendar-hours. Example: flask due-date AU-VIC 2025-10-03T16:00 6 business-hours
    """
    calendar = db.session.scalar(select(Calendar).where(Calendar.code == calendar_code))
    if calendar is None:
        codes = ", ".join(db.session.scalars(select(Calendar.code).order_by(Calendar.code)))
        _refuse(f"there is no calendar '{calendar_code}' (known: {codes or 'none'}).")
    try:
        unit = parse_unit(unit)
    except ValueError as error:
        _refuse(str(error))
    if not amount.isdigit():
        _refuse(f"AMOUNT must be a whole number of zero or more, not '{amount}'.")
    try:
        engine = business_calendar(calendar)
        due = engine.due(parse_start(start, engine.tz), int(amount), unit)
    except (CalendarError, RuleViolation, ValueError) as error:
        _refuse(str(error))
    click.echo(due.astimezone(engine.tz).isoformat())
