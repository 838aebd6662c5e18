"""The annual publication: a financial year's customer complaint figures as the Public
Sector Act 2022 s 264 and the Human Rights Act 2019 s 97 ask a department to publish them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from models import (
    Complaint,
    ExternalReview,
    Improvement,
    InternalReview,
    Outcome,
)
from rules.periods import DEFAULT_TIME_ZONE, Period

from .toolkit import (
    Count,
    Scope,
    TableData,
    Zone,
    as_flag,
    as_tzinfo,
    lookup_breakdown,
    scoped,
)

# What the publication reports under: the Acts and sections, as the page and files name them.
PUBLIC_SECTOR_ACT = "Public Sector Act 2022 (Qld) s 264"
HUMAN_RIGHTS_ACT = "Human Rights Act 2019 (Qld) s 97"
BREAKDOWN = "Breakdown (not a figure of the Act)"
# Where a complaint stood at the cut-off, beside its outcome code (codes are lower case).
REFERRED = "(referred)"
CLOSED_WITHOUT_OUTCOME = "(closed)"
STILL_OPEN = "(open)"


@dataclass(frozen=True, slots=True)
class AnnualPublication:
    """A financial year's customer complaint figures as the Public Sector Act 2022 s 264
    and the Human Rights Act 2019 s 97 ask a department to publish them.

    Every figure counts the complaints received in the year (kind "complaint", received
    from local midnight on 1 July to local midnight on 1 July next), by what had happened
    to them by the cut-off `as_at` (None: everything recorded). A complaint counts in the
    year it was received, never in the year its review or change happened.

    further_action: an internal review was requested, an external review notified, or a
    change to the department's policies, procedures or practices made (an `Improvement`
    recorded on the complaint, or `Complaint.change_made_at`), before the cut-off. A change
    counts by the date it was made (`Improvement.made_at`), not by the complaint's: a
    complaint received in the year whose change was made after the year's end counts as
    further action once the cut-off is past that date, never before. no_further_action: the others
    finalised or closed before the cut-off (withdrawn, declined and referred included).
    still_open: the others, neither yet. received = further + no further + still open.
    """

    period: Period
    as_at: datetime | None
    time_zone: str
    received: int
    further_action: int
    no_further_action: int
    still_open: int
    internal_review: int
    external_review: int
    change_made: int
    withdrawn: int
    declined: int
    referred: int
    human_rights_received: int
    human_rights_outcomes: tuple[Count, ...]
    human_rights_commissioner: int

    @property
    def span(self) -> str:
        """The year in words: 1 July 2025 to 30 June 2026."""
        last = self.period.end - timedelta(days=1)
        return f"{self.period.start.day} {self.period.start:%B %Y} to {last.day} {last:%B %Y}"

    @property
    def as_at_text(self) -> str:
        """The cut-off in local time, e.g. 1 August 2026 09:00 (Australia/Brisbane)."""
        if self.as_at is None:
            return ""
        local = self.as_at.astimezone(as_tzinfo(self.time_zone))
        return f"{local.day} {local:%B %Y} {local:%H:%M} ({self.time_zone})"

    @property
    def heading(self) -> str:
        cut_off = f"as at {self.as_at_text}" if self.as_at else "everything recorded so far"
        return f"Customer complaints, financial year {self.period.label} ({self.span}), {cut_off}"

    def definitions(self) -> dict[str, str]:
        """How each figure is counted, in the words the page and the files print."""
        cut = "by the cut-off" if self.as_at is not None else "so far"
        received = (
            f"Complaints about the department's services or staff (not compliments or "
            f"suggestions) received from {self.span}, {self.time_zone} time"
        )
        return {
            "received": received + ".",
            "further": (
                f"Of those received: an internal review was requested, an external review "
                f"(Ombudsman, Human Rights Commissioner) was notified, or a change to the "
                f"department's policies, procedures or practices was made (an improvement "
                f"recorded on the complaint), {cut}, whenever in or after the year it "
                "happened: a change counts by the date it was made."
            ),
            "no_further": (
                f"Of those received: finalised or closed {cut} (withdrawn, declined and "
                "referred included) with none of those further actions."
            ),
            "open": f"Of those received: neither finalised nor closed {cut}, nor taken further.",
            "internal": "Of those taken further: an internal review was requested.",
            "external": "Of those taken further: an external review was notified.",
            "change": (
                "Of those taken further: a change to policies, procedures or practices was "
                f"made {cut} (an improvement recorded on the complaint)."
            ),
            "withdrawn": "Of those with no further action: withdrawn by the complainant.",
            "declined": "Of those with no further action: declined to investigate, with reasons.",
            "referred": "Of those with no further action: referred to another process.",
            "hr_received": received.replace("Complaints", "Of those, complaints", 1)
            + ", recorded with a human-rights aspect.",
            "hr_outcome": f"Human-rights complaints received in the year, by outcome {cut}.",
            "hr_commissioner": (
                f"Human-rights complaints received in the year taken to the Human Rights "
                f"Commissioner {cut}."
            ),
        }

    def as_table(self) -> TableData:
        words = self.definitions()
        rows = [
            (PUBLIC_SECTOR_ACT, "Customer complaints received", self.received, words["received"]),
            (
                PUBLIC_SECTOR_ACT,
                "Resulting in further action",
                self.further_action,
                words["further"],
            ),
            (
                PUBLIC_SECTOR_ACT,
                "Resulting in no further action",
                self.no_further_action,
                words["no_further"],
            ),
            (BREAKDOWN, "Still open, not yet counted either way", self.still_open, words["open"]),
            (
                BREAKDOWN,
                "Further action: internal review",
                self.internal_review,
                words["internal"],
            ),
            (
                BREAKDOWN,
                "Further action: external review",
                self.external_review,
                words["external"],
            ),
            (
                BREAKDOWN,
                "Further action: change to policies, procedures or practices",
                self.change_made,
                words["change"],
            ),
            (BREAKDOWN, "Not taken further: withdrawn", self.withdrawn, words["withdrawn"]),
            (BREAKDOWN, "Not taken further: declined", self.declined, words["declined"]),
            (BREAKDOWN, "Not taken further: referred", self.referred, words["referred"]),
            (
                HUMAN_RIGHTS_ACT,
                "Human-rights complaints received",
                self.human_rights_received,
                words["hr_received"],
            ),
        ]
        rows += [
            (HUMAN_RIGHTS_ACT, f"Outcome: {c.label}", c.count, words["hr_outcome"])
            for c in self.human_rights_outcomes
        ]
        rows.append(
            (
                HUMAN_RIGHTS_ACT,
                "Taken to the Human Rights Commissioner",
                self.human_rights_commissioner,
                words["hr_commissioner"],
            )
        )
        return TableData(
            ("Reported under", self.heading, "Number", "How it is counted"), tuple(rows)
        )


def annual_publication(
    session,
    year: Period,
    *,
    as_at: datetime | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> AnnualPublication:
    """The Act's three figures (received, further action, no further action), their
    breakdown and the human-rights complaints and their outcomes, for a financial year
    (rules.periods.financial_year) or any period given, as at a cut-off instant."""
    start, end = year.utc_bounds(tz)
    if as_at is not None:
        end = min(end, as_at)

    def by_cut_off(column) -> ColumnElement[bool]:
        done = column.is_not(None)
        return done if as_at is None else and_(done, column < as_at)

    internal = (
        select(InternalReview.id)
        .where(
            InternalReview.complaint_id == Complaint.id, by_cut_off(InternalReview.requested_at)
        )
        .exists()
    )
    external = select(ExternalReview.id).where(
        ExternalReview.complaint_id == Complaint.id, by_cut_off(ExternalReview.notified_at)
    )
    improved = (
        select(Improvement.id)
        .where(Improvement.complaint_id == Complaint.id, by_cut_off(Improvement.made_at))
        .exists()
    )
    commissioner = external.where(ExternalReview.body == "human_rights_commissioner").exists()
    state = case(
        (and_(by_cut_off(Complaint.finalised_at), Outcome.code.is_not(None)), Outcome.code),
        (
            and_(Complaint.referral_target_id.is_not(None), by_cut_off(Complaint.closed_at)),
            literal(REFERRED),
        ),
        (
            or_(by_cut_off(Complaint.finalised_at), by_cut_off(Complaint.closed_at)),
            literal(CLOSED_WITHOUT_OUTCOME),
        ),
        else_=literal(STILL_OPEN),
    )
    # One row per complaint received (through the received_at index), its standing worked
    # out by the database; then grouped there: a few dozen rows come back.
    standing = scoped(
        select(
            state.label("state"),
            as_flag(internal).label("internal"),
            as_flag(external.exists()).label("external"),
            as_flag(commissioner).label("commissioner"),
            as_flag(or_(by_cut_off(Complaint.change_made_at), improved)).label("changed"),
            as_flag(Complaint.human_rights.is_(True)).label("human_rights"),
        )
        .select_from(Complaint)
        .outerjoin(Outcome, Outcome.id == Complaint.outcome_id)
        .where(Complaint.kind == "complaint", Complaint.received_at >= start)
        .where(Complaint.received_at < end),
        scope,
    ).subquery()
    columns = [standing.c[name] for name in standing.c.keys()]
    grouped = session.execute(select(*columns, func.count()).group_by(*columns)).all()

    figures = dict.fromkeys(
        ("received", "further", "no_further", "open", "internal", "external", "change"), 0
    )
    not_further: dict = {}
    human_rights = {"received": 0, "commissioner": 0}
    hr_states: dict = {}
    for state_code, reviewed, notified, hrc, changed, hr, count in grouped:
        count = int(count)
        further = bool(reviewed or notified or changed)
        figures["received"] += count
        figures["internal"] += count if reviewed else 0
        figures["external"] += count if notified else 0
        figures["change"] += count if changed else 0
        if further:
            figures["further"] += count
        elif state_code == STILL_OPEN:
            figures["open"] += count
        else:
            figures["no_further"] += count
            not_further[state_code] = not_further.get(state_code, 0) + count
        if hr:
            human_rights["received"] += count
            human_rights["commissioner"] += count if hrc else 0
            hr_states[state_code] = hr_states.get(state_code, 0) + count

    return AnnualPublication(
        year,
        as_at=as_at,
        time_zone=str(getattr(as_tzinfo(tz), "key", tz)),
        received=figures["received"],
        further_action=figures["further"],
        no_further_action=figures["no_further"],
        still_open=figures["open"],
        internal_review=figures["internal"],
        external_review=figures["external"],
        change_made=figures["change"],
        withdrawn=not_further.get("withdrawn", 0),
        declined=not_further.get("declined", 0),
        referred=not_further.get(REFERRED, 0),
        human_rights_received=human_rights["received"],
        human_rights_outcomes=_human_rights_outcomes(session, hr_states),
        human_rights_commissioner=human_rights["commissioner"],
    )


def _human_rights_outcomes(session, states: dict) -> tuple[Count, ...]:
    """Every active outcome (zero or not), then referred, closed without one, still open."""
    outcomes = {k: v for k, v in states.items() if not k.startswith("(")}
    lines = list(lookup_breakdown(session, Outcome, outcomes))
    for key, label in (
        (REFERRED, "Referred to another process"),
        (CLOSED_WITHOUT_OUTCOME, "Closed without an outcome recorded"),
        (STILL_OPEN, "Not yet finalised"),
    ):
        if key != CLOSED_WITHOUT_OUTCOME or states.get(key):
            lines.append(Count(key, label, int(states.get(key, 0))))
    return tuple(lines)
