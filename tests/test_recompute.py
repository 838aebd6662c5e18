"""A calendar change recomputes its open cases in bulk: each gets exactly the due instants
that saving it on its own would give, and one history entry naming what moved. Closed
cases and cases on other calendars are not touched."""

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import bindparam, select, update

import services.clocks
from models import (
    Closure,
    Complaint,
    Extension,
    HistoryEntry,
    InternalReview,
    Participant,
    Ticket,
    db,
)
from models.base import instant_reader, instant_writer, raw_instant
from rules import deadlines as rules

BRISBANE = ZoneInfo("Australia/Brisbane")
MELBOURNE = ZoneInfo("Australia/Melbourne")


def brisbane(*args):
    return datetime(*args, tzinfo=BRISBANE)


def at(instant):
    return instant.astimezone(timezone.utc)


def recompute_entries(case):
    return db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.record_type == type(case).__name__,
            HistoryEntry.record_id == case.id,
            HistoryEntry.action == "recompute",
        )
    ).all()


def dues_of(case):
    fields = services.clocks.DUE_FIELDS[services.clocks.CASE_TYPES[type(case)]]
    values = {name: getattr(case, name) for name in fields}
    if hasattr(case, "next_due_at"):
        values["next_due_at"] = case.next_due_at
    return values


def test_a_closure_gives_each_open_case_the_due_instants_its_own_save_would(make):
    qld = make.division()
    vic = make.division(calendar_code="AU-VIC")
    standard = make.complaint(
        division=qld, received_at=brisbane(2026, 3, 9, 9), classification="standard"
    )
    informal = make.complaint(
        division=qld,
        received_at=brisbane(2026, 3, 10, 15),
        classification="informal",
        human_rights=True,
    )
    unclassified = make.complaint(division=qld, received_at=brisbane(2026, 3, 11, 10))
    compliment = make.complaint(
        division=qld, kind="compliment", received_at=brisbane(2026, 3, 12, 10)
    )
    acknowledged = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    acknowledged.registered_at = at(brisbane(2026, 3, 9, 11))
    acknowledged.acknowledged_at = at(brisbane(2026, 3, 10, 11))
    acknowledged.status = "acknowledged"
    extended = make.complaint(
        division=qld, received_at=brisbane(2026, 3, 2, 9), classification="complex"
    )
    db.session.add(
        Extension(
            complaint=extended,
            new_due_at=at(brisbane(2026, 5, 29, 17)),
            reason="Three business areas involved",
            approved_by=make.user("director", "coordinator", level="SES1").participant,
            approved_at=at(brisbane(2026, 3, 6, 10)),
        )
    )
    # Waited a day on the complainant, then resumed: the pause is recorded and counts.
    resumed = make.complaint(
        division=qld, received_at=brisbane(2026, 3, 9, 9), classification="standard"
    )
    with time_machine.travel(brisbane(2026, 3, 10, 9), tick=False):
        resumed.status = "awaiting_complainant"
        waiting = make.complaint(
            division=qld, received_at=brisbane(2026, 3, 9, 9), status="awaiting_complainant"
        )
        db.session.commit()
    with time_machine.travel(brisbane(2026, 3, 11, 9), tick=False):
        resumed.status = "investigation"
        db.session.commit()
    client = Participant(
        kind="client_organisation",
        organisation_name="Sunshine RTO",
        calendar=make.calendar("AU-QLD"),
    )
    ticket = Ticket(
        severity="2", summary="Reports slow", client=client, reported_at=brisbane(2026, 3, 13, 16)
    )
    review = InternalReview(
        complaint=make.complaint(division=qld, received_at=brisbane(2026, 1, 5, 9)),
        requested_at=brisbane(2026, 3, 12, 9),
    )
    db.session.add_all([ticket, review])
    # Left alone: a closed complaint, one on another calendar, a ticket on the help desk's.
    closed = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9), status="closed")
    elsewhere = make.complaint(division=vic, received_at=brisbane(2026, 3, 9, 9))
    help_desk = Ticket(
        severity="2",
        summary="Login fails",
        client=Participant(kind="client_organisation", organisation_name="Acme Training"),
        reported_at=datetime(2026, 3, 13, 16, tzinfo=MELBOURNE),
    )
    db.session.add(help_desk)
    db.session.commit()

    moving = [
        standard,
        informal,
        unclassified,
        compliment,
        acknowledged,
        resumed,
        waiting,
        ticket,
        review,
    ]
    untouched = [closed, elsewhere, help_desk]
    before = {case: dues_of(case) for case in moving + untouched}
    versions = {case: case.version for case in untouched}

    calendar = make.calendar("AU-QLD")
    calendar.closures.append(
        Closure(name="Office move", starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 20))
    )
    db.session.commit()

    clocks = services.clocks.Clocks(db.session)
    for case in moving + untouched:
        db.session.refresh(case)
    db.session.refresh(extended)
    # A closed case keeps its recorded outcome; every other one is as its own save makes it.
    for case in moving + [extended, elsewhere, help_desk]:
        deadlines = services.clocks.deadlines_of(case, clocks)
        for deadline in deadlines:
            assert getattr(case, deadline.field) == deadline.due, (case, deadline.field)
        if hasattr(case, "next_due_at"):
            expected = rules.next_due(
                deadlines, paused=case.paused_since is not None, closed=False
            )
            assert case.next_due_at == expected, case
    for case in moving:
        after = dues_of(case)
        moved = {
            name: [old, after[name]] for name, old in before[case].items() if old != after[name]
        }
        assert moved, case  # the closure lands on every one of these cases' open clocks
        (entry,) = recompute_entries(case)
        assert "calendar AU-QLD" in entry.summary
        assert json.loads(entry.changes) == {
            name: [old.isoformat() if old else None, new.isoformat() if new else None]
            for name, (old, new) in moved.items()
        }
    # Met and extended: kept as recorded.
    assert acknowledged.registration_due_at == before[acknowledged]["registration_due_at"]
    assert acknowledged.acknowledgement_due_at == before[acknowledged]["acknowledgement_due_at"]
    assert extended.resolution_due_at == at(brisbane(2026, 5, 29, 17))
    assert waiting.next_due_at is None
    for case in untouched:
        assert dues_of(case) == before[case]
        assert case.version == versions[case]
        assert not recompute_entries(case)


