"""Saved views: a grid's filters, search, sort and columns kept under a name.

Anyone signed in saves views for themselves; coordinators and administrators may share a
view with their own division. A view keeps only the grid's URL arguments: whoever opens
it, or reads its count, gets the rows the grid gives them in their own scope, never the
owner's. Only the owner renames or deletes a view. The rules hold at every flush
(`before_flush`), whichever door saves.
"""

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import and_, or_, select

from models import SavedView, User
from rules import permissions
from rules.errors import RuleViolation
from rules.vocabulary import ADMINISTRATOR, COORDINATOR

from . import access

NAME_LIMIT = 80
SHARERS = frozenset({COORDINATOR, ADMINISTRATOR})
# The grid arguments a view keeps: its filters (flt…), search, sort and columns. The page
# it was on is not kept.
KEPT = frozenset({"search", "sort", "desc", "columns", "page_size"})


def may_share(actor) -> bool:
    """Coordinators and administrators with a division share views with it."""
    return bool(access.capacity_codes(actor) & SHARERS) and access.division_id(actor) is not None


def grid_arguments(query: str) -> str:
    """The arguments of a grid's address worth keeping, in their order."""
    pairs = parse_qsl(query or "", keep_blank_values=False)
    kept = [(name, value) for name, value in pairs if name in KEPT or name.startswith("flt")]
    return urlencode(kept)


def visible_condition(actor):
    """The saved views the officer sees: their own, and those shared with their division."""
    me = getattr(actor, "id", None)
    if me is None:
        return SavedView.id.is_(None)
    division = access.division_id(actor)
    shared = (
        and_(SavedView.division_id.is_not(None), SavedView.division_id == division)
        if division is not None
        else SavedView.id.is_(None)
    )
    return or_(SavedView.owner_id == me, shared)


def visible(session, actor) -> list[SavedView]:
    """The officer's views and their division's, by name."""
    return list(
        session.scalars(
            select(SavedView)
            .where(visible_condition(actor))
            .order_by(SavedView.name, SavedView.id)
        )
    )


def find(session, actor, view_id, *, owned=False) -> SavedView | None:
    """A view the officer sees (or owns), by id; None otherwise."""
    condition = SavedView.owner_id == actor.id if owned else visible_condition(actor)
    return session.scalar(select(SavedView).where(SavedView.id == view_id, condition))


def _clean_name(name) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleViolation("Name the view: a few words you will recognise in the menu.")
    if len(name) > NAME_LIMIT:
        raise RuleViolation(f"The view's name is too long: at most {NAME_LIMIT} characters.")
    return name


def _name_free(session, owner_id, name, except_id=None):
    clash = session.scalar(
        select(SavedView.id).where(
            SavedView.owner_id == owner_id,
            SavedView.name == name,
            SavedView.id != (except_id or 0),
        )
    )
    if clash is not None:
        raise RuleViolation(
            f"You already have a view called “{name}”: choose another name, or delete or "
            "rename that one first."
        )


def save(session, actor, *, name, screen, query, shared=False) -> SavedView:
    """A new view of the grid `screen` with the arguments of `query`."""
    name = _clean_name(name)
    if screen not in permissions.SCREENS:
        raise RuleViolation("Only a register's list can be saved as a view.")
    if shared and not may_share(actor):
        raise RuleViolation(
            "Only coordinators and administrators share views with their division: "
            "save it for yourself instead."
        )
    _name_free(session, actor.id, name)
    view = SavedView(
        owner_id=actor.id,
        name=name,
        screen=screen,
        query=grid_arguments(query),
        division_id=access.division_id(actor) if shared else None,
    )
    session.add(view)
    return view


def rename(session, actor, view: SavedView, name) -> SavedView:
    if view.owner_id != actor.id:
        raise RuleViolation("Only the person who saved a view renames it.")
    name = _clean_name(name)
    _name_free(session, actor.id, name, except_id=view.id)
    view.name = name
    return view


def delete(session, actor, view: SavedView) -> None:
    if view.owner_id != actor.id:
        raise RuleViolation("Only the person who saved a view deletes it.")
    session.delete(view)


def before_flush(session) -> None:
    """A shared view is shared by a coordinator or administrator with their own division."""
    for record in (*session.new, *session.dirty):
        if not isinstance(record, SavedView):
            continue
        _clean_name(record.name)
        if record.division_id is None:
            continue
        owner = record.owner or session.get(User, record.owner_id)
        if not may_share(owner) or access.division_id(owner) != record.division_id:
            raise RuleViolation(
                f"The view “{record.name}” can only be shared by a coordinator or "
                "administrator, with their own division."
            )
