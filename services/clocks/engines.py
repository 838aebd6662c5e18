"""Due dates on save, through every door, and recomputed when a calendar or target changes.

A flush of the session runs `before_flush` (cases being saved get their reference number,
clock pauses and due instants) and `after_flush` (open cases that depend on a changed
calendar or SLA target are recomputed in bulk, each change written to their history).
"""

import json
from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Text,
    bindparam,
    column,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.orm.attributes import flag_modified

from models import (
    Calendar,
    ClockPause,
    Closure,
    Complaint,
    Division,
    Extension,
    HistoryEntry,
    InternalReview,
    OpeningWindow,
    Participant,
    PauseStatus,
    SlaTarget,
    UTCDateTime,
    WorkedHoliday,
    kinds,
    utcnow,
)
from models.base import instant_reader, instant_writer, raw_instant
from rules import clock as clock_rules
from rules import deadlines as rules
from rules.errors import RuleViolation

from .. import history, localtime, references

# Each case model's case type (models/kinds.py holds what each kind of case is made of).
CASE_TYPES = {kind.model: kind.name for kind in kinds.KINDS}
CALENDAR_PARTS = (OpeningWindow, Closure, WorkedHoliday)

_business_calendars: dict[tuple, clock_rules.BusinessCalendar] = {}


# --- calendars and targets ------------------------------------------------------------


def _kept(parts):
    """A calendar's hours or days off, without those deleted in the flush under way (a
    form deletes them from the session, not from the calendar's collection)."""
    kept = []
    for part in parts:
        state = inspect(part)
        if state.deleted or state.was_deleted:
            continue
        if state.session is not None and part in state.session.deleted:
            continue
        kept.append(part)
    return kept


def spec_of(calendar: Calendar) -> clock_rules.CalendarSpec:
    windows = defaultdict(list)
    for window in _kept(calendar.windows):
        windows[window.weekday].append((window.opens_at, window.closes_at))
    return clock_rules.CalendarSpec(
        code=calendar.code,
        name=calendar.name,
        timezone=calendar.timezone,
        windows={day: sorted(spans) for day, spans in windows.items()},
        holiday_country=calendar.holiday_country or None,
        holiday_subdivision=calendar.holiday_subdivision or None,
        closures=tuple(
            clock_rules.Closure(
                name=c.name,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                from_time=c.from_time,
                until_time=c.until_time,
            )
            for c in _kept(calendar.closures)
        ),
        worked_holidays=frozenset(w.day for w in _kept(calendar.worked_holidays)),
    )


def _spec_key(spec: clock_rules.CalendarSpec) -> tuple:
    return (
        spec.code,
        spec.timezone,
        tuple(sorted((day, tuple(spans)) for day, spans in spec.windows.items())),
        spec.holiday_country,
        spec.holiday_subdivision,
        tuple(spec.closures),
        spec.worked_holidays,
    )


def business_calendar(calendar: Calendar) -> clock_rules.BusinessCalendar:
    """The engine for a calendar row; engines are kept while their definition is unchanged."""
    spec = spec_of(calendar)
    key = _spec_key(spec)
    engine = _business_calendars.get(key)
    if engine is None:
        try:
            engine = clock_rules.BusinessCalendar(spec)
        except clock_rules.CalendarError as error:
            raise RuleViolation(f"Calendar {calendar.code}: {error}") from error
        if len(_business_calendars) > 64:
            _business_calendars.clear()
        _business_calendars[key] = engine
    return engine


