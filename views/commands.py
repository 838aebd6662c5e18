"""Command-line doors: `flask seed`, `flask users create`, `flask due-date`."""


def init_app(app):
    pass
