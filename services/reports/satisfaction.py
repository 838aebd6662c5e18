""" "How it went": satisfaction and response rate of the surveys sent in a period, by case
kind, division, category, classification, severity or client organisation.

A survey counts in the period its email was sent in (`survey_invitation.sent_at`); its
answer counts with it whenever it came. Response rate = answered / sent. Mean satisfaction
is over the answers (1 to 5), with how many gave each score. Complaint dimensions
(division, category, classification) put every ticket in one "Service-desk tickets" row,
and ticket dimensions (severity, client organisation) every complaint in one "Complaints"
row, so each grouping adds up to the same total. No comment and no complainant's name is
ever part of a report; a client organisation hidden from the reader is masked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, select

from models import (
    Category,
    Complaint,
    Division,
    Participant,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
)
from rules.confidentiality import MASK
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import CLASSIFICATIONS, TICKET_SEVERITIES

from .toolkit import NOT_RECORDED, Scope, TableData, Zone, percentage, within

# What the satisfaction report can be grouped by.
DIMENSIONS = {
    "kind": "Kind of case",
    "division": "Division",
    "category": "Category",
    "classification": "Classification",
    "severity": "Severity",
    "client": "Client organisation",
}
COMPLAINT_DIMENSIONS = ("division", "category", "classification")
TICKET_DIMENSIONS = ("severity", "client")
SCORES = (1, 2, 3, 4, 5)
COMPLAINTS_LABEL = "Complaints"
TICKETS_LABEL = "Service-desk tickets"


@dataclass(slots=True)
class SatisfactionRow:
    """One group's surveys: sent, answered, the scores given (count per score 1 to 5), and
    how many said it was handled in time and that the process was fair."""

    key: object
    label: str
    sent: int = 0
    answered: int = 0
    scores: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    in_time: int = 0
    fair: int = 0

    @property
    def response_rate(self) -> float | None:
        return percentage(self.answered, self.sent)

    @property
    def mean(self) -> float | None:
        total = sum(self.scores.values())
        if not total:
            return None
        return sum(score * n for score, n in self.scores.items()) / total

    @property
    def satisfied_percent(self) -> float | None:
        """Answers of 4 or 5, of all answers."""
        return percentage(self.scores[4] + self.scores[5], self.answered)

    @property
    def in_time_percent(self) -> float | None:
        return percentage(self.in_time, self.answered)

    @property
    def fair_percent(self) -> float | None:
        return percentage(self.fair, self.answered)

    def add(self, other: SatisfactionRow) -> None:
        self.sent += other.sent
        self.answered += other.answered
        self.in_time += other.in_time
        self.fair += other.fair
        for score in SCORES:
            self.scores[score] += other.scores[score]


@dataclass(frozen=True, slots=True)
class SatisfactionReport:
    period: Period
    by: str
    rows: tuple[SatisfactionRow, ...]
    total: SatisfactionRow

    def row(self, label: str) -> SatisfactionRow:
        return next(r for r in self.rows if r.label == label)

    def as_table(self) -> TableData:
        return TableData(
            (
                DIMENSIONS[self.by],
                "Surveys sent",
                "Answered",
                "Response rate %",
                "Mean satisfaction (1–5)",
                *(f"Scored {score}" for score in SCORES),
                "Satisfied (4 or 5) %",
                "Handled in time %",
                "Process fair %",
            ),
            tuple(
                (
                    r.label,
                    r.sent,
                    r.answered,
                    r.response_rate,
                    None if r.mean is None else round(r.mean, 2),
                    *(r.scores[score] for score in SCORES),
                    r.satisfied_percent,
                    r.in_time_percent,
                    r.fair_percent,
                )
                for r in (*self.rows, self.total)
            ),
        )


def _measures():
    answered = SurveyResponse.id.is_not(None)
    return (
        func.count(SurveyInvitation.id),
        func.count(SurveyResponse.id),
        *(
            func.coalesce(func.sum(case((SurveyResponse.satisfaction == s, 1), else_=0)), 0)
            for s in SCORES
        ),
        func.coalesce(
            func.sum(case((and_(answered, SurveyResponse.handled_in_time), 1), else_=0)), 0
        ),
        func.coalesce(func.sum(case((and_(answered, SurveyResponse.fair), 1), else_=0)), 0),
    )


def _row(key, label, values) -> SatisfactionRow:
    sent, answered, *rest = (int(v or 0) for v in values)
    scores = dict(zip(SCORES, rest[: len(SCORES)], strict=True))
    in_time, fair = rest[len(SCORES) :]
    return SatisfactionRow(key, label, sent, answered, scores, in_time, fair)


def _grouped(session, model, join_on, key, conditions) -> list[tuple]:
    """The measures per value of `key`; with no key, one row for all (its key None)."""
    query = (
        select(*_measures())
        .select_from(SurveyInvitation)
        .join(model, join_on)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.sent_at.is_not(None), *conditions)
    )
    if key is None:
        found = session.execute(query).one()
        return [(*found, None)] if found[0] else []
    return session.execute(query.add_columns(key).group_by(key)).all()


def satisfaction_report(
    session,
    period: Period,
    by: str = "kind",
    *,
    complaints: bool = True,
    tickets: bool = True,
    complaint_scope: Scope = None,
    ticket_scope: Scope = None,
    hidden_people: Iterable[int] = (),
    tz: Zone = DEFAULT_TIME_ZONE,
) -> SatisfactionReport:
    """Surveys sent in the period, answered, response rate, mean satisfaction and the
    scores given, per group (`by`), with a total row.

    `complaints` / `tickets`: whether the reader's figures include each kind of case at
    all; `complaint_scope` / `ticket_scope`: a where-clause on Complaint / Ticket keeping
    the figures to the cases the reader may see. `hidden_people`: client organisations to
    mask rather than name.
    """
    if by not in DIMENSIONS:
        raise ValueError(
            f"Satisfaction cannot be grouped by {by!r}: choose one of {', '.join(DIMENSIONS)}."
        )
    sent_in = within(SurveyInvitation.sent_at, period.utc_bounds(tz))
    rows: dict[object, SatisfactionRow] = {}
    if complaints:
        conditions = [sent_in] + ([complaint_scope] if complaint_scope is not None else [])
        key = {
            "division": Complaint.division_id,
            "category": Complaint.category_id,
            "classification": Complaint.classification,
        }.get(by)
        found = _grouped(
            session, Complaint, Complaint.id == SurveyInvitation.complaint_id, key, conditions
        )
        labels = _complaint_labels(session, by, {row[-1] for row in found})
        for *values, group in found:
            marker = ("complaint", group) if by in COMPLAINT_DIMENSIONS else ("kind", "complaint")
            _merge(rows, marker, _row(group, labels(group), values))
    if tickets:
        conditions = [sent_in] + ([ticket_scope] if ticket_scope is not None else [])
        key = {"severity": Ticket.severity, "client": Ticket.client_id}.get(by)
        found = _grouped(session, Ticket, Ticket.id == SurveyInvitation.ticket_id, key, conditions)
        labels = _ticket_labels(session, by, {row[-1] for row in found}, set(hidden_people))
        for *values, group in found:
            marker = ("ticket", group) if by in TICKET_DIMENSIONS else ("kind", "ticket")
            _merge(rows, marker, _row(group, labels(group), values))
    ordered = sorted(rows.values(), key=lambda row: _order(by, row))
    total = SatisfactionRow(None, "All")
    for row in ordered:
        total.add(row)
    return SatisfactionReport(period, by, tuple(ordered), total)


def _merge(rows: dict, marker, row: SatisfactionRow) -> None:
    if marker in rows:
        rows[marker].add(row)
    else:
        rows[marker] = row


def _complaint_labels(session, by: str, keys: set):
    if by == "classification":
        return lambda key: NOT_RECORDED if key is None else CLASSIFICATIONS.get(key, key)
    if by not in COMPLAINT_DIMENSIONS:
        return lambda key: COMPLAINTS_LABEL
    lookup = Division if by == "division" else Category
    ids = keys - {None}
    names = (
        dict(session.execute(select(lookup.id, lookup.name).where(lookup.id.in_(ids))).all())
        if ids
        else {}
    )
    return lambda key: names.get(key) or NOT_RECORDED


def _ticket_labels(session, by: str, keys: set, hidden: set):
    if by == "severity":
        return lambda key: (
            NOT_RECORDED if key is None else f"Severity {TICKET_SEVERITIES.get(key, key)}"
        )
    if by != "client":
        return lambda key: TICKETS_LABEL
    ids = keys - {None}
    names = {}
    if ids:
        for person in session.scalars(select(Participant).where(Participant.id.in_(ids))):
            names[person.id] = MASK if person.id in hidden else person.display_name
    return lambda key: names.get(key) or NOT_RECORDED


def _order(by: str, row: SatisfactionRow) -> tuple:
    # The other kind's single row, and "not recorded", come after the groups.
    other = row.label in (COMPLAINTS_LABEL, TICKETS_LABEL) and by != "kind"
    if other or row.label == NOT_RECORDED:
        return (1, row.label)
    if by == "classification" and row.key in CLASSIFICATIONS:
        return (0, f"{list(CLASSIFICATIONS).index(row.key):03d}")
    if by == "severity":
        return (0, str(row.key))
    if by == "kind":
        return (0, "0" if row.label == COMPLAINTS_LABEL else "1")
    return (0, row.label.casefold())


def _ids(values):
    """Ids as the IN clause takes them: a select as it is, anything else as a list."""
    return values if isinstance(values, Select) else list(values)


def satisfaction_of(session, *, ticket_ids=None, complaint_ids=None) -> dict:
    """How the surveys of some cases went: {"sent": int, "answered": int, "mean": float | None}.

    `ticket_ids` / `complaint_ids`: the cases to count, as ids or a select of ids (a
    client's tickets: `select(Ticket.id).where(Ticket.client_id == client.id)`). Both None:
    every case; otherwise only the cases named (a kind left None counts none of its cases).
    Sent: invitations whose email went; answered: those answered; mean: the mean
    satisfaction score (1 to 5) of the answers, None when there are none.
    """
    conditions = []
    if ticket_ids is not None or complaint_ids is not None:
        chosen = []
        if ticket_ids is not None:
            chosen.append(SurveyInvitation.ticket_id.in_(_ids(ticket_ids)))
        if complaint_ids is not None:
            chosen.append(SurveyInvitation.complaint_id.in_(_ids(complaint_ids)))
        conditions.append(chosen[0] if len(chosen) == 1 else chosen[0] | chosen[1])
    sent, answered, total = session.execute(
        select(
            func.count(SurveyInvitation.id),
            func.count(SurveyResponse.id),
            func.sum(SurveyResponse.satisfaction),
        )
        .select_from(SurveyInvitation)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.sent_at.is_not(None), *conditions)
    ).one()
    answered = int(answered or 0)
    return {
        "sent": int(sent or 0),
        "answered": answered,
        "mean": (float(total) / answered) if answered else None,
    }
