"""`flask attachments sweep`: remove the files no lodgement, document or email names."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from rules.attachments import describe_size
from services import orphan_files
from services.intake import attachment_folder


@click.group("attachments")
def attachments():
    """The attachment folder."""


@attachments.command("sweep")
@click.option(
    "--older-than-minutes",
    type=click.IntRange(min=5),
    default=60,
    show_default=True,
    help="Leave files younger than this: a lodgement may be saving them right now.",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@with_appcontext
def sweep(older_than_minutes, dry_run):
    """Remove files in ATTACHMENT_FOLDER that no attachment or received email names: left by
    a request stopped between writing its files and saving (a server killed mid-lodgement).
    Safe to run at any time, on any server sharing the folder."""
    folder = attachment_folder(current_app)
    grace = timedelta(minutes=older_than_minutes)
    if dry_run:
        found = orphan_files.orphans(db.session, folder, grace)
        for orphan in found:
            when = f"{orphan.modified:%Y-%m-%d %H:%M}"
            click.echo(f"{orphan.path.name}  {describe_size(orphan.size)}  {when}")
        click.echo(f"Would remove {len(found)} files no record names, in {folder}.")
        return
    removed = orphan_files.sweep(db.session, folder, grace)
    total = sum(o.size for o in removed)
    click.echo(
        f"Removed {len(removed)} files no record names ({describe_size(total)}), in {folder}."
    )
