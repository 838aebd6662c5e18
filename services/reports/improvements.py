"""Improvements: the changes to policies, procedures or practices complaints led to, made
in a period, by division; and the complaints that revealed a systemic issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, select

from models import Complaint, Division, Improvement
from rules.periods import DEFAULT_TIME_ZONE, Period

from .toolkit import NOT_RECORDED, Count, Scope, TableData, Zone, as_tzinfo, scoped, within


@dataclass(frozen=True, slots=True)
class ImprovementLine:
    """One improvement, as the table lists it."""

    id: int
    complaint_id: int
    reference: str | None  # None: a complaint the reader may not open, left unnamed
    division: str
    made_at: datetime
    made_by: str
    description: str
    systemic: bool


@dataclass(frozen=True, slots=True)
class ImprovementsReport:
    """Improvements made in the period (by `Improvement.made_at`, the date the change was
    made), of complaints of every kind the scope reaches; by division; and how many
    complaints received in the period were recorded as revealing a systemic issue."""

    period: Period
    time_zone: str
    lines: tuple[ImprovementLine, ...]
    by_division: tuple[Count, ...]
    systemic_received: int

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def complaints(self) -> int:
        return len({line.complaint_id for line in self.lines})

    def as_table(self) -> TableData:
        zone = as_tzinfo(self.time_zone)
        rows = tuple(
            (
                line.division,
                line.reference or UNNAMED,
                line.made_at.astimezone(zone).strftime("%d/%m/%Y"),
                line.made_by,
                line.description,
                line.systemic,
            )
            for line in self.lines
        )
        return TableData(
            ("Division", "Complaint", "Made on", "Made by", "What changed", "Systemic issue"),
            rows,
        )


UNNAMED = "(not one of your cases)"


def improvements_made(
    session,
    period: Period,
    *,
    scope: Scope = None,
    named: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> ImprovementsReport:
    """The improvements made in a period, oldest first, with their complaint's division.

    `scope` keeps the figures to the cases the report reaches (a division, say); `named`,
    when given, is the narrower set of complaints the reader may open: the others' lines
    are counted and described but their complaint is not named."""
    bounds = period.utc_bounds(tz)
    reference = (
        Complaint.reference
        if named is None
        else case((named, Complaint.reference), else_=literal(None))
    )
    rows = session.execute(
        scoped(
            select(
                Improvement.id,
                Complaint.id,
                reference,
                Division.name,
                Improvement.made_at,
                Improvement.made_by,
                Improvement.description,
                Complaint.systemic_issue,
            )
            .join(Complaint, Complaint.id == Improvement.complaint_id)
            .outerjoin(Division, Division.id == Complaint.division_id)
            .where(within(Improvement.made_at, bounds))
            .order_by(Improvement.made_at, Improvement.id),
            scope,
        )
    ).all()
    lines = tuple(
        ImprovementLine(
            id=row[0],
            complaint_id=row[1],
            reference=row[2],
            division=row[3] or NOT_RECORDED,
            made_at=row[4],
            made_by=row[5],
            description=row[6],
            systemic=bool(row[7]),
        )
        for row in rows
    )
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.division] = counts.get(line.division, 0) + 1
    systemic = session.scalar(
        scoped(
            select(func.count(Complaint.id)).where(
                Complaint.systemic_issue.is_(True), within(Complaint.received_at, bounds)
            ),
            scope,
        )
    )
    return ImprovementsReport(
        period,
        time_zone=str(getattr(as_tzinfo(tz), "key", tz)),
        lines=lines,
        by_division=tuple(
            Count(name, name, count)
            for name, count in sorted(counts.items(), key=lambda item: item[0].casefold())
        ),
        systemic_received=int(systemic or 0),
    )
