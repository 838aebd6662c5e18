"""Due instants on save, through every door.

A flush of the session runs `before_flush`: cases being saved get their reference number,
their clock pauses and their due instants; a changed calendar is checked, and the open
cases that depend on a changed calendar or SLA target are left for `after_flush` to
recompute (services/clocks/bulk_recompute.py).
"""

from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import flag_modified

from models import (
    Calendar,
    ClockPause,
    Closure,
    Extension,
    SlaTarget,
    WorkedHoliday,
    changes_of,
    kinds,
    utcnow,
)
from rules import clock
from rules import deadlines as rules  # `deadlines` here: the case's own deadlines
from rules.errors import RuleViolation

from .. import history, references
from .engines import (
    CALENDAR_PARTS,
    Clocks,
    bump_configuration,
    configuration_pending,
    deadlines_of,
    forget_configuration,
    recorded_pauses,
    spec_of,
)


def before_flush(session):
    touched = [o for o in list(session.new) + list(session.dirty) if kinds.find_kind(o)]
    # A new or changed extension moves its complaint's resolution due instant.
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Extension) and obj.complaint is not None:
            if obj.complaint not in touched:
                touched.append(obj.complaint)
    changed_calendars, changed_keys = _configuration_changes(session)
    if configuration_pending(session):
        forget_configuration(session)
        bump_configuration(session)
    if not touched and not changed_calendars and not changed_keys:
        return
    clocks = Clocks.of(session)
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
        pending = session.info.setdefault("recompute", [{}, set()])
        for calendar_id, since in changed_calendars.items():
            pending[0][calendar_id] = _earlier(pending[0].get(calendar_id, since), since)
        pending[1].update(changed_keys)


def _validate_calendar(calendar: Calendar) -> None:
    problems = clock.validate_spec(spec_of(calendar))
    if problems:
        raise RuleViolation(f"Calendar {calendar.code} was not saved: " + " ".join(problems))


def _configuration_changes(session) -> tuple[dict[int, date | None], set[str]]:
    """The calendars changed, each with the first day the change touches (None: any day,
    as a change to its hours, holidays or zone does), and the SLA target keys changed."""
    calendars: dict[int, date | None] = {}
    keys: set[str] = set()

    def touched(calendar_id, since):
        calendars[calendar_id] = _earlier(calendars.get(calendar_id, since), since)

    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Calendar):
            if obj.id is not None and any(
                changes_of(obj, name).has_changes() for name in _CALENDAR_RULES
            ):
                touched(obj.id, None)
        elif isinstance(obj, CALENDAR_PARTS):
            calendar_id = obj.calendar_id or (obj.calendar.id if obj.calendar else None)
            if calendar_id is None:
                old = changes_of(obj, "calendar_id").deleted
                calendar_id = old[0] if old else None
            if calendar_id is not None:
                touched(calendar_id, _first_day_touched(obj))
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


# What a calendar row holds that moves due instants on any day (its name moves none).
_CALENDAR_RULES = ("timezone", "holiday_country", "holiday_subdivision")
# The days a closure or a worked holiday covers, as its columns give them.
_DAYS_OF = {Closure: ("starts_on", "ends_on"), WorkedHoliday: ("day", "day")}


def _first_day_touched(part) -> date | None:
    """The first day a closure or worked holiday, as it is and as it was, covers: due
    instants before that day cannot move (the count that reached them never met it).
    None for opening hours, which every day has, or a part moved to another calendar."""
    names = _DAYS_OF.get(type(part))
    if names is None or changes_of(part, "calendar_id").deleted:
        return None
    days = []
    for name in names:
        history = changes_of(part, name)
        days += [d for d in (*history.added, *history.unchanged, *history.deleted) if d]
    return min(days, default=None)


def _earlier(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else min(a, b)


def _inputs_changed(case, case_type) -> bool:
    return any(
        changes_of(case, name).has_changes() for name in kinds.by_name(case_type).clock_inputs
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
    status_history = changes_of(case, "status")
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
    local = partial(clock.local_text, zone=engine.tz)
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