class Clocks:
    """What one flush or recompute needs, loaded once: calendars, targets, pause statuses."""

    def __init__(self, session):
        self.session = session
        self._engines: dict[int, clock_rules.BusinessCalendar] = {}
        self._targets: dict[int, dict[str, rules.Target]] = {}
        with session.no_autoflush:
            self.target_rows = session.scalars(select(SlaTarget).where(SlaTarget.active)).all()
            self.pause_statuses = {
                (p.case_type, p.status) for p in session.scalars(select(PauseStatus))
            }
        self._default_ticket_calendar_id = None

    def engine(self, calendar_id: int) -> clock_rules.BusinessCalendar:
        if calendar_id not in self._engines:
            with self.session.no_autoflush:
                calendar = self.session.get(Calendar, calendar_id)
                self._engines[calendar_id] = business_calendar(calendar)
        return self._engines[calendar_id]

    def targets(self, calendar_id: int) -> dict[str, rules.Target]:
        """The targets for a case on this calendar (a target may name a calendar of its own)."""
        if calendar_id not in self._targets:
            self._targets[calendar_id] = {
                row.key: rules.Target(
                    key=row.key,
                    name=row.name,
                    amount=row.amount,
                    unit=clock_rules.parse_unit(row.unit),
                    calendar=self.engine(row.calendar_id or calendar_id),
                    service_level_percent=(
                        float(row.service_level_percent)
                        if row.service_level_percent is not None
                        else None
                    ),
                )
                for row in self.target_rows
            }
        return self._targets[calendar_id]

    def default_ticket_calendar_id(self) -> int:
        if self._default_ticket_calendar_id is None:
            code = localtime.settings_in_force().desk_calendar
            with self.session.no_autoflush:
                found = self.session.scalar(select(Calendar.id).where(Calendar.code == code))
            if found is None:
                raise RuleViolation(
                    f"The service desk's calendar {code} does not exist: "
                    "an administrator must add it, or give the client a calendar."
                )
            self._default_ticket_calendar_id = found
        return self._default_ticket_calendar_id

    def is_pause(self, case_type: str, status: str | None) -> bool:
        return (case_type, status) in self.pause_statuses

    def calendar_id_of(self, case) -> int:
        kind = kinds.kind_of(case)
        if kind.calendar_parent is not None:
            parent = getattr(case, kind.calendar_parent)
            if parent is None:
                raise RuleViolation(kind.no_calendar)
            return self.calendar_id_of(parent)
        relation, key = kind.calendar_holder
        holder = getattr(case, relation) or (
            self.session.get(kind.holder_model, getattr(case, key)) if getattr(case, key) else None
        )
        if holder is not None and (holder.calendar_id or holder.calendar):
            return holder.calendar_id or holder.calendar.id
        if kind.no_calendar is not None:
            raise RuleViolation(kind.no_calendar)
        return self.default_ticket_calendar_id()


# --- facts ----------------------------------------------------------------------------


def _latest_extension(extensions: Iterable[Extension]) -> rules.ExtensionFacts | None:
    latest = max(
        (e for e in extensions if e.new_due_at is not None),
        key=lambda e: (e.approved_at or utcnow(), e.id or 0),
        default=None,
    )
    if latest is None:
        return None
    return rules.ExtensionFacts(
        new_due_at=latest.new_due_at,
        reason=latest.reason or "",
        approved_by=str(latest.approved_by) if latest.approved_by else "",
        approved_at=latest.approved_at or utcnow(),
    )


def recorded_pauses(session, case_type: str, case_id: int | None) -> list[tuple]:
    if case_id is None:
        return []
    with session.no_autoflush:
        rows = session.execute(
            select(ClockPause.started_at, ClockPause.ended_at)
            .where(ClockPause.case_type == case_type, ClockPause.case_id == case_id)
            .where(ClockPause.ended_at.is_not(None))
            .order_by(ClockPause.started_at)
        ).all()
    return [(start, end) for start, end in rows]


def deadlines_of(
    case, clocks: Clocks, pauses=None, *, keep_met=True, explain=False
) -> list[rules.Deadline]:
    """The deadlines of a case as it stands in the session: what a save stores, and (with
    `explain`) what the case's page explains, from the same computation.

    keep_met: met deadlines keep their recorded due instant (False when what they were
    timed from has changed).
    """
    case_type = kinds.kind_of(case).name
    if pauses is None:
        pauses = recorded_pauses(clocks.session, case_type, case.id)
    extension = _latest_extension(case.extensions) if kinds.by_name(case_type).extended else None
    targets = clocks.targets(clocks.calendar_id_of(case))
    recorded = recorded_dues(case, case_type) if keep_met else rules.NOTHING_RECORDED
    return compute_deadlines(case_type, case, pauses, extension, targets, recorded, explain)


# The due instants each case type's clocks set.
DUE_FIELDS = {kind.name: kind.due_fields for kind in kinds.KINDS}


def recorded_dues(case, case_type) -> dict:
    return {name: getattr(case, name) for name in kinds.by_name(case_type).due_fields}


