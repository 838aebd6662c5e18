"""Importing a legacy register: complaints or service-desk tickets from a CSV file.

All or nothing. Every row is checked first (`rules/imports.py` reads the file and its
values; checks.py finds the lookups, officers, people and legacy references imported
before that a row names, and this module its division or client organisation). If any
row is refused, nothing is saved unless the caller asks to skip the refused rows. The
accepted rows are then created through the session, in order of receipt, so the flush
hooks give them what a form's save gives: separation of duties, reference numbers
(gap-free), due dates and history. Each case gets a history entry naming the file, the
row and the legacy reference. One transaction: a dry run flushes it all and rolls back,
and any failure rolls everything back.
"""

from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import (
    Category,
    Channel,
    Complaint,
    Division,
    Outcome,
    Participant,
    ReferralTarget,
    Ticket,
    User,
    db,
    utcnow,
)
from rules import duties as duty_rules
from rules import imports as rules
from rules import permissions
from rules.errors import RuleViolation
from rules.imports import Problem
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    TICKET_SEVERITIES,
    TICKET_STATUSES,
)

from .. import correspondence, localtime, references
from ..duties import officer
from .checks import (
    Candidate,
    Lookups,
    RowChecker,
    Staff,
    people_by_email,
    with_legacy_reference,
)

BATCH_SIZE = 500


class ImportRefused(Exception):
    """The import cannot start at all (an unknown or unauthorised account): nothing saved."""


@dataclass
class ImportReport:
    """What an import did, or would do, and every row it refused."""

    noun: str  # "complaints", "tickets"
    file_name: str
    dry_run: bool
    skip_rejected: bool
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    # (row, reference) of each case created, in the order references were given.
    imported: list[tuple[int, str]] = field(default_factory=list)
    saved: bool = False
    # Set when saving failed after every row was checked: everything was rolled back.
    failure: str | None = None

    @property
    def file_refused(self) -> bool:
        return any(p.row in (0, rules.HEADER_ROW) for p in self.problems)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row > rules.HEADER_ROW})

    @property
    def accepted(self) -> int:
        return self.rows_read - len(self.rejected_rows)


Progress = Callable[[str, list, int], object]


def _no_progress(label, items, length):
    return nullcontext(items)


@contextmanager
def acting_as(session, user: User | None):
    """History written in this block names `user` (a command has no signed-in account)."""
    if user is None:
        yield
        return
    session.info["acting_user_id"] = user.id
    try:
        yield
    finally:
        session.info.pop("acting_user_id", None)


