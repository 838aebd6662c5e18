"""`flask import complaints|tickets FILE.csv`: a legacy register, all or nothing."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import (
    Calendar,
    Capacity,
    Category,
    Complaint,
    Division,
    HistoryEntry,
    Participant,
    ReferenceCounter,
    Ticket,
    User,
    db,
)
from rules import duties
from rules import imports as rules
from rules.clock import Unit
from services.clocks import business_calendar
from services.imports import register as service

EXAMPLES = Path(__file__).resolve().parent.parent / "seed" / "examples"
COMPLAINT_HEADER = rules.COMPLAINT_LAYOUT.names
TICKET_HEADER = rules.TICKET_LAYOUT.names
BRISBANE = ZoneInfo("Australia/Brisbane")


# --- the world the example files name (the demo department's codes and usernames) ------


@pytest.fixture
def world(app, make):
    qld = make.calendar("AU-QLD")
    customer_services = Division(code="CS", name="Customer Services", calendar=qld)
    regional = Division(code="RO", name="Regional Operations", calendar=qld)
    db.session.add_all([customer_services, regional])
    db.session.flush()
    for username, capacity, level in (
        ("admin", "administrator", "AO6"),
        ("coordinator", "coordinator", "AO6"),
        ("manager", "complaint_manager", "AO6"),
        ("decider", "decision_maker", "AO8"),
        ("junior", "decision_maker", "AO4"),
        ("agent", "support_agent", "AO4"),
    ):
        person = make.staff(family_name=username.title(), level=level, division=customer_services)
        # Nobody signs in here: skip hashing a password per account.
        account = User(username=username, participant=person, active=True, password_hash="!")
        account.capacities = [db.session.scalar(select(Capacity).filter_by(code=capacity))]
        db.session.add(account)
    db.session.add_all(
        [
            Participant(
                kind="client_organisation",
                organisation_name="Brigalow Shire Council",
                calendar=qld,
            ),
            Participant(kind="client_organisation", organisation_name="Yarra Learning Partners"),
            Participant(kind="client_organisation", organisation_name="Riverina Freight Pty Ltd"),
        ]
    )
    db.session.commit()
    return make


def counts():
    """Everything an import could write."""
    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Complaint, Ticket, Participant, HistoryEntry, ReferenceCounter)
    } | {
        "numbers": db.session.scalar(
            select(func.coalesce(func.sum(ReferenceCounter.last_value), 0))
        )
    }


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header] if isinstance(row, dict) else row)
    return out.getvalue().encode()


def good_complaint(n, **values):
    row = {
        "legacy_reference": f"OLD-{n}",
        "received_at": f"{n:02d}/03/2025 09:00",
        "division": "CS",
        "status": "Registered",
        "channel": "Telephone",
        "category": "timeliness",
        "summary": f"Legacy complaint {n}",
        "complainant_name": f"Person {n}",
        "complainant_email": f"person{n}@example.com",
    }
    row.update(values)
    return row


def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(runner, *args):
    return runner.invoke(args=["import", *args])


def references(model=Complaint):
    db.session.expire_all()
    return sorted(db.session.scalars(select(model.reference)))


# --- the example files ------------------------------------------------------------------


def test_the_example_registers_import_with_references_due_dates_and_history(world, runner):
    result = run(runner, "complaints", str(EXAMPLES / "legacy-complaints.csv"), "--as", "admin")
    assert result.exit_code == 0, result.output
    assert "Imported 5 complaints" in result.output
    assert references() == [
        "CMP-2025-000001",
        "CTS-2025-000001",
        "CTS-2025-000002",
        "CTS-2025-000003",
        "SUG-2025-000001",
    ]
    # References follow receipt: the earliest complaint has the first number.
    first = db.session.scalar(select(Complaint).filter_by(reference="CTS-2025-000001"))
    assert "Legacy reference: CR-2025-0141" in first.description
    assert first.status == "closed"
    assert first.received_at == datetime(2025, 3, 3, 9, 15, tzinfo=BRISBANE)
    assert first.decided_at == first.finalised_at == datetime(2025, 3, 28, 15, tzinfo=BRISBANE)
    assert first.outcome.code == "partly_upheld"
    assert first.manager.family_name == "Manager"
    assert first.complainant.email == "ruth.okafor@example.com"

    # Due dates are the clock's, as a form's save would give them.
    engine = business_calendar(db.session.scalar(select(Calendar).filter_by(code="AU-QLD")))
    for complaint in db.session.scalars(select(Complaint)):
        days = 2 if complaint.kind == "complaint" else 5
        assert complaint.registration_due_at == engine.due(
            complaint.received_at, days, Unit.BUSINESS_DAYS
        )
    assert first.resolution_due_at == engine.due(first.received_at, 20, Unit.BUSINESS_DAYS)
    open_one = db.session.scalar(select(Complaint).filter_by(reference="CTS-2025-000002"))
    assert open_one.next_due_at is not None and open_one.confidential and open_one.human_rights

    # The same complainant (by email) is one person; the history names file, row and account.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Participant)
            .filter_by(email="ruth.okafor@example.com")
        )
        == 1
    )
    admin = db.session.scalar(select(User).filter_by(username="admin"))
    entry = db.session.scalar(
        select(HistoryEntry).filter_by(
            record_type="Complaint", record_id=first.id, action="import"
        )
    )
    assert entry.user_id == admin.id
    assert "legacy-complaints.csv, row 2" in entry.summary
    assert json.loads(entry.changes)["legacy_reference"] == [None, "CR-2025-0141"]

    result = run(runner, "tickets", str(EXAMPLES / "legacy-tickets.csv"), "--as", "agent")
    assert result.exit_code == 0, result.output
    assert references(Ticket) == ["TKT-2025-000001", "TKT-2025-000002", "TKT-2025-000003"]
    outage = db.session.scalar(select(Ticket).filter_by(reference="TKT-2025-000002"))
    assert outage.severity == "1" and outage.status == "in_progress"
    assert outage.client.organisation_name == "Yarra Learning Partners"
    vic = business_calendar(db.session.scalar(select(Calendar).filter_by(code="AU-VIC")))
    assert outage.resolution_due_at == vic.due(outage.reported_at, 6, Unit.BUSINESS_HOURS)
    assert outage.contact.organisation is outage.client


# --- every kind of bad row -------------------------------------------------------------


def test_every_kind_of_bad_row_is_reported_and_nothing_is_saved(world, runner, tmp_path):
    future = (datetime.now(BRISBANE) + timedelta(days=3)).strftime("%d/%m/%Y")
    rows = [
        good_complaint(1),
        good_complaint(2, status="Investigation", manager="manager", decision_maker="decider"),
        good_complaint(3, summary=""),  # 4: missing required value
        good_complaint(4, division="XX"),  # 5
        good_complaint(5, channel="Carrier pigeon"),  # 6
        good_complaint(6, category="Weather"),  # 7
        good_complaint(7, status="Pending"),  # 8
        good_complaint(8, received_at="31/02/2025"),  # 9: no such date
        good_complaint(9, received_at=future),  # 10
        good_complaint(10, status="Investigation", manager="nobody", decision_maker="decider"),
        good_complaint(11, status="Investigation", manager="manager", decision_maker="junior"),
        good_complaint(1),  # 13: the same legacy reference as row 2
        good_complaint(12, summary="x" * 201),  # 14
        good_complaint(13, status="Finalised", manager="manager", decision_maker="decider"),
        good_complaint(14, classification="urgent"),  # 16
        good_complaint(15, complainant_email="not-an-address"),  # 17
        good_complaint(16, status="Closed", closed_at="01/02/2025 10:00"),  # 18
        good_complaint(17, received_at="05/10/2025 02:30", division="DS"),  # 19
        good_complaint(18, status="Internal review"),  # 20
        good_complaint(19, kind="compliment", status="Investigation"),  # 21
        good_complaint(20, confidential="perhaps"),  # 22
    ]
    data = csv_bytes(COMPLAINT_HEADER, rows)
    # 23: wrong column count; 24: malformed quoting; 25: a good row again; 26: never closed.
    data += b"OLD-90,complaint,01/03/2025\n"
    data += b'OLD-91,complaint,01/03/2025,CS,Registered,,,,"Bad "quote" here,,,,,,,,,,,,,,,,,\n'
    data += csv_bytes(COMPLAINT_HEADER, [good_complaint(25, legacy_reference="OLD-92")]).split(
        b"\n", 1
    )[1]
    data += b'OLD-93,complaint,02/03/2025,CS,Registered,,,,"Never closed,,,\nOLD-94,x\n'
    vic = Division(code="DS", name="Digital Services", calendar=world.calendar("AU-VIC"))
    db.session.add(vic)
    db.session.commit()
    before = counts()

    report_file = tmp_path / "refused.csv"
    result = run(
        runner,
        "complaints",
        write(tmp_path, "register.csv", data),
        "--as",
        "admin",
        "--report",
        str(report_file),
    )
    assert result.exit_code == 1, result.output
    assert counts() == before
    assert "Nothing was imported: 22 of 25 rows were refused" in result.output
    assert "--skip-rejected to import the 3 good rows only" in result.output

    expected = [
        (4, "summary", "A value is required in summary."),
        (5, "division", "There is no division “XX”"),
        (6, "channel", "There is no channel “Carrier pigeon”"),
        (7, "category", "There is no category “Weather”"),
        (8, "status", "There is no status “Pending”"),
        (9, "received_at", "Not a date"),
        (10, "received_at", "The date is in the future."),
        (11, "manager", "No staff member has the username or email address “nobody”"),
        (12, "decision_maker", "The decision maker must rank above the complaint manager"),
        (13, "legacy_reference", "Row 2 has the same legacy reference"),
        (14, "summary", "At most 200 characters (this one has 201)."),
        (15, "outcome", "A finalised complaint needs its outcome."),
        (15, "finalised_at", "needs the instant the response was given"),
        (16, "classification", "There is no classification “urgent”"),
        (17, "complainant_email", "Not an email address."),
        (18, "closed_at", "It is earlier than received_at."),
        (19, "received_at", "does not exist in Australia/Melbourne"),
        (20, "status", "cannot be imported: import it as Finalised"),
        (21, "status", "A compliment is recorded and passed on, never investigation"),
        (22, "confidential", "Write yes or no."),
        (23, "", "The row has 3 values but the header has 27 columns"),
        (24, "", "The quoting is malformed"),
        (26, "", "A double quote opened on this row is never closed"),
    ]
    for row, column, words in expected:
        assert any(
            line.startswith(f"Row {row}")
            and (not column or f", {column}" in line)
            and words in line
            for line in result.output.splitlines()
        ), (row, column, words, result.output)

    with report_file.open(encoding="utf-8-sig") as file:
        reported = list(csv.DictReader(file))
    assert {int(r["row"]) for r in reported} == {row for row, _, _ in expected}
    assert all(r["reason"] for r in reported)


def test_a_header_with_unknown_or_missing_columns_is_refused(world, runner, tmp_path):
    before = counts()
    header = [name for name in COMPLAINT_HEADER if name != "received_at"] + ["colour"]
    result = run(
        runner,
        "complaints",
        write(tmp_path, "bad-header.csv", csv_bytes(header, [good_complaint(1)])),
    )
    assert result.exit_code == 1
    assert "Row 1, colour “colour”: Unknown column “colour”" in result.output
    assert "The header lacks the required column received_at." in result.output
    assert "cannot be read as a complaints register" in result.output
    assert counts() == before


def test_semicolons_are_named_and_an_unnamed_empty_column_is_ignored(world, runner, tmp_path):
    text = csv_bytes(COMPLAINT_HEADER, [good_complaint(1)]).decode()
    result = run(
        runner, "complaints", write(tmp_path, "semi.csv", text.replace(",", ";").encode())
    )
    assert result.exit_code == 1
    assert "The columns are separated by semicolons" in result.output

    header, row = text.splitlines()
    stray = f"{header},\n{row},\n{row.replace('OLD-1', 'OLD-2')},oops\n"
    result = run(runner, "complaints", write(tmp_path, "trailing.csv", stray.encode()))
    assert result.exit_code == 1
    assert "Row 3 “oops”: A value is in a column with no name in the header" in result.output
    result = run(
        runner, "complaints", write(tmp_path, "trailing.csv", stray.encode()), "--skip-rejected"
    )
    assert result.exit_code == 0, result.output
    assert references() == ["CTS-2025-000001"]


def test_a_file_that_is_not_utf8_is_refused_and_a_bom_is_accepted(world, runner, tmp_path):
    before = counts()
    text = csv_bytes(COMPLAINT_HEADER, [good_complaint(1, summary="Café counter")]).decode()
    result = run(runner, "complaints", write(tmp_path, "latin1.csv", text.encode("latin-1")))
    assert result.exit_code == 1
    assert "The file is not UTF-8 text (byte 0xE9 on line 2). In Excel" in result.output
    assert counts() == before

    result = run(
        runner, "complaints", write(tmp_path, "excel.csv", b"\xef\xbb\xbf" + text.encode())
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Complaint.summary)) == "Café counter"


# --- all or nothing --------------------------------------------------------------------


def test_a_dry_run_checks_everything_and_changes_nothing(world, runner, tmp_path):
    path = write(
        tmp_path,
        "good.csv",
        csv_bytes(COMPLAINT_HEADER, [good_complaint(n) for n in (3, 1, 2)]),
    )
    before = counts()
    result = run(runner, "complaints", path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 3 complaints would be imported (CTS-2025-000001 to CTS-2025-000003)" in (
        result.output
    )
    assert "Nothing was saved." in result.output
    assert counts() == before

    result = run(runner, "complaints", path)
    assert result.exit_code == 0, result.output
    assert references() == ["CTS-2025-000001", "CTS-2025-000002", "CTS-2025-000003"]
    # Numbers follow receipt, not the file's order.
    first = db.session.scalar(select(Complaint).filter_by(reference="CTS-2025-000001"))
    assert first.description.endswith("Legacy reference: OLD-1")
    entry = db.session.scalar(select(HistoryEntry).filter_by(action="import").limit(1))
    assert entry.user_id is None  # no --as: the history says "The system"


def test_a_dry_run_also_runs_the_rules_applied_on_save(world, runner, tmp_path, monkeypatch):
    """A rule the row checks missed is still caught by the flush, and nothing is kept."""
    # The row checks see no problem; the flush hook (rules.duties itself) still judges.
    monkeypatch.setattr(
        service,
        "duty_rules",
        SimpleNamespace(Assignment=duties.Assignment, check_complaint=lambda assignment: []),
    )
    rows = [
        good_complaint(1),
        good_complaint(2, status="Investigation", manager="manager", decision_maker="junior"),
    ]
    path = write(tmp_path, "sod.csv", csv_bytes(COMPLAINT_HEADER, rows))
    before = counts()
    for extra in (["--dry-run"], []):
        result = run(runner, "complaints", path, *extra)
        assert result.exit_code == 1, result.output
        assert "was refused, so nothing was imported" in result.output
        assert "The decision maker must rank above the complaint manager" in result.output
        assert counts() == before


def test_skip_rejected_imports_the_good_rows_in_one_go(world, runner, tmp_path):
    rows = [
        good_complaint(1),
        good_complaint(2, division="XX"),
        good_complaint(3, received_at="yesterday-ish"),
        good_complaint(4),
        good_complaint(5),
    ]
    path = write(tmp_path, "mixed.csv", csv_bytes(COMPLAINT_HEADER, rows))
    result = run(runner, "complaints", path, "--skip-rejected")
    assert result.exit_code == 0, result.output
    assert "Imported 3 complaints" in result.output
    assert "2 refused rows were skipped." in result.output
    # Gap-free: the refused rows took no number.
    assert references() == ["CTS-2025-000001", "CTS-2025-000002", "CTS-2025-000003"]
    legacy = sorted(
        json.loads(c)["legacy_reference"][1]
        for c in db.session.scalars(select(HistoryEntry.changes).filter_by(action="import"))
    )
    assert legacy == ["OLD-1", "OLD-4", "OLD-5"]


def test_an_unexpected_failure_while_saving_rolls_everything_back(
    world, runner, tmp_path, monkeypatch
):
    built = []
    original = service.ComplaintRows.build

    def failing_build(self, candidate):
        if len(built) == 3:
            raise RuntimeError("the disk is full")
        built.append(candidate.row)
        return original(self, candidate)

    monkeypatch.setattr(service.ComplaintRows, "build", failing_build)
    monkeypatch.setattr(service, "BATCH_SIZE", 1)
    path = write(
        tmp_path, "four.csv", csv_bytes(COMPLAINT_HEADER, [good_complaint(n) for n in range(1, 5)])
    )
    before = counts()
    result = run(runner, "complaints", path)
    assert result.exit_code != 0
    assert "everything was rolled back: nothing was imported" in result.output
    assert counts() == before


def test_importing_the_same_file_again_is_refused_as_duplicates(world, runner, tmp_path):
    path = write(
        tmp_path, "once.csv", csv_bytes(COMPLAINT_HEADER, [good_complaint(n) for n in (1, 2)])
    )
    assert run(runner, "complaints", path).exit_code == 0
    before = counts()
    result = run(runner, "complaints", path, "--skip-rejected")
    assert result.exit_code == 1, result.output
    assert "Legacy reference OLD-1 was imported before as CTS-2025-000001" in result.output
    assert "Legacy reference OLD-2 was imported before as CTS-2025-000002" in result.output
    assert "Nothing to import" in result.output
    assert counts() == before


# --- who imports -----------------------------------------------------------------------


def test_the_importing_account_must_exist_and_may_register_the_cases(world, runner, tmp_path):
    path = write(tmp_path, "one.csv", csv_bytes(COMPLAINT_HEADER, [good_complaint(1)]))
    before = counts()
    result = run(runner, "complaints", path, "--as", "ghost")
    assert result.exit_code == 2
    assert "There is no user called ghost." in result.output
    result = run(runner, "complaints", path, "--as", "manager")
    assert result.exit_code == 2
    assert "manager may not register complaints" in result.output
    result = run(
        runner,
        "complaints",
        write(tmp_path, "ro.csv", csv_bytes(COMPLAINT_HEADER, [good_complaint(1, division="RO")])),
        "--as",
        "coordinator",
    )
    assert result.exit_code == 1
    assert "coordinator registers complaints for their own division only" in result.output
    assert counts() == before

    result = run(runner, "complaints", path, "--as", "coordinator")
    assert result.exit_code == 0, result.output
    complaint = db.session.scalar(select(Complaint))
    coordinator = db.session.scalar(select(User).filter_by(username="coordinator"))
    # The coordinator registering it is its coordinator, as on the form.
    assert complaint.coordinator_id == coordinator.participant_id
    assert {
        e.user_id
        for e in db.session.scalars(
            select(HistoryEntry).filter_by(record_type="Complaint", record_id=complaint.id)
        )
    } == {coordinator.id}


def test_an_inactive_lookup_is_refused_as_on_the_form(world, runner, tmp_path):
    category = db.session.scalar(select(Category).filter_by(code="fees"))
    category.active = False
    db.session.commit()
    path = write(
        tmp_path,
        "fees.csv",
        csv_bytes(COMPLAINT_HEADER, [good_complaint(1, category="Fees and charges")]),
    )
    result = run(runner, "complaints", path)
    assert result.exit_code == 1
    assert "The category Fees and charges is switched off" in result.output


# --- tickets ---------------------------------------------------------------------------


def good_ticket(n, **values):
    row = {
        "legacy_reference": f"SD-{n}",
        "reported_at": f"{n:02d}/03/2025 10:00",
        "client": "Brigalow Shire Council",
        "severity": "2",
        "status": "New",
        "summary": f"Legacy ticket {n}",
        "contact_name": "Dean Hollis",
        "contact_email": "d.hollis@example.org",
    }
    row.update(values)
    return row


def test_bad_ticket_rows_are_reported_and_nothing_is_saved(world, runner, tmp_path):
    rows = [
        good_ticket(1),
        good_ticket(2, client="Nobody Pty Ltd"),
        good_ticket(3, severity="4"),
        good_ticket(4, status="Resolved", first_response_at="04/03/2025 11:00"),
        good_ticket(5, agent="ghost"),
        good_ticket(6, status="New", closed_at="06/03/2025 12:00"),
        good_ticket(7, status="Responded", first_response_at="06/03/2025 09:00"),
        good_ticket(1),
    ]
    before = counts()
    result = run(runner, "tickets", write(tmp_path, "t.csv", csv_bytes(TICKET_HEADER, rows)))
    assert result.exit_code == 1, result.output
    assert counts() == before
    for words in (
        "Row 3, client “Nobody Pty Ltd”: There is no client organisation",
        "Row 4, severity “4”: There is no severity “4”",
        "Row 5, resolved_at: A ticket whose status is Resolved needs the instant of the "
        "resolution",
        "Row 6, agent “ghost”: No staff member",
        "Row 7, closed_at “06/03/2025 12:00”: A ticket whose status is New has not reached",
        "Row 8, first_response_at “06/03/2025 09:00”: It is earlier than reported_at.",
        "Row 9, legacy_reference “SD-1”: Row 2 has the same legacy reference",
    ):
        assert words in result.output, result.output

    result = run(
        runner,
        "tickets",
        write(tmp_path, "t.csv", csv_bytes(TICKET_HEADER, rows)),
        "--skip-rejected",
        "--as",
        "agent",
    )
    assert result.exit_code == 0, result.output
    assert references(Ticket) == ["TKT-2025-000001"]
    ticket = db.session.scalar(select(Ticket))
    assert ticket.contact.email == "d.hollis@example.org"
    assert ticket.first_response_due_at is not None


# --- the rules, without a database -------------------------------------------------------


NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-14T09:30", datetime(2025, 3, 14, 9, 30, tzinfo=BRISBANE)),
        ("2025-03-14T09:30+11:00", datetime(2025, 3, 13, 22, 30, tzinfo=UTC)),
        ("2025-03-14T09:30Z", datetime(2025, 3, 14, 9, 30, tzinfo=UTC)),
        ("14/03/2025 09:30", datetime(2025, 3, 14, 9, 30, tzinfo=BRISBANE)),
        ("14/03/2025 9:30 pm", datetime(2025, 3, 14, 21, 30, tzinfo=BRISBANE)),
        ("14/03/2025", datetime(2025, 3, 14, tzinfo=BRISBANE)),
        ("2025-03-14", datetime(2025, 3, 14, tzinfo=BRISBANE)),
    ],
)
def test_instants_are_read_as_local_time_unless_they_carry_an_offset(text, expected):
    assert rules.parse_instant(text, BRISBANE, NOW) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("03/14/2025", "Not a date"),
        ("tomorrow", "Not a date"),
        ("2026-02-01", "in the future"),
    ],
)
def test_an_instant_that_cannot_be_read_says_why(text, words):
    with pytest.raises(ValueError, match=words):
        rules.parse_instant(text, BRISBANE, NOW)


def test_a_date_alone_on_the_day_of_the_instant_it_follows_is_that_instant():
    received = datetime(2025, 4, 14, 3, 40, tzinfo=UTC)
    instants = {"received_at": received, "registered_at": datetime(2025, 4, 13, 14, tzinfo=UTC)}
    assert (
        rules.order_problems(instants, rules.COMPLAINT_ORDER, frozenset({"registered_at"})) == []
    )
    assert instants["registered_at"] == received
    instants["registered_at"] = datetime(2025, 4, 12, 14, tzinfo=UTC)
    assert rules.order_problems(instants, rules.COMPLAINT_ORDER, frozenset({"registered_at"})) == [
        ("registered_at", "It is earlier than received_at.")
    ]


# --- letters: an imported case is written to as a form's would be, unless it is history --


def test_old_imported_cases_write_to_nobody_and_a_recent_one_gets_its_registration_email(
    world, runner, tmp_path
):
    from models import OutboundMessage

    local = datetime.now(BRISBANE) - timedelta(days=1)
    recent = local.strftime("%d/%m/%Y %H:%M")
    rows = [
        # Received in the old register a year ago and never registered: history, not news.
        good_complaint(1, status="Received", received_at="01/03/2025 09:00"),
        good_complaint(2, status="Registered", received_at="02/03/2025 09:00"),
        good_complaint(3, status="Received", received_at=recent),
    ]
    path = write(tmp_path, "letters.csv", csv_bytes(COMPLAINT_HEADER, rows))
    result = run(runner, "complaints", path, "--as", "admin")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    letters = db.session.scalars(select(OutboundMessage)).all()
    assert [(m.template_key, m.recipient_address) for m in letters] == [
        ("complaint_registered", "person3@example.com")
    ]


def test_the_file_is_split_into_lines_as_a_text_stream_would_split_it():
    # CRLF, CR and LF end a line (a quoted value may hold them); other separators do not.
    import random

    rng = random.Random(7)
    alphabet = ["a", ",", '"', "\r", "\n", "\r\n", "\u2028", "\x0c", "é", " "]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert list(rules._lines(text)) == list(io.StringIO(text, newline="")), repr(text)
