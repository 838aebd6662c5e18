"""Complaint timeliness: acknowledged on time, finalised within timeframe, business days
to finalise and extensions, per classification, division, category or channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from models import (
    Calendar,
    Category,
    Channel,
    Complaint,
    Division,
    Extension,
)
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import (
    CLASSIFICATIONS,
)

from ..clocks import business_calendar
from .toolkit import (
    NOT_RECORDED,
    Scope,
    TableData,
    Zone,
    business_days_sql,
    count_if,
    percentage,
    percentile,
    within,
)

# What the timeliness report can be grouped by.
DIMENSIONS = {
    "classification": "Classification",
    "division": "Division",
    "category": "Category",
    "channel": "Channel",
}


@dataclass(frozen=True, slots=True)
class TimelinessRow:
    """Timeliness of one group (a division, a category...) or of all, in one period.

    received: complaints received in the period. acknowledged: complaints acknowledged in
    it; acknowledged_timed of them had an acknowledgement due instant, and
    acknowledged_on_time were acknowledged by it. finalised: complaints finalised (the
    response given) in the period; finalised_timed had a resolution due instant (with
    any extension), finalised_in_time met it; extended had an extension approved.
    Median and 90th percentile business days from receipt to finalisation, on the
    division's calendar, over the complaints finalised in the period.
    """

    key: object
    label: str
    received: int = 0
    acknowledged: int = 0
    acknowledged_timed: int = 0
    acknowledged_on_time: int = 0
    finalised: int = 0
    finalised_timed: int = 0
    finalised_in_time: int = 0
    extended: int = 0
    median_business_days: float | None = None
    p90_business_days: float | None = None

    @property
    def acknowledged_on_time_percent(self) -> float | None:
        return percentage(self.acknowledged_on_time, self.acknowledged_timed)

    @property
    def finalised_in_time_percent(self) -> float | None:
        return percentage(self.finalised_in_time, self.finalised_timed)


@dataclass(frozen=True, slots=True)
class TimelinessReport:
    period: Period
    by: str
    rows: tuple[TimelinessRow, ...]
    total: TimelinessRow

    def row(self, label: str) -> TimelinessRow:
        return next(r for r in self.rows if r.label == label)

    def as_table(self) -> TableData:
        return TableData(
            (
                DIMENSIONS[self.by],
                "Received",
                "Acknowledged",
                "Acknowledged on time %",
                "Finalised",
                "Finalised within timeframe %",
                "Median business days to finalise",
                "90th percentile business days to finalise",
                "Extended",
            ),
            tuple(
                (
                    r.label,
                    r.received,
                    r.acknowledged,
                    r.acknowledged_on_time_percent,
                    r.finalised,
                    r.finalised_in_time_percent,
                    r.median_business_days,
                    r.p90_business_days,
                    r.extended,
                )
                for r in (*self.rows, self.total)
            ),
        )


def _dimension(by: str):
    """The group key, and the lookup table its labels are read from (None: a code)."""
    if by == "classification":
        return Complaint.classification, None
    lookups = {
        "division": (Complaint.division_id, Division),
        "category": (Complaint.category_id, Category),
        "channel": (Complaint.channel_id, Channel),
    }
    if by not in lookups:
        raise ValueError(
            f"Timeliness cannot be grouped by {by!r}: choose one of {', '.join(DIMENSIONS)}."
        )
    return lookups[by]


def complaint_timeliness(
    session,
    period: Period,
    by: str = "division",
    *,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> TimelinessReport:
    """Acknowledged on time %, finalised within timeframe %, median and 90th percentile
    business days to finalise, and extensions, per classification, division, category or
    channel (`by`), with a total row, for one period (a quarter, usually).

    Each measure counts the complaints that completed its step in the period (see
    TimelinessRow). Business days to finalise are BusinessCalendar.business_days_between
    on the division's calendar, time spent waiting on the complainant included, counted
    by the database for the complaints finalised in the period (business_days_sql) and
    grouped by their number: nothing new is stored, and a few hundred rows come back
    however many complaints the period holds. Percentiles interpolate linearly between
    the two nearest values, as PostgreSQL's percentile_cont does, the same way on every
    database.
    """
    key, lookup = _dimension(by)
    bounds = period.utc_bounds(tz)
    received = within(Complaint.received_at, bounds)
    acknowledged = within(Complaint.acknowledged_at, bounds)
    finalised = within(Complaint.finalised_at, bounds)
    extended = select(Extension.id).where(Extension.complaint_id == Complaint.id).exists()
    measures = (
        received,
        acknowledged,
        and_(acknowledged, Complaint.acknowledgement_due_at.is_not(None)),
        and_(acknowledged, Complaint.acknowledged_at <= Complaint.acknowledgement_due_at),
        finalised,
        and_(finalised, Complaint.resolution_due_at.is_not(None)),
        and_(finalised, Complaint.finalised_at <= Complaint.resolution_due_at),
        and_(finalised, extended),
    )
    complaints = [Complaint.kind == "complaint"] + ([scope] if scope is not None else [])
    counted = select(
        *[count_if(m) for m in measures],
        # Where the business-day counting below must start from.
        func.min(case((finalised, Complaint.received_at))),
    ).where(*complaints, or_(received, acknowledged, finalised))
    grouped = session.execute(counted.add_columns(key).group_by(key)).all()
    # The groups' names in a second look-up of a few rows: joined to the register, the
    # lookup table would be probed once per complaint counted.
    keys = {row[-1] for row in grouped} - {None}
    names = (
        dict(session.execute(select(lookup.id, lookup.name).where(lookup.id.in_(keys))).all())
        if lookup is not None and keys
        else {}
    )
    groups = {}
    first_received = None
    for *values, first, group_key in grouped:
        groups[group_key] = dict(zip(_COUNT_FIELDS, map(int, values), strict=True))
        groups[group_key]["label"] = _label(by, group_key, names.get(group_key))
        if first is not None and (first_received is None or first < first_received):
            first_received = first
    # The groups share out the complaints: the total is their sum, not another pass.
    total = {name: sum(g[name] for g in groups.values()) for name in _COUNT_FIELDS}
    total["label"] = "All"

    # Business days to finalise, per complaint finalised in the period, on its division's
    # calendar, counted by the database and grouped by their number: Python ranks a few
    # hundred (group, days, how many) rows, however many complaints the period holds.
    if first_received is not None:
        histograms = _days_to_finalise(
            session, key, [*complaints, finalised], first_received, bounds[1]
        )
        everyone: dict[int, int] = {}
        for counts in histograms.values():
            for days, n in counts.items():
                everyone[days] = everyone.get(days, 0) + n
        for entry, counts in (
            *((groups.get(k), v) for k, v in histograms.items()),
            (total, everyone),
        ):
            if entry is not None and counts:
                ordered = sorted(counts.items())
                entry["median_business_days"] = percentile(ordered, 50)
                entry["p90_business_days"] = percentile(ordered, 90)

    rows = sorted(
        (TimelinessRow(group_key, **values) for group_key, values in groups.items()),
        key=lambda row: _order(by, row),
    )
    return TimelinessReport(period, by, tuple(rows), TimelinessRow(None, **total))


def _days_to_finalise(
    session, key, cohort, first: datetime, last: datetime
) -> dict[object, dict[int, int]]:
    """Per group: how many complaints of the cohort took each number of business days
    from receipt to finalisation, on their division's calendar. `first` and `last` bound
    the instants: the earliest receipt, and the end of the period."""
    calendars = {
        calendar.id: business_calendar(calendar)
        for calendar in session.scalars(
            select(Calendar)
            .where(Calendar.id.in_(select(Division.calendar_id)))
            .options(
                selectinload(Calendar.windows),
                selectinload(Calendar.closures),
                selectinload(Calendar.worked_holidays),
            )
        )
    }
    # A day either side: a local day can begin before or end after the UTC instant's day.
    with business_days_sql(
        session, calendars, first.date() - timedelta(days=1), last.date() + timedelta(days=1)
    ) as business_days:
        each = (
            select(
                key.label("key"),
                business_days(
                    Division.calendar_id, Complaint.received_at, Complaint.finalised_at
                ).label("days"),
            )
            .select_from(Complaint)
            .join(Division, Division.id == Complaint.division_id)
            .where(*cohort)
            .subquery()
        )
        # Grouped outside: PostgreSQL matches no GROUP BY to an expression with parameters.
        found = session.execute(
            select(each.c.key, each.c.days, func.count()).group_by(each.c.key, each.c.days)
        ).all()
    histograms: dict = {}
    for group_key, days, n in found:
        counts = histograms.setdefault(group_key, {})
        # b before a: no business days, as the engine says.
        days = max(int(days), 0)
        counts[days] = counts.get(days, 0) + int(n)
    return histograms


_COUNT_FIELDS = (
    "received",
    "acknowledged",
    "acknowledged_timed",
    "acknowledged_on_time",
    "finalised",
    "finalised_timed",
    "finalised_in_time",
    "extended",
)


def _label(by: str, key, label) -> str:
    if key is None:
        return NOT_RECORDED
    if by == "classification":
        return CLASSIFICATIONS.get(key, key)
    return label or NOT_RECORDED


def _order(by: str, row) -> tuple:
    if row.key is None:
        return (1, 0, "")
    if by == "classification" and row.key in CLASSIFICATIONS:
        return (0, list(CLASSIFICATIONS).index(row.key), "")
    return (0, len(CLASSIFICATIONS), row.label.casefold())