class ComplaintRows(RowChecker):
    record_type = "Complaint"
    model = Complaint

    def prepare(self, rows):
        session = self.session
        self.divisions = {}
        for division in session.scalars(select(Division).options(joinedload(Division.calendar))):
            self.divisions.setdefault(division.code.lower(), division)
            self.divisions.setdefault(division.name.lower(), division)
        self.channels = Lookups(session, Channel)
        self.categories = Lookups(session, Category)
        self.outcomes = Lookups(session, Outcome)
        self.referrals = Lookups(session, ReferralTarget)
        self.staff = Staff(session)
        emails = {v.get("complainant_email", "").lower() for _, v in rows}
        self.people = people_by_email(session, emails - {""})
        self.actor_scope = (
            permissions.scope(self.actor.capacity_codes, "complaint") if self.actor else "all"
        )

    def zone(self, division) -> ZoneInfo:
        # Where no division's calendar is known, dates are still read to report their format.
        settings = localtime.settings_in_force()
        return localtime.zone(localtime.complaint_timezone(division, settings))

    def check(self, row, values) -> tuple[Candidate | None, list[Problem]]:
        problems: list[Problem] = []
        self.required(problems, row, values)
        reference = self.legacy(problems, row, values)

        division = None
        if values.get("division"):
            division = self.divisions.get(values["division"].lower())
            if division is None:
                known = sorted({d.code for d in self.divisions.values()})
                self.problem(
                    problems,
                    row,
                    "division",
                    values["division"],
                    f"There is no division “{values['division']}”: use one of "
                    + (", ".join(known) or "(none yet)")
                    + ".",
                )
            elif (
                self.actor_scope == "division"
                and self.actor.participant is not None
                and self.actor.participant.division_id != division.id
            ):
                self.problem(
                    problems,
                    row,
                    "division",
                    values["division"],
                    f"{self.actor.username} registers complaints for their own division only.",
                )
        tz = self.zone(division)

        kind = self.choice(problems, row, values, "kind", COMPLAINT_KINDS, "kind", "complaint")
        status = self.choice(problems, row, values, "status", COMPLAINT_STATUSES, "status")
        classification = self.choice(
            problems, row, values, "classification", CLASSIFICATIONS, "classification"
        )
        instants = {
            column: self.instant(problems, row, values, column, tz)
            for column in (
                "received_at",
                "registered_at",
                "acknowledged_at",
                "decided_at",
                "finalised_at",
                "closed_at",
            )
        }
        if kind and status:
            given = {name for name, value in values.items() if value}
            for column, reason in rules.complaint_status_problems(kind, status, given):
                self.problem(problems, row, column, values.get(column, ""), reason)
        for column, reason in rules.order_problems(
            instants, rules.COMPLAINT_ORDER, self.date_only(values)
        ):
            self.problem(problems, row, column, values.get(column, ""), reason)

        channel = self.lookup(problems, row, values, "channel", self.channels, "channel")
        category = self.lookup(problems, row, values, "category", self.categories, "category")
        outcome = self.lookup(problems, row, values, "outcome", self.outcomes, "outcome")
        referral = self.lookup(
            problems, row, values, "referred_to", self.referrals, "process to refer to"
        )
        if outcome is not None and outcome.requires_reason and not values.get("outcome_reason"):
            self.problem(
                problems,
                row,
                "outcome_reason",
                "",
                f"The outcome {outcome.name} needs its reasons recorded.",
            )

        coordinator = self.officer(problems, row, values, "coordinator")
        manager = self.officer(problems, row, values, "manager")
        decision_maker = self.officer(problems, row, values, "decision_maker")
        if manager is not None and decision_maker is not None:
            assignment = duty_rules.Assignment(
                manager=officer(manager), decision_maker=officer(decision_maker)
            )
            for reason in duty_rules.check_complaint(assignment):
                self.problem(problems, row, "decision_maker", values["decision_maker"], reason)

        summary = self.text(problems, row, values, "summary")
        description = self.text(problems, row, values, "description")
        outcome_sought = self.text(problems, row, values, "outcome_sought")
        outcome_reason = self.text(problems, row, values, "outcome_reason")
        confidential = self.flag(problems, row, values, "confidential")
        human_rights = self.flag(problems, row, values, "human_rights")
        complainant = self.person(problems, row, values, "complainant", self.people)
        if problems:
            return None, problems

        registered_at = instants["registered_at"]
        if registered_at is None and status != "received":
            registered_at = instants["received_at"]
        decided_at = instants["decided_at"]
        if decided_at is None and instants["finalised_at"] is not None:
            decided_at = instants["finalised_at"]
        # As on the form: the coordinator registering it is its coordinator unless named.
        if coordinator is None and self.actor is not None:
            if self.actor.has_capacity("coordinator"):
                coordinator = self.actor.participant
        prefix = references.PREFIXES[kind]
        return Candidate(
            row=row,
            legacy_reference=reference,
            instant=instants["received_at"],
            numbering=(prefix, instants["received_at"].astimezone(tz).year),
            values={
                "kind": kind,
                "status": status,
                "classification": classification,
                "summary": summary,
                "description": with_legacy_reference(description, reference),
                "outcome_sought": outcome_sought,
                "human_rights": human_rights,
                "confidential": confidential,
                "channel": channel,
                "category": category,
                "outcome": outcome,
                "outcome_reason": outcome_reason,
                "referral_target": referral,
                "division": division,
                "coordinator": coordinator,
                "manager": manager,
                "decision_maker": decision_maker,
                "received_at": instants["received_at"],
                "registered_at": registered_at,
                "acknowledged_at": instants["acknowledged_at"],
                "decided_at": decided_at,
                "finalised_at": instants["finalised_at"],
                "closed_at": instants["closed_at"],
            },
            person=complainant,
        ), problems

    def build(self, candidate) -> Complaint:
        complaint = Complaint(
            reference=candidate.reference,
            complainant=self.participant(candidate.person),
            **candidate.values,
        )
        self.session.add(complaint)
        self.note(complaint, candidate)
        return complaint


