"""`flask notify run`: tell officers of due instants approaching or passed and apply the
escalation rules (from a systemd timer or cron, on any number of servers at once)."""

import click
from flask.cli import AppGroup

from models import db
from services import notifications

from .scheduled import scheduled

notify = AppGroup("notify", help="Notifications to staff: due dates and escalation rules.")


@notify.command("run")
@scheduled("notify run")
def run():
    """Tell officers of due dates within the lead or passed, and apply the escalation rules.

    Each notification is made once per case, due instant, rule and person, also when
    several servers run this at the same time.
    """
    report = notifications.run(db.session)
    click.echo(
        f"Due dates looked at: {report.cases}; notifications made: {report.told}; "
        f"held until business hours: {report.quiet}."
    )
