"""Importing a legacy register: rows a second of `flask import complaints` with every rule
on, against a bare INSERT of the same rows, and peak memory as the file grows.

Builds a database with the reference data and the demo (divisions, officers), then a CSV of
--rows valid complaints in the import layout (rules/imports.py): received over the past two
years, seven in ten closed with an outcome and a manager and decision maker (separation of
duties checked), the rest open at several steps; one complainant in three already in the
register (found by email), the others new. Then, in one process:

- (a) a bare INSERT of the same rows: the file read with the csv module, then one
  executemany of a complainant per row and one of the complaints (no checks, no lookups,
  no references, no due dates, no history);
- (b) `services.imports.import_register`, as `flask import complaints --as admin` runs it:
  every row checked, references in receipt order, due dates, separation of duties, the
  case's history entry naming the file and row, one transaction.

Each is run on a fresh copy of the same database (SQLite: a file copied; PostgreSQL: a
database made from a template), so both write into the same register.

Goals (issue "fast at a million complaints"): (b) at 2,000 rows a second or more at 100,000
rows; its peak memory (tracemalloc, from just before the import) for the larger --memory
file within 1.2x of the smaller's ("flat from 10,000 to 100,000 rows").

    .venv/bin/python bench/import_bench.py                       # 100,000 rows, SQLite
    .venv/bin/python bench/import_bench.py --rows 20000 --memory 2000,20000
    .venv/bin/python bench/import_bench.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

import argparse
import csv
import gc
import io
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from models import Category, Channel, Complaint, Division, Participant, db  # noqa: E402
from rules.imports import COMPLAINT_LAYOUT  # noqa: E402
from seed import demo, reference  # noqa: E402
from services.imports import import_register  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RATE_GOAL = 2_000
MEMORY_GOAL = 1.2
BRISBANE = ZoneInfo("Australia/Brisbane")
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


# ---------------------------------------------------------------- the databases


class Databases:
    """A template register (reference data and the demo) and fresh copies of it."""

    def __init__(self, base: str | None, folder: Path):
        self.base = make_url(base) if base else None
        self.folder = folder
        self.copies = 0
        self.template = self._url("import_bench_template")
        if self.base is not None:
            self._drop("import_bench_template")
            self._run('CREATE DATABASE "import_bench_template"')
        app = create_app({"DATABASE_URL": self.template})
        with app.app_context():
            db.create_all()
            reference.load()
            demo.load(echo=lambda line: None)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

    def _url(self, name: str) -> str:
        if self.base is None:
            return f"sqlite:///{self.folder / (name + '.sqlite3')}"
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _run(self, sql: str) -> None:
        server = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(sql))
        server.dispose()

    def _drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def fresh(self) -> str:
        """A new copy of the template register."""
        self.copies += 1
        name = f"import_bench_{self.copies}"
        if self.base is None:
            shutil.copy(
                self.folder / "import_bench_template.sqlite3", self.folder / f"{name}.sqlite3"
            )
        else:
            self._drop(name)
            self._run(f'CREATE DATABASE "{name}" TEMPLATE "import_bench_template"')
        return self._url(name)

    def close(self) -> None:
        if self.base is not None:
            for number in range(1, self.copies + 1):
                self._drop(f"import_bench_{number}")
            self._drop("import_bench_template")


# ---------------------------------------------------------------- the file


def register_file(rows: int, seed: int = 7) -> bytes:
    """`rows` valid complaints in the import layout."""
    rng = random.Random(seed)
    categories = [c.name for c in db.session.scalars(select(Category).where(Category.active))]
    channels = [c.name for c in db.session.scalars(select(Channel).where(Channel.active))]
    known = [
        email
        for email in db.session.scalars(
            select(Participant.email).where(
                Participant.kind == "complainant", Participant.email.is_not(None)
            )
        )
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, COMPLAINT_LAYOUT.names, lineterminator="\n")
    writer.writeheader()
    start = NOW - timedelta(days=730)
    for number in range(rows):
        received = start + timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
        local = received.astimezone(BRISBANE)
        row = {
            "legacy_reference": f"OLD-{seed}-{number}",
            "received_at": local.strftime("%d/%m/%Y %H:%M"),
            "division": "CS",
            "channel": rng.choice(channels),
            "category": rng.choice(categories),
            "classification": rng.choice(["standard", "standard", "informal"]),
            "summary": f"Legacy complaint {number}: counter wait",
            "description": "The queue at the counter took an hour. " * rng.randint(1, 5),
            "human_rights": "yes" if rng.random() < 0.1 else "no",
        }
        if known and rng.random() < 1 / 3:
            row["complainant_email"] = rng.choice(known)
            row["complainant_name"] = "Known Person"
        else:
            row["complainant_name"] = f"Person {number} Legacy"
            row["complainant_email"] = f"legacy.{seed}.{number}@example.org"
        if rng.random() < 0.7:
            closed = local + timedelta(days=rng.randint(5, 25))
            row.update(
                status="Closed",
                registered_at=(local + timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
                acknowledged_at=(local + timedelta(days=1)).strftime("%d/%m/%Y %H:%M"),
                manager="manager",
                decision_maker="decider",
                finalised_at=(closed - timedelta(days=1)).strftime("%d/%m/%Y %H:%M"),
                outcome="Partly upheld",
                closed_at=closed.strftime("%d/%m/%Y %H:%M"),
            )
        else:
            row.update(status=rng.choice(["Received", "Registered", "Investigation"]))
            if row["status"] == "Investigation":
                row.update(manager="manager", decision_maker="decider")
        writer.writerow(row)
    return out.getvalue().encode()


# ---------------------------------------------------------------- (a) and (b)


def bare_insert(data: bytes) -> int:
    """The same rows, parsed and written with two executemany INSERTs and nothing else."""
    divisions = {d.code: d.id for d in db.session.scalars(select(Division))}
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    people, complaints = [], []
    next_id = (db.session.scalar(select(Participant.id).order_by(Participant.id.desc())) or 0) + 1
    for number, row in enumerate(rows):
        given, _, family = row["complainant_name"].rpartition(" ")
        people.append(
            {
                "id": next_id + number,
                "kind": "complainant",
                "given_name": given,
                "family_name": family,
                "email": row["complainant_email"],
            }
        )
        received = datetime.strptime(row["received_at"], "%d/%m/%Y %H:%M").replace(tzinfo=BRISBANE)
        complaints.append(
            {
                "reference": f"B-{number}",
                "kind": "complaint",
                "status": row["status"].lower(),
                "summary": row["summary"],
                "description": row["description"],
                "received_at": received.astimezone(UTC),
                "division_id": divisions[row["division"]],
                "complainant_id": next_id + number,
                "human_rights": row["human_rights"] == "yes",
            }
        )
    db.session.execute(insert(Participant), people)
    db.session.execute(insert(Complaint), complaints)
    db.session.commit()
    return len(rows)


def our_import(data: bytes) -> int:
    report = import_register("complaints", data, "legacy.csv", acting_username="admin", now=NOW)
    if not report.saved:
        problems = "; ".join(str(p) for p in report.problems[:5])
        raise SystemExit(f"the import refused the file: {report.failure or problems}")
    return len(report.imported)


def timed_on_fresh(databases: Databases, step, data: bytes) -> tuple[float, int]:
    app = create_app({"DATABASE_URL": databases.fresh()})
    with app.app_context():
        started = time.perf_counter()
        count = step(data)
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return seconds, count


def peak_on_fresh(databases: Databases, data: bytes) -> int:
    app = create_app({"DATABASE_URL": databases.fresh()})
    with app.app_context():
        db.session.scalar(select(Division.id).limit(1))  # connected before tracing
        gc.collect()
        tracemalloc.start()
        our_import(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    return peak


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--memory", default="10000,100000", help="two file sizes, small,large")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    small, large = (int(value) for value in args.memory.split(","))

    with tempfile.TemporaryDirectory() as folder:
        databases = Databases(args.database_url, Path(folder))
        try:
            app = create_app({"DATABASE_URL": databases.template})
            with app.app_context():
                files = {size: register_file(size) for size in {args.rows, small, large}}
                dialect = db.engine.dialect.name
                db.session.remove()
                db.engine.dispose()
            data = files[args.rows]
            print(f"{args.rows:,} rows ({len(data) / 1e6:.1f} MB) on {dialect}")
            bare, count = timed_on_fresh(databases, bare_insert, data)
            ours, imported = timed_on_fresh(databases, our_import, data)
            assert count == imported == args.rows, (count, imported)
            print(f"\n{'':<24}{'rows/s':>10}{'s':>9}{'x bare':>9}")
            for name, seconds in (("(a) bare INSERT", bare), ("(b) import, every rule", ours)):
                print(f"{name:<24}{args.rows / seconds:>10,.0f}{seconds:>9.1f}"
                      f"{seconds / bare:>9.1f}")  # fmt: skip
            rate = args.rows / ours
            verdict = "met" if rate >= RATE_GOAL else "NOT met"
            print(f"    goal: at least {RATE_GOAL:,} rows a second: {rate:,.0f}, {verdict}")
            if not args.skip_memory:
                peaks = [peak_on_fresh(databases, files[size]) for size in (small, large)]
                ratio = peaks[1] / peaks[0]
                verdict = "met" if ratio <= MEMORY_GOAL else "NOT met"
                print(f"\npeak memory (tracemalloc): {small:,} rows {peaks[0] / 1e6:.1f} MB, "
                      f"{large:,} rows {peaks[1] / 1e6:.1f} MB, ratio {ratio:.2f} "
                      f"(goal <= {MEMORY_GOAL}: {verdict})")  # fmt: skip
        finally:
            databases.close()


if __name__ == "__main__":
    main()
