"""`flask reports ...`: each client organisation's monthly service report, mailed."""

import click
from flask import current_app
from flask.cli import AppGroup

from models import db, utcnow
from seed.commands import Refused
from services.correspondence import client_reports

from .scheduled import scheduled

reports = AppGroup("reports", help="Reports sent out of the portal: clients' service reports.")


@reports.command("send-client-reports")
@click.option(
    "--period",
    metavar="YYYY-MM",
    help="The month to report, e.g. 2026-11. Default: the last complete month in the "
    "department's time zone (DISPLAY_TIMEZONE).",
)
@scheduled("reports send-client-reports")
def send_client_reports(period):
    """Queue each client organisation's service report for a month to its nominated
    contacts (flask mail send-due sends them). Once per client and month: running it
    again, or on two servers at once, mails nobody twice."""
    zone = current_app.config.get("DISPLAY_TIMEZONE") or "Australia/Brisbane"
    now = utcnow()
    today = now.astimezone(client_reports.zone_info(zone)).date()
    try:
        month = client_reports.reporting_period(period, today)
    except client_reports.PeriodRefused as error:
        raise Refused(f"{error} Nothing was sent.") from None
    run = client_reports.send_client_reports(db.session, month, now=now, tz=zone)
    click.echo(
        f"Client service reports for {month.label}: queued for {run.clients_queued} clients "
        f"({run.messages} messages, {run.no_address} of them to print and post: no email "
        f"address); already queued before: {run.already}."
    )
    if run.no_contacts:
        names = ", ".join(sorted(run.no_contacts))
        click.echo(
            f"No nominated report contact, so no report: {names}. Tick “Receives the client's "
            "service report” on a contact's record to send one."
        )
