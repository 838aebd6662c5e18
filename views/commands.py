"""Command-line doors: `flask seed`, `flask users ...`, `flask due-date`."""

from seed.commands import seed_command


def init_app(app):
    app.cli.add_command(seed_command)