def compute_deadlines(
    case_type, case, pauses, extension, targets, recorded=rules.NOTHING_RECORDED, explain=False
) -> list[rules.Deadline]:
    """Deadlines from anything with the case's attributes: a model object or a result row."""
    if case_type == "complaint":
        facts = rules.ComplaintFacts(
            kind=case.kind or "complaint",
            classification=case.classification or None,
            status=case.status or "received",
            received_at=case.received_at,
            registered_at=case.registered_at,
            acknowledged_at=case.acknowledged_at,
            finalised_at=case.finalised_at,
            closed_at=case.closed_at,
            human_rights=bool(case.human_rights),
            extension=extension,
            pauses=tuple(pauses),
        )
        return rules.complaint_deadlines(facts, targets, recorded, explain)
    if case_type == "ticket":
        facts = rules.TicketFacts(
            severity=case.severity,
            status=case.status or "new",
            reported_at=case.reported_at,
            first_response_at=case.first_response_at,
            resolved_at=case.resolved_at,
            pauses=tuple(pauses),
        )
        return rules.ticket_deadlines(facts, targets, recorded, explain)
    facts = rules.ReviewFacts(
        status=case.status or "requested",
        requested_at=case.requested_at,
        completed_at=case.completed_at,
        pauses=tuple(pauses),
    )
    return rules.review_deadlines(facts, targets, recorded, explain)


# --- on save --------------------------------------------------------------------------


def before_flush(session):
    touched = [o for o in list(session.new) + list(session.dirty) if kinds.find_kind(o)]
    # A new or changed extension moves its complaint's resolution due instant.
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Extension) and obj.complaint is not None:
            if obj.complaint not in touched:
                touched.append(obj.complaint)
    changed_calendars, changed_keys = _configuration_changes(session)
    if not touched and not changed_calendars and not changed_keys:
        return
    clocks = Clocks(session)
    with session.no_autoflush:
        for calendar_id in changed_calendars:
            calendar = session.get(Calendar, calendar_id)
            if calendar is not None and calendar not in session.deleted:
                _validate_calendar(calendar)
        now = utcnow()
        for case in touched:
            if case in session.deleted:
                continue
            _refresh(session, case, clocks, now)
    if changed_calendars or changed_keys:
        pending = session.info.setdefault("recompute", [set(), set()])
        pending[0].update(changed_calendars)
        pending[1].update(changed_keys)


def _validate_calendar(calendar: Calendar) -> None:
    problems = clock_rules.validate_spec(spec_of(calendar))
    if problems:
        raise RuleViolation(f"Calendar {calendar.code} was not saved: " + " ".join(problems))


def _configuration_changes(session) -> tuple[set[int], set[str]]:
    calendars, keys = set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Calendar):
            if obj.id is not None:
                calendars.add(obj.id)
        elif isinstance(obj, CALENDAR_PARTS):
            calendar_id = obj.calendar_id or (obj.calendar.id if obj.calendar else None)
            if calendar_id is None:
                old = inspect(obj).attrs.calendar_id.history.deleted
                calendar_id = old[0] if old else None
            if calendar_id is not None:
                calendars.add(calendar_id)
                # A change to its hours or days off is a change to the calendar: bump its
                # version so that an edit opened before it is refused, not saved over it.
                calendar = obj.calendar or session.get(Calendar, calendar_id)
                if calendar is not None and calendar not in session.deleted:
                    flag_modified(calendar, "name")
        elif isinstance(obj, SlaTarget):
            keys.add(obj.key)
            old = inspect(obj).attrs.key.history.deleted
            keys.update(k for k in old if k)
    return calendars, keys


def _inputs_changed(case, case_type) -> bool:
    state = inspect(case)
    return any(
        state.attrs[name].history.has_changes() for name in kinds.by_name(case_type).clock_inputs
    )


