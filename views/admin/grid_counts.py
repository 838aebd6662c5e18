"""How many rows a grid shows the signed-in officer for a set of its URL arguments, counted
the way the grid counts them, many counts in one statement per grid.

A count applies the grid's own filter objects (the `flt…` arguments, parsed as the grid
parses them), its own search and the officer's row scope for listing
(services.access.rows): the home page's queues and the saved views link to the grid with
the same arguments, so each count equals the rows its link shows. Counts of one grid whose
filters need no join are summed in one statement (a CASE per count); a count that joins
(a search on the complainant's name) is counted on its own.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList
from werkzeug.datastructures import MultiDict

from models import db
from services import access


def grid_of(admin, screen: str):
    """The grid of a screen (rules.permissions' name; None if there is none)."""
    for view in admin._views:
        if getattr(view, "screen", None) == screen and hasattr(view, "_filter_args"):
            return view
    return None


def filters_of(view, args: Mapping[str, str]) -> list[tuple[int, str, str]]:
    """The grid's filters named by `flt<position>_<name>` arguments, as Flask-Admin reads
    them from the URL: unknown names and values a filter refuses are left out, as the grid
    leaves them out."""
    found = []
    for arg, value in args.items():
        if not arg.startswith("flt") or "_" not in arg:
            continue
        position, key = arg[3:].split("_", 1)
        if key not in (view._filter_args or {}):
            continue
        index, flt = view._filter_args[key]
        if flt.validate(value):
            found.append((position, (index, str(flt.name), value)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _filtered(view, args: Mapping[str, str]):
    """The grid's count query with its filters and search applied, and whether it joins."""
    query = db.session.query(func.count("*")).select_from(view.model)
    joins: dict = {}
    query, _, joins, _ = view._apply_filters(query, None, joins, {}, filters_of(view, args))
    search = args.get("search")
    if search and view._search_supported:
        query, _, joins, _ = view._apply_search(query, None, joins, {}, search)
    return query, bool(joins)


@dataclass
class _Wanted:
    view: object
    args: Mapping[str, str]
    count: int | None = None


class GridCounts:
    """Collect the counts a page shows, then count them all at once with `run`."""

    def __init__(self, admin, actor):
        self.admin = admin
        self.actor = actor
        self._wanted: list[_Wanted] = []

    def add(self, screen: str, args) -> _Wanted | None:
        """Ask for a count; None when the grid is unknown or the officer may not list it."""
        view = grid_of(self.admin, screen)
        if view is None or not view.may("list"):
            return None
        if isinstance(args, MultiDict):
            args = args.to_dict(flat=True)
        wanted = _Wanted(view, dict(args))
        self._wanted.append(wanted)
        return wanted

    def run(self) -> None:
        by_view: dict[int, list[_Wanted]] = {}
        for wanted in self._wanted:
            if wanted.count is None:
                by_view.setdefault(id(wanted.view), []).append(wanted)
        for group in by_view.values():
            self._count(group)

    def _count(self, group: list[_Wanted]) -> None:
        view = group[0].view
        scope = access.rows(self.actor, view.screen, "list")
        together = []
        for wanted in group:
            query, joins = _filtered(view, wanted.args)
            if joins:
                if not access.is_everything(scope):
                    query = query.filter(scope)
                wanted.count = query.scalar()
            else:
                condition = query.whereclause
                together.append((wanted, condition if condition is not None else true()))
        # The counts sharing a condition (most often "open") are counted together, with
        # that condition outside the OR, where an index can serve it; the rest apart.
        keyed = [_conjunct_keys(condition) for _, condition in together]
        shared = _most_shared(keyed)
        if shared is None:
            groups = [(None, together)]
        else:
            key, clause = shared
            having = [item for item, keys in zip(together, keyed, strict=True) if key in keys]
            others = [item for item, keys in zip(together, keyed, strict=True) if key not in keys]
            groups = [(clause, having)] + ([(None, others)] if others else [])
        for common, items in groups:
            conditions = [condition for _, condition in items]
            statement = select(
                *(func.count(case((condition, 1))) for condition in conditions)
            ).select_from(view.model)
            narrowed = or_(*conditions)
            if common is not None:
                narrowed = and_(common, narrowed)
            statement = statement.where(
                narrowed if access.is_everything(scope) else and_(scope, narrowed)
            )
            counts = db.session.execute(statement).one()
            for (wanted, _), count in zip(items, counts, strict=True):
                wanted.count = count


def _conjuncts(condition) -> list:
    if isinstance(condition, BooleanClauseList) and condition.operator is operators.and_:
        return [part for clause in condition.clauses for part in _conjuncts(clause)]
    return [condition]


def _key(clause):
    """The clause's structure with its values: equal keys, the same condition. (SQLAlchemy's
    cache key, as it caches compiled statements; the SQL text where a clause has none.)"""
    cache_key = clause._generate_cache_key()
    if cache_key is None:
        compiled = clause.compile(dialect=db.session.get_bind().dialect)
        return (compiled.string, tuple(sorted((k, repr(v)) for k, v in compiled.params.items())))
    return (cache_key.key, tuple(repr(bind.effective_value) for bind in cache_key.bindparams))


def _conjunct_keys(condition) -> dict:
    """{key: clause} of the condition's ANDed parts."""
    return {_key(part): part for part in _conjuncts(condition)}


def _most_shared(keyed: list[dict]):
    """(key, clause) of the condition most of the counts are ANDed with, if two share one;
    `keyed`: each count's `_conjunct_keys`."""
    tally: dict = {}
    for parts in keyed:
        for key, part in parts.items():
            found = tally.setdefault(key, [part, 0])
            found[1] += 1
    if not tally:
        return None
    key, (clause, times) = max(tally.items(), key=lambda item: item[1][1])
    return (key, clause) if times >= 2 else None