class TicketRows(RowChecker):
    record_type = "Ticket"
    model = Ticket

    def prepare(self, rows):
        session = self.session
        self.clients = {}
        for client in session.scalars(
            select(Participant)
            .where(Participant.kind == "client_organisation")
            .options(joinedload(Participant.calendar))
            .order_by(Participant.id)
        ):
            if client.organisation_name:
                self.clients.setdefault(client.organisation_name.strip().lower(), client)
        self.zone_settings = localtime.settings_in_force()
        self.calendars = localtime.CalendarZones.load(session)
        self.channels = Lookups(session, Channel)
        self.staff = Staff(session)
        emails = {v.get("contact_email", "").lower() for _, v in rows}
        self.people = people_by_email(session, emails - {""})

    def zone(self, client) -> ZoneInfo:
        return localtime.zone(
            localtime.ticket_timezone(client, self.zone_settings, self.calendars)
        )

    def check(self, row, values) -> tuple[Candidate | None, list[Problem]]:
        problems: list[Problem] = []
        self.required(problems, row, values)
        reference = self.legacy(problems, row, values)
        client = None
        if values.get("client"):
            client = self.clients.get(values["client"].lower())
            if client is None:
                self.problem(
                    problems,
                    row,
                    "client",
                    values["client"],
                    f"There is no client organisation “{values['client']}”: add it under "
                    "People (with its contract's calendar) first, or correct the name.",
                )
        tz = self.zone(client)
        severity = self.choice(problems, row, values, "severity", TICKET_SEVERITIES, "severity")
        status = self.choice(problems, row, values, "status", TICKET_STATUSES, "status")
        instants = {
            column: self.instant(problems, row, values, column, tz)
            for column in ("reported_at", "first_response_at", "resolved_at", "closed_at")
        }
        if status:
            given = {name for name, value in values.items() if value}
            for column, reason in rules.ticket_status_problems(status, given):
                self.problem(problems, row, column, values.get(column, ""), reason)
        for column, reason in rules.order_problems(
            instants, rules.TICKET_ORDER, self.date_only(values)
        ):
            self.problem(problems, row, column, values.get(column, ""), reason)
        channel = self.lookup(problems, row, values, "channel", self.channels, "channel")
        agent = self.officer(problems, row, values, "agent")
        summary = self.text(problems, row, values, "summary")
        description = self.text(problems, row, values, "description")
        contact = self.person(problems, row, values, "contact", self.people)
        if problems:
            return None, problems
        return Candidate(
            row=row,
            legacy_reference=reference,
            instant=instants["reported_at"],
            numbering=(references.PREFIXES["ticket"], instants["reported_at"].astimezone(tz).year),
            values={
                "severity": severity,
                "status": status,
                "summary": summary,
                "description": with_legacy_reference(description, reference),
                "client": client,
                "channel": channel,
                "agent": agent,
                "reported_at": instants["reported_at"],
                "first_response_at": instants["first_response_at"],
                "resolved_at": instants["resolved_at"],
                "closed_at": instants["closed_at"],
            },
            person=contact,
        ), problems

    def build(self, candidate) -> Ticket:
        client = candidate.values["client"]
        ticket = Ticket(
            reference=candidate.reference,
            contact=self.participant(candidate.person, organisation=client),
            **candidate.values,
        )
        self.session.add(ticket)
        self.note(ticket, candidate)
        return ticket


# --- the whole file ---------------------------------------------------------------------

KINDS = {
    "complaints": (rules.COMPLAINT_LAYOUT, ComplaintRows, "complaint"),
    "tickets": (rules.TICKET_LAYOUT, TicketRows, "ticket"),
}