def _refresh(session, case, clocks: Clocks, now: datetime) -> None:
    kind = kinds.kind_of(case)
    case_type = kind.name
    is_new = case.id is None
    calendar_id = clocks.calendar_id_of(case)
    engine = clocks.engine(calendar_id)
    if kind.reference_variant is not None and not case.reference:
        opened_at = getattr(case, kind.opened_field)
        if opened_at is None:
            raise RuleViolation(kind.opened_missing)
        case.reference = references.allocate(
            session,
            references.PREFIXES[kind.reference_variant(case)],
            opened_at.astimezone(engine.tz).year,
        )

    pauses = recorded_pauses(session, case_type, case.id)
    status_history = inspect(case).attrs.status.history
    old_status = status_history.deleted[0] if status_history.deleted else None
    paused_now = clocks.is_pause(case_type, case.status)
    resumed = None
    if paused_now and case.paused_since is None:
        case.paused_since = now
        if not is_new:
            history.note(
                session, case, "clock", "Clock paused: waiting on the complainant or client."
            )
    elif not paused_now and case.paused_since is not None:
        span = (case.paused_since, max(now, case.paused_since))
        if not is_new:
            session.add(
                ClockPause(
                    case_type=case_type,
                    case_id=case.id,
                    status=old_status or case.status,
                    started_at=span[0],
                    ended_at=span[1],
                )
            )
        pauses.append(span)
        case.paused_since = None
        resumed = None if is_new else span

    restart = is_new or _inputs_changed(case, case_type)
    deadlines = deadlines_of(case, clocks, pauses, keep_met=not restart)
    moves = []
    for deadline in deadlines:
        before = getattr(case, deadline.field)
        if before != deadline.due:
            setattr(case, deadline.field, deadline.due)
            moves.append((deadline, before))
    if resumed is not None:
        history.note(session, case, "clock", _resumed_note(engine, resumed, deadlines, moves))
    closed = kind.is_closed(case.status)
    if hasattr(case, "next_due_at"):
        case.next_due_at = rules.next_due(
            deadlines, paused=case.paused_since is not None, closed=closed
        )


def _resumed_note(engine, span, deadlines, moves) -> str:
    """What resuming did to the due instants, as the case's explanation shows it: each due
    that moved, from what to what, or why none did."""
    waited = f"Clock resumed after {_duration_words(engine.business_time_between(*span))}"
    waited += " of business time waiting"
    local = partial(clock_rules.local_text, zone=engine.tz)
    if moves:
        moved = "; ".join(
            f"{history.label(deadline.field)} moved from {local(before)} to {local(deadline.due)}"
            if before is not None
            else f"{history.label(deadline.field)} {local(deadline.due)}"
            for deadline, before in moves
            if deadline.due is not None
        )
        if moved:
            return f"{waited}: {moved}."
    passed = [
        d
        for d in deadlines
        if d.pauses and d.due is not None and d.done_at is None and d.obligation
        if d.due < span[0]
    ]
    if passed:
        names = " and ".join(f"{history.label(d.field).lower()} ({local(d.due)})" for d in passed)
        had = "had" if len(passed) == 1 else "had each"
        return (
            f"{waited}: no due instant moved, since the {names} {had} already passed "
            "when the clock paused."
        )
    return f"{waited}: no due instant moved."


