"""Command-line doors: `flask seed`, `flask users ...`, `flask due-date`, `flask ready`."""

import re

import click
from flask.cli import AppGroup

from models import Capacity, ClassificationLevel, Division, Participant, User, db
from rules.vocabulary import CAPACITIES, COORDINATOR
from seed.commands import Refused, seed_command
from views import migration_commands
from views.attachment_commands import attachments
from views.backup_commands import backup_command, restore_command
from views.clock_commands import due_date_command
from views.import_commands import import_group
from views.mail_commands import mail
from views.notify_commands import notify
from views.operations import ready_command
from views.report_commands import reports
from views.token_commands import token_commands

MINIMUM_PASSWORD_LENGTH = 8
PASSWORD_HELP = (
    "Prompted for (hidden, typed twice) when not given, which keeps it out of shell history."
)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def init_app(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(users)
    app.cli.add_command(due_date_command)
    app.cli.add_command(import_group)
    app.cli.add_command(mail)
    app.cli.add_command(reports)
    app.cli.add_command(attachments)
    app.cli.add_command(ready_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    migration_commands.init_app(app)
    app.cli.add_command(notify)


users = AppGroup("users", help="Create and manage login accounts.")
users.add_command(token_commands)


def find_user(username: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise Refused(f"There is no user called {username}.")
    return user


def new_password(password: str | None) -> str:
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise Refused(f"The password must have at least {MINIMUM_PASSWORD_LENGTH} characters.")
    return password


@users.command("create")
@click.argument("username")
@click.option(
    "--capacity",
    "capacity_codes",
    multiple=True,
    required=True,
    metavar="CAPACITY",
    help=f"Repeat for several: {', '.join(CAPACITIES)}.",
)
@click.option("--password", help=PASSWORD_HELP)
@click.option("--given-name", metavar="NAME")
@click.option(
    "--family-name", metavar="NAME", help="Defaults to the username when no name is given."
)
@click.option("--email", metavar="ADDRESS")
@click.option("--level", metavar="CODE", help="Classification level, e.g. AO5.")
@click.option("--division", "division_code", metavar="CODE", help="Division, e.g. CS.")
def create_user(
    username, capacity_codes, password, given_name, family_name, email, level, division_code
):
    """Create a staff member and their login account USERNAME."""
    if not USERNAME.fullmatch(username):
        raise Refused(
            f"The username {username!r} is not allowed: use up to 80 letters, digits, "
            "dots, hyphens or underscores."
        )
    unknown = [code for code in capacity_codes if code not in CAPACITIES]
    if unknown:
        raise Refused(
            f"Unknown capacity {', '.join(unknown)}: choose from {', '.join(CAPACITIES)}."
        )
    capacities = (
        db.session.execute(db.select(Capacity).where(Capacity.code.in_(capacity_codes)))
        .scalars()
        .all()
    )
    if len(capacities) != len(set(capacity_codes)):
        raise Refused("The capacities are not in the database yet: run `flask seed` first.")
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        raise Refused(f"A user called {username} already exists.")
    level_row = None
    if level is not None:
        level_row = db.session.execute(
            db.select(ClassificationLevel).filter_by(code=level)
        ).scalar_one_or_none()
        if level_row is None:
            codes = db.session.execute(
                db.select(ClassificationLevel.code).order_by(ClassificationLevel.rank)
            ).scalars()
            raise Refused(f"Unknown level {level}: choose from {', '.join(codes)}.")
    division = None
    if division_code is not None:
        division = db.session.execute(
            db.select(Division).filter_by(code=division_code)
        ).scalar_one_or_none()
        if division is None:
            codes = db.session.execute(db.select(Division.code).order_by(Division.code)).scalars()
            known = ", ".join(codes) or "(none yet)"
            raise Refused(f"Unknown division {division_code}: choose from {known}.")
    if COORDINATOR in capacity_codes and division is None:
        raise Refused("A coordinator belongs to a division: give --division CODE.")
    password = new_password(password)

    person = Participant(
        kind="staff",
        given_name=given_name,
        family_name=family_name or (None if given_name else username),
        email=email,
        division=division,
        level=level_row,
    )
    user = User(username=username, participant=person, active=True, capacities=capacities)
    user.set_password(password)
    db.session.add(user)
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    click.echo(
        f"Created user {username} ({', '.join(str(c) for c in user.capacities)}) "
        f"for {person.display_name}"
        + (f", {level_row.code}" if level_row else "")
        + (f", {division.name}" if division else "")
        + "."
    )


@users.command("deactivate")
@click.argument("username")
def deactivate_user(username):
    """Stop USERNAME signing in; the account and its history stay."""
    user = find_user(username)
    if not user.active:
        click.echo(f"User {username} is already inactive.")
        return
    user.active = False
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    click.echo(f"Deactivated user {username}.")


@users.command("set-password")
@click.argument("username")
@click.option("--password", help=PASSWORD_HELP)
def set_password(username, password):
    """Give USERNAME a new password."""
    user = find_user(username)
    user.set_password(new_password(password))
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    click.echo(f"Password changed for user {username}.")
