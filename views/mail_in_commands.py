"""`flask mail receive`: one email on standard input, as a mail server's pipe delivers it
(Postfix `mailbox_command`, an alias `| flask mail receive --mailbox complaints`).

Prints what became of it in one line. Exits 0 whenever the message was stored, also as a
duplicate or in quarantine, so the mail server never bounces it back to the sender; exits
75 (EX_TEMPFAIL: the server keeps it and tries again) only when nothing could be stored.
"""

import sys

import click
from flask import current_app

from models import db
from services.intake import attachment_folder
from services.mail_in import ingest as mail_ingest
from services.mail_in.mailboxes import Mailbox, MailboxesRefused, mailbox_named

from .mail_commands import mail

# sysexits.h: a temporary failure; the mail server keeps the message and tries again.
EX_TEMPFAIL = 75
# Mail piped in while no mailbox is configured becomes complaints, as the public form's do.
PIPE = Mailbox(name="pipe", creates="complaint")


@mail.command("receive")
@click.option(
    "--mailbox",
    "mailbox_name",
    metavar="NAME",
    help="The mailbox of MAIL_IN_MAILBOXES it arrived at (what new mail becomes). "
    "Default: the only one, or the first that creates complaints.",
)
def receive(mailbox_name):
    """Read one RFC 822 message from standard input and file it, create a case from it, or
    keep it for triage or in quarantine. Safe to deliver the same message twice."""
    config = current_app.config
    try:
        mailbox = mailbox_named(config, mailbox_name)
    except MailboxesRefused as refused:
        if mailbox_name or config.get("MAIL_IN_MAILBOXES") not in (None, "", "[]", []):
            click.echo(f"Not stored: {refused}", err=True)
            sys.exit(EX_TEMPFAIL)
        mailbox = PIPE
    raw = sys.stdin.buffer.read()
    settings = mail_ingest.IngestSettings.from_config(config, attachment_folder(current_app))
    try:
        result = mail_ingest.ingest(db.session, raw, mailbox, settings=settings)
    except Exception as error:  # noqa: BLE001 - a pipe must not crash: say it, exit 75
        db.session.rollback()
        current_app.logger.exception("A message received could not be stored")
        click.echo(f"Not stored: {error}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(str(result))
