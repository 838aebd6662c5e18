"""`flask backup` and `flask restore`: the database and the attachment files, together."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db, utcnow
from rules.attachments import describe_size
from services import backups
from services.intake import attachment_folder


def _say(summary: backups.Summary) -> str:
    return (
        f"{summary.complaints} complaints, {summary.history_entries} history entries, "
        f"{summary.files} files ({describe_size(summary.bytes)})"
    )


@click.command("backup")
@click.option(
    "--to",
    "into",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder to write the backup under (default: instance/backups).",
)
@with_appcontext
def backup_command(into):
    """Write a consistent copy of the database and the attachment files into a new folder
    (safe while the portal is in use)."""
    into = into or Path(current_app.instance_path) / "backups"
    try:
        summary = backups.take(db.engine, attachment_folder(current_app), into, utcnow())
    except (backups.BackupError, OSError) as problem:
        raise click.ClickException(f"No backup was made: {problem}") from None
    click.echo(f"Backed up {_say(summary)} to {summary.folder}")


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(backup):
    """Bring BACKUP (a folder `flask backup` wrote) back into an empty database and an empty
    attachment folder."""
    db.session.remove()
    try:
        summary = backups.restore(db.engine, backup, attachment_folder(current_app))
    except (backups.BackupError, OSError) as problem:
        raise click.ClickException(f"Not restored: {problem}") from None
    click.echo(f"Restored {_say(summary)} from {backup}")
