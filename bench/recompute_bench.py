"""Recomputing open cases after a closure change, against the bare bulk UPDATE of the result.

Fills a database with N open complaints on the AU-QLD calendar, all received in the week
before a five-day closure, so that the closure moves an open due instant of every one.
Each round adds the closure (or, every other round, removes it again), which recomputes
every open complaint and writes each change to its history, then times a bulk UPDATE
that writes the same precomputed values into the same columns of the same rows. Prints
each round and the ratio of the best times; the goal is at most 2. Last, a closure after
every case's due instants: the recompute reads only the cases it can move (none).

    .venv/bin/python bench/recompute_bench.py [N] [ROUNDS]     # SQLite file, 100000, 3
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/recompute_bench.py [N] [ROUNDS]  # PostgreSQL (drops the tables)
"""

import os
import random
import sys
import tempfile
import time as clock
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, func, select, text, update  # noqa: E402

from app import create_app  # noqa: E402
from models import Calendar, Closure, Complaint, Division, HistoryEntry, db  # noqa: E402
from seed import reference  # noqa: E402
from services import clocks  # noqa: E402

BRISBANE = ZoneInfo("Australia/Brisbane")
DUE_FIELDS = [
    "registration_due_at",
    "acknowledgement_due_at",
    "resolution_due_at",
    "review_request_due_at",
    "human_rights_commissioner_from",
    "next_due_at",
]


def fill(n: int) -> None:
    calendar = db.session.scalar(select(Calendar).where(Calendar.code == "AU-QLD"))
    division = Division(code="BENCH", name="Bench division", calendar=calendar)
    db.session.add(division)
    db.session.commit()
    rng = random.Random(7)
    # Received Monday 2 to Sunday 8 February: every complaint's acknowledgement and
    # resolution are still open on Monday 9, when the closure starts.
    start = datetime(2026, 2, 2, 8, 0, tzinfo=BRISBANE)
    rows = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, 60 * (24 * 7 - 8)))
        rows.append(
            {
                "reference": f"BEN-{i:07d}",
                "kind": "complaint",
                "status": rng.choice(["registered", "investigation", "acknowledged"]),
                "classification": rng.choice(["informal", "standard", "standard"]),
                "summary": "Bench complaint",
                "division_id": division.id,
                "received_at": received,
                "registered_at": received + timedelta(hours=2),
                "human_rights": rng.random() < 0.1,
                "confidential": False,
                "created_at": received,
                "updated_at": received,
                "version": 1,
            }
        )
    for chunk in range(0, n, 10000):
        db.session.execute(Complaint.__table__.insert(), rows[chunk : chunk + 10000])
    db.session.commit()
    # First computation of every due instant, so the closure below changes them.
    clocks.recompute(db.session, {calendar.id})
    db.session.commit()
    # Planner statistics, as a register of this size has them in service (autovacuum).
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def recomputed_cases() -> int:
    with db.session.no_autoflush:  # a pending calendar change is recomputed by the commit
        return db.session.scalar(
            select(func.count())
            .select_from(HistoryEntry)
            .where(HistoryEntry.action == "recompute")
        )


def bare_update(statement, values) -> float:
    began = clock.perf_counter()
    for chunk in range(0, len(values), 2000):
        db.session.connection().execute(statement, values[chunk : chunk + 2000])
    db.session.commit()
    return clock.perf_counter() - began


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        reference.load()
        began = clock.perf_counter()
        fill(n)
        print(
            f"database: {db.engine.dialect.name}; {n} open complaints filled in "
            f"{clock.perf_counter() - began:.1f} s"
        )

        calendar = db.session.scalar(select(Calendar).where(Calendar.code == "AU-QLD"))
        table = Complaint.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                {name: bindparam(name) for name in DUE_FIELDS} | {"version": table.c.version + 1}
            )
        )
        recompute_times, update_times = [], []
        for round_number in range(rounds):
            if round_number % 2 == 0:
                change = "closure added"
                calendar.closures.append(
                    Closure(
                        name="Relocation", starts_on=date(2026, 2, 9), ends_on=date(2026, 2, 13)
                    )
                )
            else:
                change = "closure removed"
                calendar.closures.clear()
            before = recomputed_cases()
            began = clock.perf_counter()
            db.session.commit()  # the flush hook recomputes every open complaint
            recompute_seconds = clock.perf_counter() - began
            changed = recomputed_cases() - before
            if changed != n:
                raise SystemExit(f"{change}: {changed} of {n} cases changed, not all of them")

            values = [
                {"_id": row.id, **{name: getattr(row, name) for name in DUE_FIELDS}}
                for row in db.session.execute(
                    select(table.c.id, *[table.c[f] for f in DUE_FIELDS])
                )
            ]
            update_seconds = bare_update(statement, values)
            recompute_times.append(recompute_seconds)
            update_times.append(update_seconds)
            print(
                f"round {round_number + 1} ({change}, {changed} cases changed): recompute "
                f"{recompute_seconds:.2f} s ({n / recompute_seconds:,.0f} cases/s), bulk UPDATE "
                f"of the same values {update_seconds:.2f} s, ratio "
                f"{recompute_seconds / update_seconds:.2f}"
            )

        best_recompute, best_update = min(recompute_times), min(update_times)
        ratio = best_recompute / best_update
        verdict = "met" if ratio <= 2 else "MISSED"
        print(
            f"best of {rounds}: recompute {best_recompute:.2f} s, bulk UPDATE {best_update:.2f} s"
        )
        print(f"ratio recompute / UPDATE: {ratio:.2f} (goal <= 2.0: {verdict})")
        narrowed(calendar, n, best_recompute)
        db.drop_all()


def narrowed(calendar, n: int, full_seconds: float) -> None:
    """A closure after every case's due instants (the Christmas shutdown, planned in
    February) can move none of them: the recompute reads only the cases due from its first
    day on, here none, against the full recompute above."""
    from services.clocks import bulk_recompute

    calendar.closures.clear()
    db.session.commit()
    day = date(2026, 12, 24)
    condition = bulk_recompute._affected(
        Complaint, clocks.Clocks(db.session), {calendar.id}, set(), {calendar.id: day}
    )
    reached = db.session.scalar(
        bulk_recompute._case_query(Complaint, "complaint")
        .where(condition)
        .with_only_columns(func.count())
    )
    calendar.closures.append(
        Closure(name="Christmas shutdown", starts_on=day, ends_on=date(2027, 1, 1))
    )
    before = recomputed_cases()
    began = clock.perf_counter()
    db.session.commit()
    seconds = clock.perf_counter() - began
    changed = recomputed_cases() - before
    print(
        f"closure from {day:%d %B %Y}: {reached} of {n} open cases can move and were read, "
        f"{changed} changed; recompute {seconds:.3f} s, {seconds / full_seconds:.3f} of the "
        f"full recompute's best"
    )


if __name__ == "__main__":
    main()
