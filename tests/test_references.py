"""Reference numbers: unique and gap-free per kind and year, given in the registering
transaction, so a registration that is rolled back gives its number back."""

import threading
import time
from datetime import UTC, datetime

import pytest

from app import create_app
from models import Complaint, Division, Participant, ReferenceCounter, Ticket, db

MARCH_2026 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JUNE_2025 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_complaints_are_numbered_consecutively_from_one(app, make):
    division = make.division()
    first = make.complaint(division=division)
    second = make.complaint(division=division)
    assert [first.reference, second.reference] == ["CTS-2026-000001", "CTS-2026-000002"]


def test_complaints_compliments_and_suggestions_have_their_own_sequences(app, make):
    division = make.division()
    references = [
        make.complaint(division=division, kind=kind).reference
        for kind in ("complaint", "compliment", "suggestion", "complaint", "suggestion")
    ]
    assert references == [
        "CTS-2026-000001",
        "CMP-2026-000001",
        "SUG-2026-000001",
        "CTS-2026-000002",
        "SUG-2026-000002",
    ]


def test_each_year_of_receipt_has_its_own_sequence(app, make):
    division = make.division()
    this_year = make.complaint(division=division, received_at=MARCH_2026)
    last_year = make.complaint(division=division, received_at=JUNE_2025)
    this_year_again = make.complaint(division=division, received_at=MARCH_2026)
    assert last_year.reference == "CTS-2025-000001"
    assert [this_year.reference, this_year_again.reference] == [
        "CTS-2026-000001",
        "CTS-2026-000002",
    ]


def test_a_rolled_back_registration_gives_its_number_back(app, make):
    division = make.division()
    make.complaint(division=division)
    abandoned = make.complaint(division=division, commit=False)
    db.session.flush()
    assert abandoned.reference == "CTS-2026-000002"
    db.session.rollback()

    registered = make.complaint(division=division)
    assert registered.reference == "CTS-2026-000002"
    assert db.session.scalars(db.select(Complaint.reference).order_by(Complaint.id)).all() == [
        "CTS-2026-000001",
        "CTS-2026-000002",
    ]


def test_changing_a_registered_complaint_keeps_its_reference(app, make):
    division = make.division()
    complaint = make.complaint(division=division)
    complaint.summary = "Counter staff were rude, and the queue was long"
    db.session.commit()
    assert complaint.reference == "CTS-2026-000001"
    assert make.complaint(division=division).reference == "CTS-2026-000002"


def test_tickets_are_numbered_per_year_of_report(app, make):
    client = Participant(
        kind="client_organisation",
        organisation_name="Acme Water",
        calendar=make.calendar("AU-VIC"),
    )
    tickets = [
        Ticket(
            severity="3b", summary=f"Cannot log in ({n})", client=client, reported_at=MARCH_2026
        )
        for n in (1, 2)
    ]
    db.session.add_all(tickets)
    db.session.commit()
    assert [t.reference for t in tickets] == ["TKT-2026-000001", "TKT-2026-000002"]


WRITERS = 16
COMPLAINTS = 2_000


@pytest.mark.postgres_only
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_parallel_writers_get_distinct_consecutive_numbers(app, make):
    """16 writers, each committing one complaint at a time, queue on the counter row."""
    division_id = make.division().id
    complainant_id = make.complainant().id
    db.session.commit()

    # A connection for every writer, so none waits on the pool instead of the counter.
    writers_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "tests-only",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": WRITERS, "max_overflow": 0},
        }
    )
    start = threading.Barrier(WRITERS)
    given: list[str] = []
    errors: list[BaseException] = []

    def register(count: int) -> None:
        try:
            with writers_app.app_context():
                division = db.session.get(Division, division_id)
                complainant = db.session.get(Participant, complainant_id)
                start.wait(timeout=30)
                for n in range(count):
                    complaint = Complaint(
                        kind="complaint",
                        summary=f"Parallel registration {n}",
                        division=division,
                        complainant=complainant,
                        received_at=MARCH_2026,
                    )
                    db.session.add(complaint)
                    db.session.commit()
                    given.append(complaint.reference)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)
            start.abort()

    per_writer = COMPLAINTS // WRITERS
    threads = [
        threading.Thread(target=register, args=(per_writer,), daemon=True) for _ in range(WRITERS)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, 120 - (time.monotonic() - began)))
    with writers_app.app_context():
        db.engine.dispose()

    assert not [t for t in threads if t.is_alive()], "writers still running after 120 s"
    assert errors == []
    expected = [f"CTS-2026-{n:06d}" for n in range(1, COMPLAINTS + 1)]
    assert sorted(given) == expected
    db.session.expire_all()
    committed = db.session.scalars(db.select(Complaint.reference)).all()
    assert sorted(committed) == expected
    counter = db.session.get(ReferenceCounter, ("CTS", 2026))
    assert counter.last_value == COMPLAINTS
