"""`flask db downgrade` with a guard: a downgrade that would drop data refuses unless told
`--yes-drop-data`. Flask-Migrate's own command is replaced in its `db` group, so both
`flask db downgrade` and `flask --app app db downgrade` go through the guard."""

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import cli as migrate_cli
from flask_migrate import downgrade as run_downgrade

from models import db
from services import downgrades


@click.command("downgrade")
@click.option(
    "-d", "--directory", default=None, help='Migration script directory (default "migrations")'
)
@click.option("--sql", is_flag=True, help="Don't touch the database: print the SQL instead")
@click.option("--tag", default=None, help="Arbitrary tag name, for custom env.py scripts")
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments for env.py")
@click.option(
    "--yes-drop-data",
    is_flag=True,
    help="Go ahead although the downgrade drops tables or columns and what is kept in them.",
)
@click.argument("revision", default="-1")
@with_appcontext
def downgrade_command(directory, sql, tag, x_arg, revision, yes_drop_data):
    """Revert to an earlier schema version; refuses to drop data unless told --yes-drop-data."""
    if not sql and not yes_drop_data:
        migrate = current_app.extensions["migrate"]
        config = migrate.migrate.get_config(directory)
        try:
            with db.engine.connect() as connection:
                lost = downgrades.losses(config, connection, revision)
        except Exception as problem:  # an unknown revision, an unreachable database
            raise click.ClickException(f"Cannot work out that downgrade: {problem}") from None
        if lost:
            click.echo(
                f"Refused: downgrading to {revision} would throw away data kept in the database:",
                err=True,
            )
            for loss in lost:
                click.echo(f"  {loss.describe()}", err=True)
            click.echo(
                "Nothing was changed. Back up the database and the attachment folder "
                "first, then run it again with --yes-drop-data.",
                err=True,
            )
            raise SystemExit(1)
    run_downgrade(directory, revision, sql, tag, x_arg)


def init_app(app):
    # Flask-Migrate registers its one `db` group object on every app; replace its command.
    migrate_cli.db.add_command(downgrade_command, name="downgrade")
