"""`flask mail fetch`: read new mail from the IMAP mailboxes in MAIL_IN_MAILBOXES into the
register, one line per mailbox. Run it from a timer (deploy/systemd/portal-mail-fetch.*)."""

import click
from flask import current_app

from models import db
from seed.commands import Refused
from services.intake import attachment_folder
from services.mail_in.imap import FetchReport, fetch
from services.mail_in.ingest import IngestSettings
from services.mail_in.mailboxes import SETTING, MailboxesRefused, mailboxes_from_config
from views.mail_commands import mail
from views.scheduled import scheduled


def _chosen(name: str | None):
    """(mailboxes to read, lines about the ones skipped), or Refused."""
    try:
        mailboxes = mailboxes_from_config(current_app.config, needs_server=False)
    except MailboxesRefused as refused:
        raise Refused(f"{refused} Nothing was read.") from None
    if not mailboxes:
        raise Refused(
            f"No mailbox is configured: set {SETTING}, e.g. "
            '[{"name": "complaints", "creates": "complaint", "host": "imap.example.gov.au", '
            '"username": "complaints", "password": "..."}].'
        )
    if name:
        wanted = [box for box in mailboxes if box.name.lower() == name.strip().lower()]
        if not wanted:
            known = ", ".join(box.name for box in mailboxes)
            raise Refused(f"There is no mailbox called {name} in {SETTING} ({known}).")
        if not wanted[0].host:
            raise Refused(
                f"Mailbox {wanted[0].name} has no host: a mail server feeds it through "
                "`flask mail receive`, so there is nothing to fetch."
            )
        return wanted, []
    skipped = [
        f"{box.name}: no host; a mail server feeds it through `flask mail receive`."
        for box in mailboxes
        if not box.host
    ]
    return [box for box in mailboxes if box.host], skipped


@mail.command("fetch")
@click.option("--mailbox", "name", metavar="NAME", help=f"Read only this mailbox of {SETTING}.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Read at most N messages from each mailbox in this run (the oldest first).",
)
@scheduled("mail fetch")
def fetch_command(name, limit):
    """Read the unread mail of every mailbox in MAIL_IN_MAILBOXES (or one) into the register.

    Each message becomes a new case, a reply filed on its case, a message for triage, or is
    ignored or quarantined; then it is marked read (and moved to the mailbox's
    processed_folder, if it has one). Safe on several servers at once. Exit status 1 when a
    mailbox could not be read (the others are read all the same).
    """
    mailboxes, skipped = _chosen(name)
    for line in skipped:
        click.echo(line)
    settings = IngestSettings.from_config(current_app.config, attachment_folder(current_app))
    timeout = float(current_app.config.get("MAIL_TIMEOUT_SECONDS") or 30)
    failed = False
    for mailbox in mailboxes:
        if not (mailbox.username and mailbox.password):
            report = FetchReport(mailbox=mailbox.name, unreadable=True)
            report.errors.append(
                f"Mailbox {mailbox.name} has a host but no username or password: set them in "
                f"{SETTING}."
            )
        else:
            report = fetch(db.session, mailbox, settings=settings, limit=limit, timeout=timeout)
        click.echo(str(report))
        for error in report.errors:
            click.echo(error, err=True)
        failed = failed or bool(report.errors)
    if failed:
        raise SystemExit(1)
