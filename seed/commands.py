"""`flask seed [--demo]`: reference data, and optionally a demo department."""

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect

from models import db
from seed import demo, reference


class Refused(click.ClickException):
    """A one-line refusal with exit status 2; nothing has been saved."""

    exit_code = 2


@click.command("seed")
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Also load a demo department (skipped if it is already there).",
)
@with_appcontext
def seed_command(with_demo):
    """Load the reference data (safe to run again); with --demo, a demo department too."""
    if not inspect(db.engine).has_table("capacity"):
        raise Refused("The database has no tables yet: run `flask db upgrade` first.")
    started = time.perf_counter()
    reference.load()
    click.echo("Reference data: capacities, levels, lookups, calendars and SLA targets loaded.")
    if with_demo:
        loaded = demo.load(echo=click.echo)
        if loaded is not None:
            click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s.")
        click.echo("Demo logins (every demo account uses the same password):")
        for line in demo.demo_login_lines():
            click.echo(line)
