"""Peak memory of the server while the complaints grid exports 1,000 rows against 1,000,000.

Fills a database of its own with N complaints (Core bulk inserts of believable rows:
three divisions on different calendars, a pool of complainants, one complaint in twenty
confidential), of which exactly 1,000 are in the division "Small exports". Then, for each
format and size, starts the app as a fresh server process (werkzeug, one thread), signs
in as an administrator, downloads the complaints export (`?flt0_division_is=<small>` for
1,000 rows; every complaint for N), checks the row count, and reads the server's peak
resident memory (VmHWM in /proc/<pid>/status). Prints the ratios; the goal is at most 2.

    .venv/bin/python bench/export_bench.py                      # SQLite file, N=1,000,000
    .venv/bin/python bench/export_bench.py --large 50000        # a quick run
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/export_bench.py                  # database portal_export_bench
    --keep reuses a database filled by an earlier run with the same --large.
"""

import argparse
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

BENCH_DATABASE = "portal_export_bench"
SMALL = 1_000
BATCH = 10_000
USERNAME = "bench-admin"
PASSWORD = "bench password, not for production"
SUMMARIES = [
    "Counter staff were rude when I asked about my application",
    "Waited 45 minutes on the phone and was cut off",
    "Letter sent to the wrong address twice",
    "Decision on my permit did not explain the reasons",
    "Footpath outside the library still broken after three reports",
    "Fee charged twice for the same renewal",
    "-$120 refund promised in March never arrived",
    "=SUM of the late fees is wrong on my statement",
    "Website form lost my attachments",
    "Inspector arrived without notice",
]
STATUSES = ["received", "registered", "acknowledged", "investigation", "decided", "closed"]
GIVEN = ["Sam", "Alex", "Priya", "Mohammed", "Mei", "Jordan", "Aroha", "Luca", "Fatima", "Ben"]
FAMILY = ["Nguyen", "Smith", "Papadopoulos", "Okafor", "Singh", "Walker", "Kelly", "Rossi"]


