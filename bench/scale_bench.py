"""The register at a million complaints: the complaints grid and the reports, against peers.

Two databases are filled by the volume seed (seed/volume.py), once, and reused on later
runs: a small one of 1,000 complaints and a large one (1,000,000 by default). Then, in
one process:

- the complaints grid (/admin/complaint/) through the Flask test client, signed in as
  the demo coordinator (her division's complaints) and as the demo administrator (all):
  first page in the default sort, filtered by status and division, and a search on a
  reference prefix; the large register against the small one (goal: at most 1.3x);
- SQL statements per grid page at page size 20 and 100 (goal: the same number), counted
  with an SQLAlchemy `before_cursor_execute` event;
- each report of services/reports/ on the large register against the bare SQL
  aggregate it is built on, written by hand (goal: at most 1.5x).

Each figure is the best of --repeats timed runs after a warm-up run.

    .venv/bin/python bench/scale_bench.py                     # SQLite files in instance/bench/
    .venv/bin/python bench/scale_bench.py --large 200000      # a quicker run
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/scale_bench.py                 # databases portal_bench_<size>

--reseed drops and fills the databases again.
"""

import argparse
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, create_engine, event, func, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from models import Complaint, Division, UTCDateTime, db, search_index  # noqa: E402
from rules import periods  # noqa: E402
from seed import demo, reference, volume  # noqa: E402
from services import reports  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRID = "/admin/complaint/"
GRID_GOAL = 1.3
REPORT_GOAL = 1.5


# ---------------------------------------------------------------- databases


def database_url(size: int) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'portal_bench_{size}.sqlite3'}"
    url = make_url(base)
    name = f"portal_bench_{size}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        found = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not found:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def lacks_columns(inspector) -> bool:
    """Whether a register filled before lacks a column the models have now (it is then
    filled again: create_all adds tables, not columns)."""
    return any(
        {column.name for column in table.columns}
        - {found["name"] for found in inspector.get_columns(table.name)}
        for table in db.metadata.sorted_tables
    )


