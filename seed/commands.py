"""`flask seed [--demo] [--volume N]`: reference data, a demo department, a large register."""

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect

from models import db
from seed import demo, reference, volume
from services import clocks


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
@click.option(
    "--volume",
    type=click.IntRange(min=1),
    metavar="N",
    help="Also add N complaints and N/10 tickets over ten years to the demo department "
    "(loading it first if needed), to try the portal at scale. Adds more each time.",
)
@click.option(
    "--seed",
    "random_seed",
    type=int,
    metavar="S",
    help="With --volume: plan the added cases from this random seed, so the same "
    "command on the same day adds the same register (random when not given).",
)
@with_appcontext
def seed_command(with_demo, volume, random_seed):
    """Load the reference data (safe to run again); with --demo, a demo department too."""
    if not inspect(db.engine).has_table("capacity"):
        raise Refused("The database has no tables yet: run `flask db upgrade` first.")
    started = time.perf_counter()
    # A calendar or SLA target added back (deleted by an administrator) re-times open cases.
    counted = clocks.Retimed.start(db.session)
    try:
        reference.load()
    finally:
        clocks.Retimed.stop(db.session)
    click.echo("Reference data: capacities, levels, lookups, calendars and SLA targets loaded.")
    if counted.count:
        click.echo(
            "A missing calendar or SLA target was added back: "
            + clocks.retimed_words(counted.count)
        )
    if with_demo or volume:
        loaded = demo.load(echo=click.echo)
        if loaded is not None:
            click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s.")
        click.echo("Demo logins (every demo account uses the same password):")
        for line in demo.demo_login_lines():
            click.echo(line)
    if volume:
        add_volume(volume, random_seed)
    elif random_seed is not None:
        raise Refused("--seed chooses how --volume plans its cases: give --volume N too.")


def add_volume(count: int, random_seed: int | None = None) -> None:
    started = time.perf_counter()
    tickets = int(round(count * volume.TICKETS_PER_COMPLAINT))
    try:
        with click.progressbar(
            length=count + tickets, label=f"Adding {count:,} complaints and {tickets:,} tickets"
        ) as bar:
            added = volume.load(count, seed=random_seed, progress=bar.update)
    except volume.Refused as refusal:
        raise Refused(str(refusal)) from None
    elapsed = time.perf_counter() - started
    click.echo(
        f"Volume: {added['complaints']:,} complaints, compliments and suggestions "
        f"({added['internal_reviews']:,} internal reviews), {added['tickets']:,} tickets and "
        f"{added['public']:,} more members of the public added in {elapsed:.0f} s."
    )
