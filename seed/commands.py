"""`flask seed [--demo]`: reference data, and optionally a demo department."""

import time

import click
from flask.cli import with_appcontext

from seed import demo, reference


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