def test_bulk_reads_and_writes_instants_exactly_as_the_column_type_does(make):
    complaint = make.complaint(received_at=datetime(2026, 3, 2, 9, 5, 7, 123456, tzinfo=BRISBANE))
    table = Complaint.__table__
    dialect = db.session.get_bind().dialect
    row = db.session.execute(
        select(raw_instant(table.c.received_at)).where(table.c.id == complaint.id)
    ).one()
    (read,) = instant_reader(dialect, [0])(row)
    assert read == complaint.received_at and read.tzinfo is timezone.utc

    # The same instant saved through the column type and written raw: stored alike.
    moment = datetime(2026, 4, 1, 17, 0, 0, 1, tzinfo=MELBOURNE)
    complaint.registered_at = moment
    db.session.commit()
    bind_type, store = instant_writer(dialect)
    db.session.execute(
        update(table)
        .where(table.c.id == complaint.id)
        .values(closed_at=bindparam("closed_at", store(moment), type_=bind_type))
    )
    db.session.commit()
    assert db.session.get(Complaint, complaint.id).closed_at == moment
    stored = db.session.execute(
        select(raw_instant(table.c.registered_at), raw_instant(table.c.closed_at))
    ).one()
    assert stored[0] == stored[1]


def test_a_change_within_one_transaction_times_the_cases_saved_after_it(make):
    """The clocks a transaction reads once (Clocks.of) are read again after a calendar or
    target changes in that transaction, and after a rollback undoes such a change."""
    from models import SlaTarget

    qld = make.division()
    first = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    due_before = first.registration_due_at
    shared = services.clocks.Clocks.of(db.session)
    assert services.clocks.Clocks.of(db.session) is shared  # one read per transaction

    target = db.session.scalars(
        select(SlaTarget).where(SlaTarget.key == "complaint.registration.complaint")
    ).one()
    target.amount += 5
    # Saved in the same transaction, after the change: timed by the changed target.
    second = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9), commit=False)
    db.session.flush()
    assert services.clocks.Clocks.of(db.session) is not shared
    assert second.registration_due_at > due_before

    db.session.rollback()  # the change is undone: so are the clocks read after it
    third = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    assert third.registration_due_at == due_before


def another_server_lengthens_the_registration_target():
    """Another app server changes an SLA target through its own session."""
    from sqlalchemy.orm import Session

    from models import SlaTarget

    with Session(db.engine) as other:
        target = other.scalars(
            select(SlaTarget).where(SlaTarget.key == "complaint.registration.complaint")
        ).one()
        target.amount += 5
        other.commit()


def test_each_process_keeps_the_configuration_while_its_stamp_is_unchanged(app, make):
    """What Clocks loads is kept by stamp (services/clocks/engines.py): a second read in a
    new transaction costs one statement, and a change saved through the ORM by another
    session (another app server) gives a new stamp, so every process reads it again."""

    from models import ConfigurationStamp
    from tests.statements import statements_run

    qld = make.division()
    first = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    due_before = first.registration_due_at
    db.session.commit()
    calendar_id = qld.calendar_id
    db.session.commit()

    with statements_run() as seen:
        clocks = services.clocks.Clocks.of(db.session)
        clocks.targets(calendar_id)
    assert len(seen) == 1 and "configuration_stamp" in seen[0][0], seen
    db.session.commit()

    stamp = db.session.scalar(select(ConfigurationStamp.stamp))
    another_server_lengthens_the_registration_target()
    assert db.session.scalar(select(ConfigurationStamp.stamp)) != stamp
    second = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    assert second.registration_due_at > due_before