def server_url(args) -> str:
    """The database URL the bench fills and the server reads."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return (
            f"sqlite:///{Path(tempfile.gettempdir()) / f'{BENCH_DATABASE}_{args.large}.sqlite3'}"
        )
    from app import database_url

    server = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": BENCH_DATABASE}
        )
        if not (args.keep and exists):
            connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    server.dispose()
    return make_url(url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def fill(url: str, large: int) -> None:
    """Reference data, three divisions, officers, complainants, and `large` complaints."""
    from app import create_app
    from models import (
        Calendar,
        Capacity,
        Category,
        Channel,
        ClassificationLevel,
        Complaint,
        Division,
        Participant,
        User,
        db,
    )
    from seed import reference

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if url.startswith("sqlite"):
            Path(make_url(url).database).unlink(missing_ok=True)
        db.drop_all()
        db.create_all()
        reference.load()
        calendars = {c.code: c for c in db.session.scalars(select(Calendar))}
        level = db.session.scalar(select(ClassificationLevel).filter_by(code="AO6"))
        divisions = [
            Division(code="CS", name="Customer Services", calendar=calendars["AU-QLD"]),
            Division(code="LIC", name="Licensing", calendar=calendars["AU-VIC"]),
            Division(code="SMALL", name="Small exports", calendar=calendars["AU-QLD"]),
        ]
        db.session.add_all(divisions)
        officers = [
            Participant(
                kind="staff",
                given_name=GIVEN[n % len(GIVEN)],
                family_name=f"Officer{n}",
                email=f"officer{n}@example.gov.au",
                division=divisions[n % 2],
                level=level,
            )
            for n in range(40)
        ]
        db.session.add_all(officers)
        admin = User(
            username=USERNAME,
            participant=officers[0],
            active=True,
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
        )
        admin.capacities = [db.session.scalar(select(Capacity).filter_by(code="administrator"))]
        db.session.add(admin)
        db.session.commit()
        officer_ids = [o.id for o in officers]
        category_ids = list(db.session.scalars(select(Category.id)))
        channel_ids = list(db.session.scalars(select(Channel.id)))
        big_ids, small_id = [divisions[0].id, divisions[1].id], divisions[2].id

        rng = random.Random(11)
        complainants = max(1_000, large // 5)
        people = Participant.__table__
        for start in range(0, complainants, BATCH):
            db.session.execute(
                people.insert(),
                [
                    {
                        "kind": "complainant",
                        "given_name": rng.choice(GIVEN),
                        "family_name": f"{rng.choice(FAMILY)}-{n}",
                        "email": f"person{n}@example.com",
                        "phone": f"04{n:08d}",
                        "version": 1,
                    }
                    for n in range(start, min(start + BATCH, complainants))
                ],
            )
        first_person = db.session.scalar(
            select(func.min(Participant.id)).where(Participant.kind == "complainant")
        )
        db.session.commit()

        began = datetime(2024, 7, 1, tzinfo=timezone.utc)
        table = Complaint.__table__
        for start in range(0, large, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, large)):
                received = began + timedelta(minutes=n * 7 // 10, seconds=rng.randrange(60))
                status = rng.choice(STATUSES)
                rows.append(
                    {
                        "reference": f"CM-{n:07d}",
                        "kind": "complaint",
                        "status": status,
                        "classification": rng.choice(["informal", "standard", "standard"]),
                        "summary": rng.choice(SUMMARIES),
                        "division_id": small_id if n < SMALL else rng.choice(big_ids),
                        "category_id": rng.choice(category_ids),
                        "channel_id": rng.choice(channel_ids),
                        "complainant_id": first_person + rng.randrange(complainants),
                        "manager_id": rng.choice(officer_ids),
                        "decision_maker_id": rng.choice(officer_ids),
                        "confidential": rng.random() < 0.05,
                        "human_rights": rng.random() < 0.1,
                        "received_at": received,
                        "next_due_at": None if status == "closed" else received + timedelta(20),
                        "created_at": received,
                        "updated_at": received,
                        "version": 1,
                    }
                )
            db.session.execute(table.insert(), rows)
            db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        small = db.session.scalar(
            select(func.count()).select_from(table).where(table.c.division_id == small_id)
        )
        assert small == min(SMALL, large), small
    with app.app_context():
        db.engine.dispose()


def serve(url: str, port: int) -> None:
    """The app in this process, one request at a time (the process whose memory is read)."""
    from werkzeug.serving import run_simple

    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            # The bench's administrator signs in with a password alone.
            "SECOND_FACTOR_REQUIRED": "off",
        }
    )
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def small_division_id(url: str) -> int:
    from app import database_url

    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        found = connection.scalar(text("SELECT id FROM division WHERE code = 'SMALL'"))
    engine.dispose()
    return found


def rows_in_sheet(workbook: zipfile.ZipFile, name: str) -> int:
    """The <row> elements of one sheet, read a piece at a time."""
    count, tail = 0, b""
    with workbook.open(name) as sheet:
        while piece := sheet.read(1 << 20):
            piece = tail + piece
            count += piece.count(b"<row ")
            tail = piece[-4:]
    return count


def measure(url: str, export_format: str, query: str) -> dict:
    """Start a fresh server, sign in, download one export; its size, rows, time, peak RSS."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        for _ in range(200):
            try:
                page = opener.open(f"{base}/login").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"username": USERNAME, "password": PASSWORD, "csrf_token": token}
        opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()).read()
        before = peak_rss_kib(server.pid)
        began = time.perf_counter()
        response = opener.open(f"{base}/admin/complaint/export/{export_format}/{query}")
        assert "attachment" in response.headers["Content-Disposition"], response.headers
        size, lines, first_byte = 0, 0, None
        kept = tempfile.TemporaryFile() if export_format == "xlsx" else None
        while chunk := response.read(256 * 1024):
            first_byte = first_byte or time.perf_counter() - began
            size += len(chunk)
            if kept is None:
                lines += chunk.count(b"\n")
            else:
                kept.write(chunk)
        seconds = time.perf_counter() - began
        if kept is not None:
            with kept, zipfile.ZipFile(kept) as workbook:
                lines = sum(
                    rows_in_sheet(workbook, name)
                    for name in workbook.namelist()
                    if name.startswith("xl/worksheets/sheet")
                )
        return {
            "rows": lines - 1,
            "bytes": size,
            "seconds": seconds,
            "first_byte": first_byte,
            "rss_before": before,
            "peak_rss": peak_rss_kib(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000, help="complaints in all")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--keep", action="store_true", help="reuse an earlier run's database")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return

    url = server_url(args)
    name = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    sqlite_kept = url.startswith("sqlite") and Path(make_url(url).database).exists()
    if args.keep and (sqlite_kept or name == "PostgreSQL"):
        print(f"{name}: reusing the database filled by an earlier run")
    else:
        began = time.perf_counter()
        fill(url, args.large)
        print(f"{name}: {args.large:,} complaints filled in {time.perf_counter() - began:.0f} s")
    small = small_division_id(url)
    sizes = {SMALL: f"?flt0_division_is={small}", args.large: ""}
    for export_format in args.formats.split(","):
        results = {}
        for rows, query in sizes.items():
            result = measure(url, export_format, query)
            assert result["rows"] == rows, (export_format, rows, result["rows"])
            results[rows] = result
            print(
                f"  {export_format.upper()} {rows:>9,} rows: {result['bytes'] / 1e6:8.1f} MB in "
                f"{result['seconds']:6.1f} s (first byte {result['first_byte']:.1f} s, "
                f"{rows / result['seconds']:,.0f} rows/s); server peak RSS "
                f"{result['peak_rss'] / 1024:.1f} MiB (signed in: "
                f"{result['rss_before'] / 1024:.1f} MiB)"
            )
        ratio = results[args.large]["peak_rss"] / results[SMALL]["peak_rss"]
        verdict = "met" if ratio <= 2 else "MISSED"
        print(
            f"  {export_format.upper()} peak RSS {args.large:,} / {SMALL:,} rows: "
            f"{ratio:.2f} (goal <= 2.0: {verdict})"
        )


if __name__ == "__main__":
    main()
