"""Due instants recomputed in bulk when a calendar or SLA target changes.

The flush that saves the change runs `after_flush`: the open cases that depend on it are
read in batches, their due instants worked out again and written back, each change in
their history. Met deadlines and closed cases keep their recorded outcome.
"""

import json
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Text,
    bindparam,
    column,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from models import (
    Calendar,
    ClockPause,
    Division,
    Extension,
    HistoryEntry,
    Participant,
    UTCDateTime,
    kinds,
    utcnow,
)
from models.base import instant_reader, instant_writer, raw_instant
from rules import deadlines

from .. import history
from .engines import Clocks
from .retiming import _NOT_COUNTING, RETIMED


def after_flush(session):
    pending = session.info.pop("recompute", None)
    if pending:
        calendars, keys = pending
        recompute(session, calendars, keys)


def recompute(
    session,
    calendar_ids: Iterable[int] | Mapping[int, date | None] = (),
    sla_keys: Iterable[str] = (),
) -> int:
    """Recompute the open cases that depend on these calendars or SLA targets.

    `calendar_ids` may map each calendar to the first day its change touches (a closure or
    worked holiday added, moved or removed): only the cases with a due instant on or after
    that day are read, for a count that ended before it never met the change. None, or a
    plain list of ids, reads every open case on the calendar.

    Returns how many cases had a due instant changed. Each gets a history entry.
    Met deadlines and closed cases keep their recorded outcome.
    """
    since = dict(calendar_ids) if isinstance(calendar_ids, Mapping) else {}
    calendar_ids, sla_keys = set(calendar_ids), set(sla_keys)
    changed = 0
    with session.no_autoflush:
        clocks = Clocks(session)
        reason = _reason(session, calendar_ids, sla_keys)
        for kind in kinds.KINDS:
            condition = _affected(kind.model, clocks, calendar_ids, sla_keys, since)
            if condition is not None:
                changed += _recompute_cases(
                    session, kind.model, kind.name, condition, clocks, reason
                )
    return changed


def _reason(session, calendar_ids, sla_keys) -> str:
    parts = []
    if calendar_ids:
        codes = session.scalars(select(Calendar.code).where(Calendar.id.in_(calendar_ids))).all()
        parts.append("calendar " + ", ".join(sorted(codes)))
    if sla_keys:
        parts.append("SLA target " + ", ".join(sorted(sla_keys)))
    return "Due dates recomputed after a change to " + " and ".join(parts) + "."


def _targets_use(clocks: Clocks, prefix: str, calendar_ids: set[int]) -> bool:
    return any(
        row.key.startswith(prefix) and row.calendar_id in calendar_ids
        for row in clocks.target_rows
    )


def _affected(model, clocks, calendar_ids, sla_keys, since=None):
    """Which open cases of this model depend on these calendars or SLA targets: a condition
    on `_case_query(model)`, or None when none can. `since`: a calendar's first day changed,
    when the change touches only some days."""
    kind = kinds.kind_of(model)
    case_type = kind.name
    prefix = f"{case_type}."
    everything = any(k.startswith(prefix) for k in sla_keys) or _targets_use(
        clocks, prefix, calendar_ids
    )
    if not everything and not calendar_ids:
        return None
    still_open = model.status.not_in(kind.closed_statuses)
    if everything:
        return still_open
    if kind.no_calendar is None:
        # No client, or a client without a calendar of its own: the service desk's calendar.
        holder = Participant.calendar_id
        default = clocks.default_ticket_calendar_id()
    else:
        holder, default = Division.calendar_id, None
    reached = []
    for calendar_id in sorted(calendar_ids):
        on_it = holder == calendar_id
        if calendar_id == default:
            on_it = on_it | holder.is_(None)
        day = (since or {}).get(calendar_id)
        if day is not None:
            on_it = on_it & _due_from(model, day)
        reached.append(on_it)
    return still_open & or_(*reached)


def _due_from(model, day: date):
    """A case with a due instant on or after `day` (a day before, in UTC, whatever the
    calendar's zone): the only cases a change from that day on can move. A due that is
    empty stays empty (its clock has not started, or has no target)."""
    bound = datetime.combine(day - timedelta(days=1), time(0), UTC)
    return or_(*(model.__table__.c[name] >= bound for name in kinds.kind_of(model).due_fields))


