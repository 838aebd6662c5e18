"""`flask users token create|list|revoke`: API tokens from the shell, as in the admin."""

from datetime import datetime, time, timezone

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from models import ApiToken, User, db
from rules.errors import RuleViolation
from seed.commands import Refused
from services import api_tokens

token_commands = AppGroup("token", help="Issue, list and revoke API tokens.")


def _user(username: str) -> User:
    user = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise Refused(f"There is no user called {username}.")
    return user


def _expiry(value: str | None):
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise Refused(f"--expires {value!r} is not a day: use YYYY-MM-DD.") from None
    # The start of that day, UTC: the token works until then.
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


@token_commands.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What it is for, e.g. 'Online complaint form'.")
@click.option(
    "--expires", metavar="YYYY-MM-DD", help="It stops working at the start of that day (UTC)."
)
def create_token(username, name, expires):
    """Issue an API token acting as USERNAME; print its secret, once."""
    user = _user(username)
    try:
        issued = api_tokens.issue(db.session, user, name, expires_at=_expiry(expires))
    except RuleViolation as refusal:
        raise Refused(str(refusal)) from None
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    click.echo(f"Issued API token {issued.token.prefix}… for {username} ({name}).")
    click.echo("Copy it now: it is not shown again.")
    click.echo(issued.secret)


@token_commands.command("list")
@click.argument("username", required=False)
def list_tokens(username):
    """The API tokens (of USERNAME, or everyone's), with their state."""
    query = select(ApiToken).order_by(ApiToken.created_at)
    if username:
        query = query.where(ApiToken.user_id == _user(username).id)
    tokens = db.session.execute(query).scalars().all()
    if not tokens:
        click.echo("No API tokens.")
    for token in tokens:
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        click.echo(
            f"{token.prefix}…  {token.user.username}  {token.name}  "
            f"{api_tokens.state_of(token)}  last used {used}"
        )


@token_commands.command("revoke")
@click.argument("prefix")
def revoke_token(prefix):
    """Revoke the API token whose secret starts with PREFIX (as `list` shows it), or the
    token given whole."""
    prefix = prefix.rstrip("…")
    if len(prefix) > api_tokens.PREFIX_LENGTH:
        # The whole secret: found by its hash.
        token, _ = api_tokens.find(db.session, prefix)
        prefix = token.prefix if token is not None else prefix
    if len(prefix) < len(api_tokens.TOKEN_MARK) + 4:
        raise Refused("Give at least the first 8 characters of the token, e.g. cpt_AbCd.")
    found = (
        db.session.execute(
            select(ApiToken).where(
                or_(ApiToken.prefix.startswith(prefix, autoescape=True), ApiToken.prefix == prefix)
            )
        )
        .scalars()
        .all()
    )
    if not found:
        raise Refused(f"No API token starts with {prefix}.")
    if len(found) > 1:
        raise Refused(f"{len(found)} tokens start with {prefix}: give more of it.")
    token = found[0]
    if not api_tokens.revoke(db.session, token):
        click.echo(f"API token {token.prefix}… was already revoked.")
        return
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    click.echo(f"Revoked API token {token.prefix}… ({token.name}, {token.user.username}).")
