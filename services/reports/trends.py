"""Trends and systemic issues: complaints received per period by category and by
division, with the largest rises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    func,
    select,
)

from models import (
    Category,
    Complaint,
    Division,
    utcnow,
)
from rules.periods import DEFAULT_TIME_ZONE, QUARTER, Period, last_n, period_containing, previous

from .toolkit import (
    NOT_RECORDED,
    Scope,
    TableData,
    Zone,
    as_tzinfo,
    ordered_periods,
    period_bucket,
    scoped,
)


@dataclass(frozen=True, slots=True)
class TrendRow:
    """Complaints received per period for one category or division, oldest period first."""

    key: int | None
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def change(self) -> int:
        """Last period against the one before it."""
        return self.counts[-1] - self.counts[-2] if len(self.counts) > 1 else 0

    @property
    def change_percent(self) -> float | None:
        """None when the period before had none: a rise from nothing has no percentage."""
        if len(self.counts) < 2 or not self.counts[-2]:
            return None
        return 100.0 * self.change / self.counts[-2]


@dataclass(frozen=True, slots=True)
class TrendReport:
    periods: tuple[Period, ...]
    totals: tuple[int, ...]
    by_category: tuple[TrendRow, ...]
    by_division: tuple[TrendRow, ...]
    # The largest rises between the last two periods, largest first: rises only.
    rises_by_category: tuple[TrendRow, ...]
    rises_by_division: tuple[TrendRow, ...]

    def as_table(self) -> TableData:
        labels = tuple(p.label for p in self.periods)
        rows = [("Category", r.label, *r.counts, r.change) for r in self.by_category]
        rows += [("Division", r.label, *r.counts, r.change) for r in self.by_division]
        rows.append(("All", "All complaints", *self.totals, _change(self.totals)))
        return TableData(("By", "Name", *labels, "Change"), tuple(rows))


def _change(counts: Sequence[int]) -> int:
    return counts[-1] - counts[-2] if len(counts) > 1 else 0


def complaint_trends(
    session,
    periods: Sequence[Period] | None = None,
    *,
    today: date | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
    rises: int = 3,
) -> TrendReport:
    """Complaints received per period by category and by division, with the largest rises.

    periods: consecutive periods, oldest first; by default the last eight complete
    quarters before `today` (the quarter under way is left out: a part quarter against a
    whole one would show every line falling). The rises are the `rises` lines with the
    largest increase from the second-last period to the last, by number (ties: by name).
    """
    if periods is None:
        today = today or utcnow().astimezone(as_tzinfo(tz)).date()
        current = period_containing(QUARTER, today)
        periods = last_n(QUARTER, 8, previous(current).start)
    periods = ordered_periods(periods)
    bounds = [p.utc_bounds(tz) for p in periods]
    totals = [0] * len(periods)
    # One pass over the complaints, grouped by period, category and division; the two
    # breakdowns are summed from it here (a few hundred rows at most).
    buckets = scoped(
        select(
            period_bucket(Complaint.received_at, bounds).label("bucket"),
            Complaint.category_id.label("category"),
            Complaint.division_id.label("division"),
        ).where(
            Complaint.kind == "complaint",
            Complaint.received_at >= bounds[0][0],
            Complaint.received_at < bounds[-1][1],
        ),
        scope,
    ).subquery()
    # The complaints received between two of the periods (bucket NULL) are left out here,
    # not by a WHERE: the database would work out every complaint's bucket once more.
    counted = [
        row
        for row in session.execute(
            select(
                buckets.c.bucket, buckets.c.category, buckets.c.division, func.count()
            ).group_by(buckets.c.bucket, buckets.c.category, buckets.c.division)
        )
        if row[0] is not None
    ]
    by = {}
    for name, model, position in (("category", Category, 1), ("division", Division, 2)):
        keys = {row[position] for row in counted} - {None}
        names = dict(
            session.execute(select(model.id, model.name).where(model.id.in_(keys))).all()
            if keys
            else ()
        )
        lines: dict = {}
        for row in counted:
            bucket, key, count = row[0], row[position], int(row[3])
            entry = lines.setdefault(key, [names.get(key) or NOT_RECORDED, [0] * len(periods)])
            entry[1][bucket] += count
            if name == "category":
                totals[bucket] += count
        rows = sorted(
            (TrendRow(key, label, tuple(counts)) for key, (label, counts) in lines.items()),
            key=lambda r: (r.key is None, r.label.casefold()),
        )
        by[name] = tuple(rows)
    return TrendReport(
        periods,
        tuple(totals),
        by["category"],
        by["division"],
        _largest_rises(by["category"], rises),
        _largest_rises(by["division"], rises),
    )


def _largest_rises(rows: Sequence[TrendRow], how_many: int) -> tuple[TrendRow, ...]:
    risen = sorted((r for r in rows if r.change > 0), key=lambda r: (-r.change, r.label))
    return tuple(risen[:how_many])