def prepare(size: int, reseed: bool):
    """An app on a database holding `size` complaints (seeded if it does not yet)."""
    app = create_app({"DATABASE_URL": database_url(size), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        inspector = inspect(db.engine)
        stale = lacks_columns(inspector)
        if stale and not reseed:
            print("  the register lacks columns the models have now: seeding it again")
            reseed = True
        # The models' indexes, as they are now, on a database filled before.
        changed = False
        for table in () if stale else db.metadata.sorted_tables:
            wanted = {index.name for index in table.indexes}
            present = {found["name"] for found in inspector.get_indexes(table.name)}
            for name in present - wanted:
                # (The search indexes are made by hand: models/search_index.py.)
                if name.startswith("ix_") and search_index.include_name(name, "index", {}):
                    with db.engine.begin() as connection:
                        connection.execute(text(f"DROP INDEX {name}"))
                    changed = True
            for index in table.indexes:
                if index.name not in present:
                    index.create(db.engine)
                    changed = True
        with db.engine.begin() as connection:
            search_index.install(connection)
        if changed:
            # The planner's statistics, as the migration leaves them.
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        have = db.session.scalar(select(func.count()).select_from(Complaint))
        if reseed or have < size:
            if have:
                db.session.remove()
                db.drop_all()
                db.create_all()
            started = time.perf_counter()
            reference.load()
            demo.load(echo=lambda line: None)
            have = db.session.scalar(select(func.count()).select_from(Complaint))
            step = max(size // 100, 1)
            done = [0]

            def progress(n):
                done[0] += n
                if done[0] // step != (done[0] - n) // step:
                    print(f"\r  seeding {size:,}: {done[0]:,}", end="", flush=True)

            volume.load(size - have, progress=progress)
            print(f"\r  seeded {size:,} complaints in {time.perf_counter() - started:.0f} s")
    return app


# ---------------------------------------------------------------- timing


# SQLite runs inside this process: its CPU time is the whole cost, and other work on a
# shared machine does not inflate it. PostgreSQL works in its own processes: wall time.
CLOCK = time.perf_counter


def best(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        started = CLOCK()
        run()
        times.append(CLOCK() - started)
    return min(times)


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.counted)

    def counted(self, *args):
        self.count += 1


def signed_in(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": demo.DEMO_PASSWORD,
            "csrf_token": token.group(1) if token else "",
        },
    )
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {username}: {response.status_code}")
    return client


def grid_pages(app) -> dict[str, str]:
    """The grid's URLs: default sort; by status and division; a reference prefix search."""
    with app.app_context():
        division = db.session.scalar(select(Division.id).where(Division.code == "CS"))
        reference_prefix = db.session.scalar(
            select(Complaint.reference)
            .where(Complaint.kind == "complaint")
            .order_by(Complaint.received_at.desc())
            .offset(400)
            .limit(1)
        )[:13]
    return {
        "first page": GRID,
        "status + division": f"{GRID}?flt0_status_is=referred&flt1_division_is={division}",
        "reference search": f"{GRID}?search={reference_prefix}",
    }


def time_grid(small, large, username, repeats) -> dict[str, tuple[float, float]]:
    """Best time per page on each register; small and large alternate, so noise hits both."""
    clients = signed_in(small, username), signed_in(large, username)
    pages = grid_pages(small), grid_pages(large)
    found = {}
    for name in pages[0]:
        times = ([], [])
        for attempt in range(repeats + 1):
            for which in (0, 1):
                url = pages[which][name]
                started = CLOCK()
                response = clients[which].get(url)
                elapsed = CLOCK() - started
                if response.status_code != 200:
                    raise SystemExit(f"{url}: {response.status_code}")
                if attempt:
                    times[which].append(elapsed)
        found[name] = (min(times[0]), min(times[1]))
    return found


def statements_per_page(app, username, pages) -> dict[str, tuple[int, int]]:
    client = signed_in(app, username)
    with app.app_context():
        counter = StatementCounter(db.engine)
    found = {}
    for name, url in pages.items():
        counts = []
        for size in (20, 100):
            joiner = "&" if "?" in url else "?"
            client.get(f"{url}{joiner}page_size={size}")  # warm: the session's user
            counter.count = 0
            client.get(f"{url}{joiner}page_size={size}")
            counts.append(counter.count)
        found[name] = tuple(counts)
    return found


# ---------------------------------------------------------------- reports

IN_PERIOD = "{column} >= :start AND {column} < :end"


def within(column: str) -> str:
    return IN_PERIOD.format(column=column)


SERVICE_LEVELS_SQL = f"""
SELECT severity, count(*),
       sum(CASE WHEN first_response_due_at IS NOT NULL
                 AND first_response_at <= first_response_due_at THEN 1 ELSE 0 END),
       sum(CASE WHEN first_response_due_at IS NOT NULL
                 AND (first_response_at IS NULL OR first_response_at > first_response_due_at)
                THEN 1 ELSE 0 END),
       sum(CASE WHEN resolution_due_at IS NOT NULL
                 AND resolved_at <= resolution_due_at THEN 1 ELSE 0 END),
       sum(CASE WHEN resolution_due_at IS NOT NULL
                 AND resolved_at > resolution_due_at THEN 1 ELSE 0 END)
FROM ticket WHERE {within("resolved_at")}
GROUP BY severity"""

TIMELINESS_SQL = f"""
SELECT division_id,
       sum(CASE WHEN {within("received_at")} THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("acknowledged_at")} THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("acknowledged_at")} AND acknowledgement_due_at IS NOT NULL
                THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("acknowledged_at")} AND acknowledged_at <= acknowledgement_due_at
                THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("finalised_at")} THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("finalised_at")} AND resolution_due_at IS NOT NULL
                THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("finalised_at")} AND finalised_at <= resolution_due_at
                THEN 1 ELSE 0 END),
       sum(CASE WHEN {within("finalised_at")}
                 AND EXISTS (SELECT 1 FROM extension e WHERE e.complaint_id = complaint.id)
                THEN 1 ELSE 0 END)
FROM complaint
WHERE kind = 'complaint'
  AND ({within("received_at")} OR {within("acknowledged_at")} OR {within("finalised_at")})
GROUP BY division_id"""

OUTCOMES_SQL = f"""
SELECT 'outcome', o.code, count(*) FROM complaint c LEFT JOIN outcome o ON o.id = c.outcome_id
 WHERE c.kind = 'complaint' AND {within("c.finalised_at")} GROUP BY o.code
UNION ALL
SELECT 'requested', NULL, count(*) FROM internal_review r JOIN complaint c ON c.id = r.complaint_id
 WHERE c.kind = 'complaint' AND {within("r.requested_at")}
UNION ALL
SELECT 'review', r.outcome, count(*) FROM internal_review r
  JOIN complaint c ON c.id = r.complaint_id
 WHERE c.kind = 'complaint' AND {within("r.completed_at")} GROUP BY r.outcome
UNION ALL
SELECT 'external', x.body, count(*) FROM external_review x
  JOIN complaint c ON c.id = x.complaint_id
 WHERE c.kind = 'complaint' AND {within("x.notified_at")} GROUP BY x.body
UNION ALL
SELECT 'referral', t.code, count(*) FROM complaint c
  JOIN referral_target t ON t.id = c.referral_target_id
 WHERE c.kind = 'complaint' AND {within("c.closed_at")} GROUP BY t.code"""

FURTHER_ACTION = """(
   EXISTS (SELECT 1 FROM internal_review r WHERE r.complaint_id = c.id)
   OR EXISTS (SELECT 1 FROM external_review e WHERE e.complaint_id = c.id)
   OR c.change_made_at IS NOT NULL)"""
ANNUAL_SQL = f"""
SELECT count(*),
 coalesce(sum(CASE WHEN {FURTHER_ACTION} THEN 1 ELSE 0 END), 0),
 coalesce(sum(CASE WHEN NOT {FURTHER_ACTION}
   AND (c.finalised_at IS NOT NULL OR c.closed_at IS NOT NULL) THEN 1 ELSE 0 END), 0)
FROM complaint c WHERE c.kind = 'complaint' AND {within("c.received_at")}"""


def trends_sql(quarters: int) -> str:
    buckets = " ".join(
        f"WHEN received_at >= :b{i} AND received_at < :b{i + 1} THEN {i}" for i in range(quarters)
    )
    return f"""
SELECT CASE {buckets} END, category_id, division_id, count(*)
FROM complaint
WHERE kind = 'complaint' AND received_at >= :b0 AND received_at < :b{quarters}
GROUP BY 1, 2, 3"""


def bare(sql: str, params: dict):
    statement = text(sql).bindparams(
        *[bindparam(name, type_=UTCDateTime) for name in params if f":{name}" in sql]
    )
    return lambda session: session.execute(statement, params).all()


def report_cases(today: date):
    """(name, report, bare SQL, same figures?) for each report of services/reports."""
    zone = periods.DEFAULT_TIME_ZONE
    quarter = periods.previous(periods.period_containing(periods.QUARTER, today))
    start, end = quarter.utc_bounds(zone)
    quarters = periods.last_n(periods.QUARTER, 8, quarter.start)
    fy_start = today.year - 1 if today.month >= 7 else today.year - 2
    year = periods.financial_year(fy_start)
    in_quarter = {"start": start, "end": end}
    ys, ye = year.utc_bounds(zone)
    bounds = {f"b{i}": q.utc_bounds(zone)[0] for i, q in enumerate(quarters)}
    bounds[f"b{len(quarters)}"] = quarters[-1].utc_bounds(zone)[1]

    def service_levels_agree(report, rows):
        found = {
            r.severity: (
                r.closed,
                r.first_response_met,
                r.first_response_missed,
                r.resolution_met,
                r.resolution_missed,
            )
            for r in report.rows
        }
        return all(found.get(row[0]) == tuple(int(v) for v in row[1:]) for row in rows)

    def timeliness_agrees(report, rows):
        found = {
            r.key: (
                r.received,
                r.acknowledged,
                r.acknowledged_timed,
                r.acknowledged_on_time,
                r.finalised,
                r.finalised_timed,
                r.finalised_in_time,
                r.extended,
            )
            for r in report.rows
        }
        return len(found) == len(rows) and all(
            found.get(row[0]) == tuple(int(v) for v in row[1:]) for row in rows
        )

    def outcomes_agree(report, rows):
        mine = {("requested", None): report.internal_reviews_requested}
        for what, counts in (
            ("outcome", report.outcomes),
            ("review", report.review_outcomes),
            ("external", report.external_reviews),
            ("referral", report.referrals),
        ):
            mine.update({(what, c.key): c.count for c in counts if c.count})
        theirs = {(what, key): int(n) for what, key, n in rows if n}
        return {k: v for k, v in mine.items() if v} == theirs

    def trends_agree(report, rows):
        totals = [0] * len(quarters)
        for bucket, _, _, n in rows:
            totals[bucket] += int(n)
        by_category = {}
        for bucket, category, _, n in rows:
            by_category.setdefault(category, [0] * len(quarters))[bucket] += int(n)
        return tuple(totals) == report.totals and by_category == {
            r.key: list(r.counts) for r in report.by_category
        }

    def annual_agrees(report, rows):
        return (
            report.received,
            report.further_action,
            report.no_further_action,
        ) == tuple(int(v) for v in rows[0])

    return [
        (
            f"service levels ({quarter.label})",
            lambda s: reports.service_levels(s, quarter),
            bare(SERVICE_LEVELS_SQL, in_quarter),
            service_levels_agree,
        ),
        (
            f"complaint timeliness by division ({quarter.label})",
            lambda s: reports.complaint_timeliness(s, quarter, "division"),
            bare(TIMELINESS_SQL, in_quarter),
            timeliness_agrees,
        ),
        (
            f"outcomes and reviews ({quarter.label})",
            lambda s: reports.outcomes_and_reviews(s, quarter),
            bare(OUTCOMES_SQL, in_quarter),
            outcomes_agree,
        ),
        (
            f"trends (8 quarters to {quarter.label})",
            lambda s: reports.complaint_trends(s, quarters),
            bare(trends_sql(len(quarters)), bounds),
            trends_agree,
        ),
        (
            f"annual publication ({year.label})",
            lambda s: reports.annual_publication(s, year),
            bare(ANNUAL_SQL, {"start": ys, "end": ye}),
            annual_agrees,
        ),
    ]


def time_reports(app, repeats) -> list[tuple[str, float, float, bool]]:
    found = []
    with app.app_context():
        session = db.session
        for name, report, bare_sql, agree in report_cases(date.today()):
            same = agree(report(session), bare_sql(session))
            ours = best(lambda report=report: report(session), repeats)
            theirs = best(lambda q=bare_sql: q(session), repeats)
            session.rollback()
            found.append((name, ours, theirs, same))
    return found


# ---------------------------------------------------------------- the run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--only", choices=("grid", "reports"), help="run one part only")
    args = parser.parse_args()

    small = prepare(args.small, args.reseed)
    large = prepare(args.large, args.reseed)
    global CLOCK
    with large.app_context():
        database = db.engine.dialect.name
    if database == "sqlite":
        CLOCK = time.process_time
    clock = "CPU time of this process" if CLOCK is time.process_time else "wall time"
    print(f"Database: {database}; {args.small:,} against {args.large:,} complaints; {clock}")

    if args.only != "reports":
        grid(small, large, args)
    if args.only != "grid":
        report_figures(large, args)


def grid(small, large, args):
    print(f"\nComplaints grid, best of {args.repeats} (goal: at most {GRID_GOAL}x)")
    print(f"  {'who':<12}{'page':<20}{'small':>10}{'large':>10}{'ratio':>8}")
    for username in ("coordinator", "admin"):
        for name, (on_small, on_large) in time_grid(small, large, username, args.repeats).items():
            ratio = on_large / on_small
            mark = "met" if ratio <= GRID_GOAL else "MISSED"
            print(
                f"  {username:<12}{name:<20}{on_small * 1000:>8.1f}ms"
                f"{on_large * 1000:>8.1f}ms{ratio:>7.2f}x {mark}"
            )

    print("\nSQL statements per grid page, page size 20 and 100 (goal: the same)")
    for name, (twenty, hundred) in statements_per_page(
        large, "coordinator", grid_pages(large)
    ).items():
        mark = "met" if twenty == hundred else "MISSED"
        print(f"  {name:<20}{twenty:>4} {hundred:>4}  {mark}")


def report_figures(large, args):
    print(
        f"\nReports on {args.large:,} complaints, best of {args.repeats} "
        f"(goal: at most {REPORT_GOAL}x the bare SQL)"
    )
    for name, ours, theirs, same in time_reports(large, args.repeats):
        ratio = ours / theirs
        mark = "met" if ratio <= REPORT_GOAL else "MISSED"
        agree = "same figures" if same else "FIGURES DIFFER"
        print(
            f"  {name:<52}{ours * 1000:>9.1f}ms{theirs * 1000:>9.1f}ms{ratio:>7.2f}x {mark}"
            f"  ({agree})"
        )


if __name__ == "__main__":
    main()
