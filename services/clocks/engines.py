"""The clock engine of each calendar, the SLA targets, and the deadlines of a case.

`Clocks` loads once what a save or a recompute needs (calendars, targets, the statuses
that pause a clock); `deadlines_of` and `compute_deadlines` work out a case's due instants
from its facts, with the same rules whichever door the case came through.
"""

import secrets
from collections import defaultdict, namedtuple
from collections.abc import Iterable

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import scoped_session

from models import (
    Calendar,
    ClockPause,
    Closure,
    ConfigurationStamp,
    Extension,
    MailTemplate,
    OpeningWindow,
    PauseStatus,
    SlaTarget,
    WorkedHoliday,
    kinds,
    utcnow,
)
from rules import clock, deadlines
from rules.errors import RuleViolation

from .. import case_contents, localtime

# Each case model's case type (models/kinds.py holds what each kind of case is made of).
CASE_TYPES = {kind.model: kind.name for kind in kinds.KINDS}
CALENDAR_PARTS = (OpeningWindow, Closure, WorkedHoliday)

_business_calendars: dict[tuple, clock.BusinessCalendar] = {}


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


def spec_of(calendar: Calendar) -> clock.CalendarSpec:
    windows = defaultdict(list)
    for window in _kept(calendar.windows):
        windows[window.weekday].append((window.opens_at, window.closes_at))
    return clock.CalendarSpec(
        code=calendar.code,
        name=calendar.name,
        timezone=calendar.timezone,
        windows={day: sorted(spans) for day, spans in windows.items()},
        holiday_country=calendar.holiday_country or None,
        holiday_subdivision=calendar.holiday_subdivision or None,
        closures=tuple(
            clock.Closure(
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


def _spec_key(spec: clock.CalendarSpec) -> tuple:
    return (
        spec.code,
        spec.timezone,
        tuple(sorted((day, tuple(spans)) for day, spans in spec.windows.items())),
        spec.holiday_country,
        spec.holiday_subdivision,
        tuple(spec.closures),
        spec.worked_holidays,
    )


def business_calendar(calendar: Calendar) -> clock.BusinessCalendar:
    """The engine for a calendar row; engines are kept while their definition is unchanged."""
    spec = spec_of(calendar)
    key = _spec_key(spec)
    engine = _business_calendars.get(key)
    if engine is None:
        try:
            engine = clock.BusinessCalendar(spec)
        except clock.CalendarError as error:
            raise RuleViolation(f"Calendar {calendar.code}: {error}") from error
        if len(_business_calendars) > 64:
            _business_calendars.clear()
        _business_calendars[key] = engine
    return engine


# What Clocks loads: a change to any of these (flushed, or rolled back) forgets the
# transaction's Clocks (see `Clocks.of`). The letter templates administrators edit are kept
# with the rest of the configuration, under its stamp.
CONFIGURATION = (Calendar, *CALENDAR_PARTS, SlaTarget, PauseStatus, MailTemplate)
_SESSION_KEY = "clocks"


def forget_configuration(session) -> None:
    """Forget the session's Clocks: the configuration it was loaded from is changing."""
    session.info.pop(_SESSION_KEY, None)


def configuration_pending(session) -> bool:
    """Whether the session holds an unflushed change to what Clocks loads."""
    return any(
        isinstance(obj, CONFIGURATION) for obj in (*session.new, *session.dirty, *session.deleted)
    )


# An active SLA target as Clocks uses it: plain values, shared between sessions.
TargetRow = namedtuple("TargetRow", "key name amount unit calendar_id service_level_percent")
_BUMPED = "configuration_bumped"


def bump_configuration(session) -> None:
    """Give the configuration a new stamp: the flush saving a change to it calls this, so
    that every process loads it again once the change is committed (a rollback undoes the
    new stamp with the change)."""
    table = ConfigurationStamp.__table__
    stamp = secrets.token_hex(16)
    connection = session.connection()
    if not connection.execute(update(table).values(stamp=stamp)).rowcount:
        connection.execute(insert(table).values(id=1, stamp=stamp))
    session.info[_BUMPED] = session.get_transaction()


class _Loaded:
    """The configuration as one stamp saw it: targets and pause statuses read at once, each
    calendar's engine when first needed."""

    def __init__(self, session):
        with session.no_autoflush:
            self.target_rows = tuple(
                TargetRow(r.key, r.name, r.amount, r.unit, r.calendar_id, r.service_level_percent)
                for r in session.scalars(select(SlaTarget).where(SlaTarget.active))
            )
            self.pause_statuses = frozenset(
                (p.case_type, p.status) for p in session.scalars(select(PauseStatus))
            )
        self.engines: dict[int, clock.BusinessCalendar] = {}
        self.targets: dict[int, dict[str, deadlines.Target]] = {}
        self.calendar_ids: list[int] | None = None
        self.calendar_by_code: dict[str, int | None] = {}
        self.zones = None  # services.localtime.CalendarZones, when first needed
        self.templates: dict[str, tuple[str, str]] | None = None  # key -> (subject, body)


# What this process loaded, by stamp (the latest few): a page needs one statement, reading
# the stamp, instead of a dozen reading the calendars, their parts, targets and statuses.
_loaded: dict[str, _Loaded] = {}


def forget_loaded() -> None:
    """Forget what every stamp loaded (the tests, between one database and the next)."""
    _loaded.clear()


_STAMP_READ = "configuration_stamp_read"


def stamp_column():
    """The configuration stamp as a column: a request reads it with the signed-in account
    (views/auth.py) and `remember_stamp` keeps it for the transaction."""
    return select(ConfigurationStamp.stamp).where(ConfigurationStamp.id == 1).scalar_subquery()


def remember_stamp(session, stamp) -> None:
    """The stamp as this transaction read it (with the account, at its start)."""
    if isinstance(session, scoped_session):
        session = session()
    session.info[_STAMP_READ] = (session.get_transaction(), stamp)


def _configuration(session) -> _Loaded:
    bumped = session.info.get(_BUMPED)
    if bumped is not None and bumped is session.get_transaction():
        # Changed and not yet committed in this transaction: its own view, kept by nobody.
        return _Loaded(session)
    read = session.info.get(_STAMP_READ)
    if read is not None and read[0] is session.get_transaction():
        stamp = read[1]
    else:
        with session.no_autoflush:
            stamp = session.scalar(select(stamp_column()))
    if stamp is None:
        return _Loaded(session)
    loaded = _loaded.get(stamp)
    if loaded is None:
        loaded = _Loaded(session)
        if len(_loaded) >= 8:
            _loaded.clear()
        _loaded[stamp] = loaded
    return loaded


class Clocks:
    """What one flush or recompute needs: calendars, targets, pause statuses, loaded once
    per configuration stamp and process (see `_configuration`)."""

    @classmethod
    def of(cls, session) -> "Clocks":
        """The Clocks of the session's transaction, shared by the flushes, letters and
        promises of that transaction (an email received and filed takes three of them). A
        pending, flushed or rolled-back change to the configuration forgets it (the flush
        hooks call `forget_configuration` and `bump_configuration`); a configuration changed
        by plain SQL, not through the ORM, is not seen until its next change through the
        ORM or a restart (README, "A large register")."""
        if isinstance(session, scoped_session):
            session = session()
        if configuration_pending(session):
            forget_configuration(session)
            return cls(session)
        cached = session.info.get(_SESSION_KEY)
        if cached is not None and cached[0] is session.get_transaction():
            return cached[1]
        clocks = cls(session)
        session.info[_SESSION_KEY] = (session.get_transaction(), clocks)
        return clocks

    def __init__(self, session):
        if isinstance(session, scoped_session):
            session = session()
        self.session = session
        self._loaded = (
            _Loaded(session) if configuration_pending(session) else _configuration(session)
        )
        self.loaded = self._loaded
        self.target_rows = self._loaded.target_rows
        self.pause_statuses = self._loaded.pause_statuses

    def template(self, key: str) -> tuple[str, str] | None:
        """(subject, body) of the letter template administrators saved under `key`, None
        when they saved none; every template is read at once, on first use."""
        if self._loaded.templates is None:
            with self.session.no_autoflush:
                rows = self.session.execute(
                    select(MailTemplate.key, MailTemplate.subject, MailTemplate.body)
                )
                self._loaded.templates = {row.key: (row.subject, row.body) for row in rows}
        return self._loaded.templates.get(key)

    def calendar_ids(self) -> list[int]:
        """Every calendar's id (the home page's "due within" counts weigh each)."""
        if self._loaded.calendar_ids is None:
            with self.session.no_autoflush:
                self._loaded.calendar_ids = list(self.session.scalars(select(Calendar.id)))
        return self._loaded.calendar_ids

    def engine(self, calendar_id: int) -> clock.BusinessCalendar:
        engines = self._loaded.engines
        if calendar_id not in engines:
            with self.session.no_autoflush:
                calendar = self.session.get(Calendar, calendar_id)
                engines[calendar_id] = business_calendar(calendar)
        return engines[calendar_id]

    def targets(self, calendar_id: int) -> dict[str, deadlines.Target]:
        """The targets for a case on this calendar (a target may name a calendar of its own)."""
        known = self._loaded.targets
        if calendar_id not in known:
            known[calendar_id] = {
                row.key: deadlines.Target(
                    key=row.key,
                    name=row.name,
                    amount=row.amount,
                    unit=clock.parse_unit(row.unit),
                    calendar=self.engine(row.calendar_id or calendar_id),
                    service_level_percent=(
                        float(row.service_level_percent)
                        if row.service_level_percent is not None
                        else None
                    ),
                )
                for row in self.target_rows
            }
        return known[calendar_id]

    def default_ticket_calendar_id(self) -> int:
        code = localtime.settings_in_force().desk_calendar
        by_code = self._loaded.calendar_by_code
        if by_code.get(code) is None:
            with self.session.no_autoflush:
                by_code[code] = self.session.scalar(
                    select(Calendar.id).where(Calendar.code == code)
                )
            if by_code[code] is None:
                raise RuleViolation(
                    f"The service desk's calendar {code} does not exist: "
                    "an administrator must add it, or give the client a calendar."
                )
        return by_code[code]

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


def _latest_extension(extensions: Iterable[Extension]) -> deadlines.ExtensionFacts | None:
    latest = max(
        (e for e in extensions if e.new_due_at is not None),
        key=lambda e: (e.approved_at or utcnow(), e.id or 0),
        default=None,
    )
    if latest is None:
        return None
    return deadlines.ExtensionFacts(
        new_due_at=latest.new_due_at,
        reason=latest.reason or "",
        approved_by=str(latest.approved_by) if latest.approved_by else "",
        approved_at=latest.approved_at or utcnow(),
    )


def recorded_pauses(session, case_type: str, case_id: int | None) -> list[tuple]:
    if case_id is None or case_contents.known_empty(case_type, case_id, "ended_clock_pause"):
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
) -> list[deadlines.Deadline]:
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
    recorded = recorded_dues(case, case_type) if keep_met else deadlines.NOTHING_RECORDED
    return compute_deadlines(case_type, case, pauses, extension, targets, recorded, explain)


# The due instants each case type's clocks set.
DUE_FIELDS = {kind.name: kind.due_fields for kind in kinds.KINDS}


def recorded_dues(case, case_type) -> dict:
    return {name: getattr(case, name) for name in kinds.by_name(case_type).due_fields}


def compute_deadlines(
    case_type, case, pauses, extension, targets, recorded=deadlines.NOTHING_RECORDED, explain=False
) -> list[deadlines.Deadline]:
    """Deadlines from anything with the case's attributes: a model object or a result row."""
    if case_type == "complaint":
        facts = deadlines.ComplaintFacts(
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
        return deadlines.complaint_deadlines(facts, targets, recorded, explain)
    if case_type == "ticket":
        facts = deadlines.TicketFacts(
            severity=case.severity,
            status=case.status or "new",
            reported_at=case.reported_at,
            first_response_at=case.first_response_at,
            resolved_at=case.resolved_at,
            pauses=tuple(pauses),
        )
        return deadlines.ticket_deadlines(facts, targets, recorded, explain)
    facts = deadlines.ReviewFacts(
        status=case.status or "requested",
        requested_at=case.requested_at,
        completed_at=case.completed_at,
        pauses=tuple(pauses),
    )
    return deadlines.review_deadlines(facts, targets, recorded, explain)