# A case's row as the bulk recompute reads it: the facts, the due instants, the calendar.
_CASE_ROWS = {
    kind.name: namedtuple(
        f"{kind.name}_row", kind.fact_fields + kind.due_fields + ("calendar_id",)
    )
    for kind in kinds.KINDS
}


def _case_query(model, case_type):
    """The columns the clocks read, with the calendar each case runs on (its division's, or
    its client's for a ticket, None for the service desk's). Instants come raw."""
    table = model.__table__
    kind = kinds.by_name(case_type)
    names = kind.fact_fields + kind.due_fields
    columns = [raw_instant(table.c[name]) for name in names]
    parent = None
    if kind.calendar_parent is not None:
        # A review runs on its complaint's calendar.
        parent, kind = kind, kinds.by_name(kind.calendar_parent)
    holder, (_, key) = kind.holder_model, kind.calendar_holder
    query = select(*columns, holder.calendar_id)
    if parent is not None:
        query = query.join(kind.model, kind.model.id == getattr(model, f"{kind.name}_id"))
    on = holder.id == getattr(kind.model, key)
    # Without a calendar of its own a case may run on the service desk's.
    return query.outerjoin(holder, on) if kind.no_calendar is None else query.join(holder, on)


def _case_batches(session, model, case_type, condition, size=2000):
    """The affected cases' rows, about `size` at a time in id order (the caller reads each
    batch's first and last id as its range), instants as aware datetimes.

    Each batch is read by a range of ids, not a list of them, so that every statement has
    the same short text, and after the previous batch is written.
    """
    table = model.__table__
    query = _case_query(model, case_type).where(condition)
    ids = session.scalars(query.with_only_columns(table.c.id).order_by(table.c.id)).all()
    names = kinds.by_name(case_type).fact_fields + kinds.by_name(case_type).due_fields
    # SQLAlchemy's processing of a register's instants costs more than the arithmetic:
    # one C call each instead.
    read = instant_reader(
        session.get_bind().dialect,
        [i for i, name in enumerate(names) if isinstance(table.c[name].type, UTCDateTime)],
    )
    make = _CASE_ROWS[case_type]._make
    for start in range(0, len(ids), size):
        first_id, last_id = ids[start], ids[min(start + size, len(ids)) - 1]
        rows = [
            make(read(raw))
            for raw in session.execute(
                query.where(table.c.id.between(first_id, last_id)).order_by(table.c.id)
            )
        ]
        if rows:
            yield rows


def _latest_extensions(session, first_id, last_id) -> dict[int, deadlines.ExtensionFacts]:
    """The latest extension of each complaint whose id is in this range."""
    latest = {}
    rows = session.execute(
        select(Extension, Participant)
        .join(Participant, Participant.id == Extension.approved_by_id)
        .where(Extension.complaint_id.between(first_id, last_id))
        .order_by(Extension.approved_at, Extension.id)
    ).all()
    for extension, approver in rows:
        latest[extension.complaint_id] = deadlines.ExtensionFacts(
            new_due_at=extension.new_due_at,
            reason=extension.reason or "",
            approved_by=str(approver),
            approved_at=extension.approved_at,
        )
    return latest