def _duration_words(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


# --- recomputed when configuration changes --------------------------------------------


def after_flush(session):
    pending = session.info.pop("recompute", None)
    if pending:
        calendars, keys = pending
        recompute(session, calendars, keys)


def recompute(session, calendar_ids: Iterable[int] = (), sla_keys: Iterable[str] = ()) -> int:
    """Recompute the open cases that depend on these calendars or SLA targets.

    Returns how many cases had a due instant changed. Each gets a history entry.
    Met deadlines and closed cases keep their recorded outcome.
    """
    calendar_ids, sla_keys = set(calendar_ids), set(sla_keys)
    changed = 0
    with session.no_autoflush:
        clocks = Clocks(session)
        reason = _reason(session, calendar_ids, sla_keys)
        for kind in kinds.KINDS:
            condition = _affected(kind.model, clocks, calendar_ids, sla_keys)
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


def _affected(model, clocks, calendar_ids, sla_keys):
    """Which open cases of this model depend on these calendars or SLA targets: a condition
    on `_case_query(model)`, or None when none can."""
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
        condition = Participant.calendar_id.in_(calendar_ids)
        if clocks.default_ticket_calendar_id() in calendar_ids:
            condition = condition | Participant.calendar_id.is_(None)
        return still_open & condition
    return still_open & Division.calendar_id.in_(calendar_ids)


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


def _latest_extensions(session, first_id, last_id) -> dict[int, rules.ExtensionFacts]:
    """The latest extension of each complaint whose id is in this range."""
    latest = {}
    rows = session.execute(
        select(Extension, Participant)
        .join(Participant, Participant.id == Extension.approved_by_id)
        .where(Extension.complaint_id.between(first_id, last_id))
        .order_by(Extension.approved_at, Extension.id)
    ).all()
    for extension, approver in rows:
        latest[extension.complaint_id] = rules.ExtensionFacts(
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
            values, next_due = rules.dues(
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


# --- what a change re-timed, and a change tried without saving -------------------------

RETIMED = "retimed"
# How many re-timed cases a preview lists, each with its old and new due instants.
SAMPLE_SIZE = 20
DUE_LABELS = {
    "registration_due_at": "Registration",
    "acknowledgement_due_at": "Acknowledgement",
    "resolution_due_at": "Resolution",
    "review_request_due_at": "Review request",
    "human_rights_commissioner_from": "Human Rights Commissioner from",
    "first_response_due_at": "First response",
    "due_at": "Review",
    "next_due_at": "Next due",
}


class Retimed:
    """The open cases the recomputes of one session moved, since `start` (or the last
    report): all counted, the first `SAMPLE_SIZE` with their due instants before and after."""

    def __init__(self):
        self.cases: set[tuple[str, int]] = set()
        self.samples: dict[tuple[str, int], dict] = {}

    @classmethod
    def start(cls, session) -> "Retimed":
        """Count afresh what the saves about to be made move (until `stop`)."""
        session.info[RETIMED] = found = cls()
        return found

    @staticmethod
    def stop(session) -> None:
        session.info.pop(RETIMED, None)

    @property
    def count(self) -> int:
        return len(self.cases)

    def note(self, case_type: str, case_id: int, calendar_id: int, changes: dict) -> None:
        key = (case_type, case_id)
        self.cases.add(key)
        sample = self.samples.get(key)
        if sample is None:
            if len(self.samples) >= SAMPLE_SIZE:
                return
            self.samples[key] = {"calendar_id": calendar_id, "changes": dict(changes)}
            return
        # Moved again by a later flush: first old value, last new one.
        for name, (old, new) in changes.items():
            first = sample["changes"].get(name, (old, new))[0]
            sample["changes"][name] = (first, new)

    def rows(self, session) -> list[dict]:
        """The sampled cases as a person reads them: reference, and each due instant that
        moved, old and new, in the case's own calendar's local time."""
        references = _references(session, self.samples)
        rows = []
        for (case_type, case_id), sample in sorted(self.samples.items()):
            with session.no_autoflush:
                calendar = session.get(Calendar, sample["calendar_id"])
            tz = business_calendar(calendar).tz
            moves = [
                {
                    "label": DUE_LABELS.get(name, name),
                    "old": _local(old, tz) or "none",
                    "new": _local(new, tz) or "none",
                }
                for name, (old, new) in sample["changes"].items()
                if old != new and name != "next_due_at"
            ]
            rows.append(
                {
                    "reference": references.get((case_type, case_id), f"#{case_id}"),
                    "timezone": tz.key,
                    "moves": moves,
                }
            )
        return rows


class _NotCounting:
    def note(self, *args) -> None:
        pass


_NOT_COUNTING = _NotCounting()


def _references(session, samples) -> dict[tuple[str, int], str]:
    found = {}
    ids = defaultdict(list)
    for case_type, case_id in samples:
        ids[case_type].append(case_id)
    with session.no_autoflush:
        for kind in kinds.KINDS:
            model, case_type = kind.model, kind.name
            if kind.reference_variant is not None and ids[case_type]:
                for case_id, reference in session.execute(
                    select(model.id, model.reference).where(model.id.in_(ids[case_type]))
                ):
                    found[(case_type, case_id)] = reference
        if ids["internal_review"]:
            for case_id, reference in session.execute(
                select(InternalReview.id, Complaint.reference)
                .join(Complaint, Complaint.id == InternalReview.complaint_id)
                .where(InternalReview.id.in_(ids["internal_review"]))
            ):
                found[("internal_review", case_id)] = f"Internal review of {reference}"
    return found


class Preview(namedtuple("Preview", "count rows")):
    """What a change would re-time: how many open cases, and the first few in detail."""


def dry_run(session, change) -> Preview:
    """Make the change (`change()`), flush it so that the same hooks re-time open cases
    as its save would, read what they moved, and roll the whole session back.

    Nothing is saved. A refusal of the change (RuleViolation, a database error) comes
    out of it, after the rollback.
    """
    retimed = Retimed.start(session)
    try:
        change()
        session.flush()
        return Preview(retimed.count, retimed.rows(session))
    finally:
        session.rollback()
        Retimed.stop(session)


def retimed_words(count: int) -> str:
    """ "3 open cases re-timed", for what a save reports."""
    if count == 0:
        return "No open case's due dates moved."
    return f"{count} open case{'s' if count != 1 else ''} re-timed."


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


# --- shown to people ------------------------------------------------------------------


def due_dates(case, now: datetime | None = None) -> list[dict]:
    """Per due instant of a saved case: its deadline, the instant stored, its state and
    why it is that instant (`rules.deadlines.explain`), in the calendar's local time.

    The deadlines are the ones a save stores (`deadlines_of`), explained by the same
    computation; a stored due that today's rules would not give says why it stands.
    Every door that shows due instants (the case's page, the API) reads them here.
    """
    from sqlalchemy.orm import object_session

    session = object_session(case)
    if session is None or case.id is None:
        return []
    now = now or utcnow()
    clocks = Clocks(session)
    case_type = kinds.kind_of(case).name
    pauses = recorded_pauses(session, case_type, case.id)
    engine = clocks.engine(clocks.calendar_id_of(case))
    closed = kinds.by_name(case_type).is_closed(case.status)
    rows = []
    for deadline in deadlines_of(case, clocks, pauses, explain=True):
        stored = getattr(case, deadline.field)
        lines = rules.explain(
            deadline, stored, engine.tz, closed=closed, paused_since=case.paused_since
        )
        shown = replace(deadline, due=stored)
        state = rules.deadline_state(shown, now, paused_since=case.paused_since, closed=closed)
        rows.append({"deadline": shown, "due": stored, "state": state, "lines": lines})
    return rows


def explain_case(case, now: datetime | None = None) -> list[dict]:
    """Per due instant: target, state and the explanation, in the calendar's local time."""
    rows = due_dates(case, now)
    if not rows:
        return []
    from sqlalchemy.orm import object_session

    clocks = Clocks(object_session(case))
    tz = clocks.engine(clocks.calendar_id_of(case)).tz
    shown = [
        {
            "label": row["deadline"].label,
            "target": row["deadline"].target.describe() if row["deadline"].target else "",
            "due": _local(row["due"], tz),
            "due_zone": _abbreviation(row["due"], tz),
            "done": _local(row["deadline"].done_at, tz),
            "done_zone": _abbreviation(row["deadline"].done_at, tz),
            "state": row["state"],
            "lines": row["lines"],
        }
        for row in rows
    ]
    if case.paused_since is not None:
        shown.append(
            {
                "label": "Clock paused",
                "target": "",
                "due": "",
                "due_zone": "",
                "done": "",
                "done_zone": "",
                "state": "paused",
                "lines": [
                    f"Waiting since {_local(case.paused_since, tz)}: when work resumes, the "
                    "open due instants still ahead then move later by the time spent "
                    "waiting; one already passed stays overdue."
                ],
            }
        )
    return shown


def holiday_preview(calendar: Calendar, year=None) -> dict:
    """A calendar's days off in a year (this year by default), each with its source."""
    if year in (None, ""):
        year = utcnow().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not 1900 <= year <= 2200:
        return {"year": year, "entries": [], "problem": "Choose a year between 1900 and 2200."}
    try:
        engine = business_calendar(calendar)
    except RuleViolation as error:
        return {"year": year, "entries": [], "problem": str(error)}
    return {"year": year, "entries": engine.holidays(year), "problem": None}


def _local(instant: datetime | None, tz) -> str:
    return instant.astimezone(tz).strftime("%d/%m/%Y %H:%M") if instant else ""


def _abbreviation(instant: datetime | None, tz) -> str:
    """The zone's abbreviation at the instant ("AEDT"), for the text `_local` gives."""
    return localtime.abbreviation(instant, tz.key) if instant else ""
