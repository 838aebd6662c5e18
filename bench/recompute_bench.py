"""Recomputing open cases after a new closure, against the bare bulk UPDATE of the result.

Fills a database with N open complaints on the AU-QLD calendar, adds a closure (which
recomputes every open complaint's due instants and writes each change to its history),
then times a bulk UPDATE that writes the same precomputed values into the same columns
of the same rows. Prints the ratio; the goal is at most 2.

    .venv/bin/python bench/recompute_bench.py [N]          # SQLite file, N=100000
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/recompute_bench.py [N]       # PostgreSQL (drops the tables)
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

from sqlalchemy import bindparam, select, update  # noqa: E402

from app import create_app  # noqa: E402
from models import Calendar, Closure, Complaint, Division, db  # noqa: E402
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
    start = datetime(2026, 2, 2, 8, 0, tzinfo=BRISBANE)
    rows = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 21))
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
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
        calendar.closures.append(
            Closure(name="Relocation", starts_on=date(2026, 2, 23), ends_on=date(2026, 2, 27))
        )
        began = clock.perf_counter()
        db.session.commit()  # the flush hook recomputes every open complaint
        recompute_seconds = clock.perf_counter() - began

        table = Complaint.__table__
        values = [
            {"_id": row.id, **{name: getattr(row, name) for name in DUE_FIELDS}}
            for row in db.session.execute(select(table.c.id, *[table.c[f] for f in DUE_FIELDS]))
        ]
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                {name: bindparam(name) for name in DUE_FIELDS} | {"version": table.c.version + 1}
            )
        )
        began = clock.perf_counter()
        for chunk in range(0, len(values), 2000):
            db.session.connection().execute(statement, values[chunk : chunk + 2000])
        db.session.commit()
        update_seconds = clock.perf_counter() - began

        print(
            f"recompute after a new closure: {recompute_seconds:.2f} s "
            f"({n / recompute_seconds:,.0f} cases/s)"
        )
        print(f"bulk UPDATE of the same values: {update_seconds:.2f} s")
        ratio = recompute_seconds / update_seconds
        verdict = "met" if ratio <= 2 else "MISSED"
        print(f"ratio recompute / UPDATE: {ratio:.2f} (goal <= 2.0: {verdict})")
        db.drop_all()


if __name__ == "__main__":
    main()