def _recompute_cases(session, model, case_type, condition, clocks, reason) -> int:
    changed = 0
    table = model.__table__
    kind = kinds.by_name(case_type)
    due_fields = kind.due_fields
    written = due_fields + (("next_due_at",) if "next_due_at" in table.c else ())
    row_fields = _CASE_ROWS[case_type]._fields
    written_at = [(name, row_fields.index(name)) for name in written]
    default_calendar_id = clocks.default_ticket_calendar_id() if kind.no_calendar is None else None
    case_clocks = kind.clocks
    instant_type, store = instant_writer(session.get_bind().dialect)
    # A register's due instants repeat (closing times of a few business days): each
    # distinct one is converted once, to the stored form and to the history's ISO form.
    stored_form = _Memo(lambda value: None if value is None else store(value))
    json_form = _Memo(lambda value: json.dumps(_iso(value)))
    now = stored_form[utcnow()]
    constants = {"version": table.c.version + 1}
    if "updated_at" in table.c:
        constants["updated_at"] = bindparam("updated_at", now, type_=instant_type)
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({name: bindparam(name, type_=instant_type) for name in written} | constants)
    )
    append_history = _history_appender(
        session.get_bind().dialect, bindparam("at", now, type_=instant_type), model, reason
    )
    # Counted only when a caller asked (Retimed.start): a register's recompute keeps no list.
    retimed = session.info.get(RETIMED) or _NOT_COUNTING
    for batch in _case_batches(session, model, case_type, condition):
        first_id, last_id = batch[0].id, batch[-1].id
        pauses = defaultdict(list)
        for case_id, begin, end in session.execute(
            select(ClockPause.case_id, ClockPause.started_at, ClockPause.ended_at)
            .where(
                ClockPause.case_type == case_type,
                ClockPause.case_id.between(first_id, last_id),
                ClockPause.ended_at.is_not(None),
            )
            # The engine takes a case's pauses in order; without this the order is the
            # index the database happens to choose.
            .order_by(ClockPause.case_id, ClockPause.started_at)
        ):
            pauses[case_id].append((begin, end))
        pauses = {case_id: tuple(spans) for case_id, spans in pauses.items()}
        extensions = _latest_extensions(session, first_id, last_id) if kind.extended else {}
        updates, entries = [], []
        for row in batch:
            stored = {name: row[i] for name, i in written_at}
            # The row stands for the case's facts: the rules read the same attribute names.
            values, next_due = deadlines.dues(
                case_clocks(
                    row,
                    clocks.targets(row.calendar_id or default_calendar_id),
                    extensions.get(row.id),
                    pauses.get(row.id, ()),
                ),
                stored,
            )
            if "next_due_at" in stored:
                # Paused: nothing is next until work resumes.
                values["next_due_at"] = next_due if row.paused_since is None else None
            changes = [
                f'"{name}": [{json_form[stored[name]]}, {json_form[value]}]'
                for name, value in values.items()
                if stored[name] != value
            ]
            if not changes:
                continue
            retimed.note(
                case_type,
                row.id,
                row.calendar_id or default_calendar_id,
                {name: (stored[name], value) for name, value in values.items()},
            )
            stored.update(values)
            row_values = {name: stored_form[value] for name, value in stored.items()}
            row_values["_id"] = row.id
            updates.append(row_values)
            # JSON {"field": [old, new], ...}, as history.py writes it.
            entries.append({"record_id": row.id, "changes": "{" + ", ".join(changes) + "}"})
        if updates:
            connection = session.connection()
            connection.execute(statement, updates)
            append_history(connection, entries)
            _expire_loaded(session, model, {u["_id"] for u in updates})
            changed += len(updates)
    return changed


def _history_appender(dialect, at, model, reason):
    """Appends "recompute" history entries: (connection, [{"record_id", "changes"}, ...]).

    On PostgreSQL one INSERT ... SELECT FROM json_to_recordset() per batch: a statement per
    entry costs more than the entry, and the driver turns a JSON document into text faster
    than it does arrays of text. SQLite's executemany is already one C loop.
    """
    table = HistoryEntry.__table__
    constants = {
        "at": at,
        "user_id": literal(history.current_user_id(), Integer),
        "record_type": literal(model.__name__, String),
        "action": literal("recompute", String),
        "summary": literal(reason, Text),
    }
    if dialect.name == "postgresql":
        entries = (
            func.json_to_recordset(bindparam("entries", type_=JSON))
            .table_valued(column("record_id", Integer), column("changes", Text))
            .render_derived(name="entry", with_types=True)
        )
        statement = insert(table).from_select(
            [*constants, "record_id", "changes"],
            select(*constants.values(), entries.c.record_id, entries.c.changes),
        )
        return lambda connection, entries: connection.execute(statement, {"entries": entries})
    statement = insert(table).values(constants)
    return lambda connection, entries: connection.execute(statement, entries)


class _Memo(dict):
    """A conversion computed once per distinct value."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        self[value] = converted = self.convert(value)
        return converted


def _expire_loaded(session, model, ids) -> None:
    """Objects already in the session for rows updated behind its back are reloaded on use."""
    for obj in list(session.identity_map.values()):
        if type(obj) is model and obj.id in ids:
            session.expire(obj)


def _iso(value):
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
