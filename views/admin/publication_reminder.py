"""Before the date each year by which the department publishes its customer complaint
figures (Public Sector Act 2022 (Qld) s 264), every staff page reminds administrators,
with the financial year due and a link to the Annual publication report."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_login import current_user

from models import utcnow
from rules.vocabulary import ADMINISTRATOR


def due_dates(config, today: date) -> tuple[date, int] | None:
    """The publication date this reminder is for, and the days left; None outside the
    PUBLICATION_REMINDER_DAYS before it."""
    try:
        month, day = (int(part) for part in str(config["PUBLICATION_DUE"]).split("-"))
        due = date(today.year, month, day)
    except (ValueError, TypeError):
        return None
    left = (due - today).days
    if 0 <= left <= int(config["PUBLICATION_REMINDER_DAYS"] or 0):
        return due, left
    return None


def financial_year_before(due: date) -> tuple[date, date]:
    """The last financial year (1 July to 30 June) ended on or before `due`."""
    end_year = due.year if (due.month, due.day) >= (6, 30) else due.year - 1
    return date(end_year - 1, 7, 1), date(end_year, 6, 30)


def publication_reminder() -> dict | None:
    if not current_user.is_authenticated or not current_user.has_capacity(ADMINISTRATOR):
        return None
    config = current_app.config
    today = datetime.fromtimestamp(utcnow().timestamp(), ZoneInfo(config["DISPLAY_TIMEZONE"]))
    found = due_dates(config, today.date())
    if found is None:
        return None
    due, left = found
    start, end = financial_year_before(due)
    return {
        "text": (
            f"The customer complaint figures for {start.year}–{str(end.year)[2:]} "
            f"(1 July {start.year} to 30 June {end.year}) are due to be published by "
            f"{due.day} {due:%B %Y}"
            + (" (today)." if left == 0 else f", in {left} day{'s' if left != 1 else ''}.")
        ),
        "link": url_for("annual_report.index"),
    }


def init_app(app):
    app.add_template_global(publication_reminder, "publication_reminder")