def find_actor(session, username: str | None, screen: str) -> User | None:
    """The account the import acts for: it must exist, be active and may create the cases."""
    if username is None:
        return None
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ImportRefused(f"There is no user called {username}.")
    if not user.active:
        raise ImportRefused(f"The account {username} is switched off.")
    if not permissions.allowed(user.capacity_codes, screen, "create"):
        raise ImportRefused(
            f"{username} may not register {screen}s: the account needs a capacity that "
            f"creates them (see the permission table)."
        )
    return user


def import_register(
    noun: str,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    skip_rejected: bool = False,
    acting_username: str | None = None,
    now: datetime | None = None,
    progress: Progress = _no_progress,
    batch_size: int | None = None,
) -> ImportReport:
    """Check every row of a register file, then create the accepted ones in one transaction.

    Saves nothing when a row is refused (unless `skip_rejected`), on a dry run, or when
    saving fails; the report says which. Raises ImportRefused before reading the file when
    the acting account cannot import.
    """
    layout, checker_class, screen = KINDS[noun]
    session = db.session
    now = now or utcnow()
    report = ImportReport(noun, file_name, dry_run=dry_run, skip_rejected=skip_rejected)
    try:
        actor = find_actor(session, acting_username, screen)
        table = rules.read_table(data, layout)
        report.rows_read = table.rows_read
        report.problems.extend(table.problems)
        if not table.readable:
            return report
        checker = checker_class(session, layout, actor, now, file_name)
        checker.prepare(table.rows)
        candidates = []
        # Each row read is let go once checked: the file is held once, as rows or as
        # candidates, not twice.
        read, table.rows = table.rows, []
        with progress("Checking rows", _letting_go(read), len(read)) as rows:
            for row, values in rows:
                candidate, problems = checker.check(row, values)
                report.problems.extend(problems)
                if candidate is not None:
                    candidates.append(candidate)
        del read
        report.problems.sort(key=lambda p: p.row)
        if (report.rejected_rows and not skip_rejected) or not candidates:
            return report
        # Reference numbers follow the order of receipt, whatever the file's order.
        candidates.sort(key=lambda c: (c.instant, c.row))
        _create(session, checker, candidates, actor, report, progress, batch_size or BATCH_SIZE)
        if report.failure is None:
            if dry_run:
                session.rollback()
            else:
                session.commit()
                report.saved = True
        return report
    finally:
        if not report.saved:
            session.rollback()


def _letting_go(rows: list):
    """The rows in order, each dropped from the list as it is handed out."""
    for index in range(len(rows)):
        item, rows[index] = rows[index], None
        yield item


def _number(session, candidates) -> None:
    """Reference numbers for the whole file, a block per prefix and year, in receipt order.

    The same counter a form's save increments (the flush hook numbers a case that has none),
    taken once per block instead of once per case.
    """
    blocks: dict[tuple[str, int], list[Candidate]] = {}
    for candidate in candidates:
        blocks.setdefault(candidate.numbering, []).append(candidate)
    for (prefix, year), block in sorted(blocks.items()):
        numbers = references.allocate_block(session, prefix, year, len(block))
        for candidate, reference in zip(block, numbers, strict=True):
            candidate.reference = reference


def _create(session, checker, candidates, actor, report, progress, batch_size):
    batch = []
    try:
        _number(session, candidates)
        with (
            acting_as(session, actor),
            correspondence.bringing_in_past_cases(session),
            session.no_autoflush,
            progress("Importing", candidates, len(candidates)) as items,
        ):
            for candidate in items:
                batch.append((candidate.row, checker.build(candidate)))
                # Built: what the row holds is in the record now (and gone with it once
                # flushed), not kept for the whole file.
                candidate.values = candidate.person = None
                if len(batch) >= batch_size:
                    _flush(session, batch, report)
                    checker.flushed()
                    batch = []
            _flush(session, batch, report)
    except RuleViolation as error:
        session.rollback()
        rows = [row for row, _ in batch]
        where = f"rows {min(rows)} to {max(rows)}" if len(rows) > 1 else f"row {rows[0]}"
        report.imported = []
        report.failure = f"Saving {where} was refused, so nothing was imported: {error}"


def _flush(session, batch, report):
    if not batch:
        return
    session.flush()
    report.imported.extend((row, record.reference) for row, record in batch)