def test_a_request_reads_the_stamp_with_the_account_and_sees_another_servers_change(
    make, auth, client
):
    """Every signed-in request reads the configuration stamp in the statement that loads
    the account (views/auth.py), not in one of its own; a target changed by another
    server is still used by the next save through the admin form."""

    from models import Complaint
    from tests.admin_forms import form_values
    from tests.statements import statements_run

    qld = make.division()
    make.user("coord", "coordinator", division=qld)
    auth.login("coord")
    url = "/admin/complaint/new/"
    received = {"division": str(qld.id), "description": "Waited"}

    def register(summary):
        data = form_values(client.get(url).get_data(as_text=True))
        data.update(received, summary=summary)
        assert client.post(url, data=data).status_code == 302
        return db.session.scalar(select(Complaint).where(Complaint.summary == summary))

    before = register("Before the change")
    db.session.close()
    with statements_run() as seen:
        assert client.get("/admin/complaint/").status_code == 200
    stamps = [statement for statement, _ in seen if "configuration_stamp" in statement]
    assert stamps and all("user_account" in statement for statement in stamps), stamps
    another_server_lengthens_the_registration_target()
    db.session.close()
    after = register("After the change")
    taken = lambda case: case.registration_due_at - case.received_at  # noqa: E731
    assert taken(after) > taken(before)


def test_a_change_to_some_days_reads_only_the_cases_due_on_or_after_them_and_misses_none(make):
    """A closure or worked holiday added, moved or removed can move only the due instants on
    or after its first day (the count that reached an earlier one never met it): the flush
    reads only those cases, and recomputing every open case afterwards finds nothing left
    to change, whichever days the change covers."""
    from models import WorkedHoliday
    from services.clocks import bulk_recompute

    qld = make.division()
    cases = [
        make.complaint(
            division=qld,
            received_at=brisbane(2026, month, day, 10),
            classification="standard" if day % 2 else "informal",
            commit=False,
        )
        for month in (2, 3, 4, 6, 9)
        for day in (2, 9, 17, 24)
    ]
    db.session.commit()
    calendar = make.calendar("AU-QLD")
    clocks = services.clocks.Clocks(db.session)

    def reached(day):
        condition = bulk_recompute._affected(
            Complaint, clocks, {calendar.id}, set(), {calendar.id: day}
        )
        query = bulk_recompute._case_query(Complaint, "complaint").where(condition)
        return set(db.session.scalars(query.with_only_columns(Complaint.id)))

    everything = reached(None)
    assert everything == {case.id for case in cases}
    # A closure from 7 October: only the cases whose resolution is due from then on (the
    # latest due instant of a case) can move: two of the September cases.
    late = reached(date(2026, 10, 7))
    assert late == {
        case.id for case in cases if case.resolution_due_at >= at(brisbane(2026, 10, 7, 0))
    }
    assert len(late) == 2
    assert reached(date(2027, 6, 1)) == set()

    def nothing_left():
        db.session.expire_all()
        assert services.clocks.recompute(db.session, [calendar.id]) == 0

    shutdown = Closure(name="Move", starts_on=date(2026, 4, 20), ends_on=date(2026, 4, 22))
    calendar.closures.append(shutdown)
    db.session.commit()
    nothing_left()
    shutdown.starts_on, shutdown.ends_on = date(2026, 6, 8), date(2026, 6, 12)  # moved
    db.session.commit()
    nothing_left()
    afternoon = Closure(
        name="Training",
        starts_on=date(2026, 9, 18),
        ends_on=date(2026, 9, 18),
        from_time=datetime(2026, 1, 1, 13).time(),
    )
    calendar.closures.append(afternoon)
    calendar.worked_holidays.append(WorkedHoliday(day=date(2026, 6, 8)))  # King's Birthday
    db.session.commit()
    nothing_left()
    db.session.delete(shutdown)
    db.session.commit()
    nothing_left()
    # A later case saved on its own agrees with the recompute's figures.
    for case in cases:
        for deadline in services.clocks.deadlines_of(case, services.clocks.Clocks(db.session)):
            assert getattr(case, deadline.field) == deadline.due, (case.id, deadline.field)


def test_renaming_a_calendar_moves_no_due_instant_and_its_zone_moves_every_open_one(make):
    qld = make.division()
    case = make.complaint(division=qld, received_at=brisbane(2026, 3, 9, 9))
    calendar = make.calendar("AU-QLD")
    calendar.name = "Queensland offices"
    db.session.commit()
    assert not recompute_entries(case)
    due = case.resolution_due_at
    calendar.timezone = "Australia/Perth"
    db.session.commit()
    db.session.refresh(case)
    assert case.resolution_due_at == due + (
        at(brisbane(2026, 3, 9, 11)) - at(brisbane(2026, 3, 9, 9))
    )
    assert len(recompute_entries(case)) == 1
