"""How the case file's cost grows with its timeline: the details page of a complaint with
2,000 timeline entries against one with 20, measured in one run.

    .venv/bin/python bench/timeline_bench.py [--small 20] [--large 2000] [--repeats 5]

A scratch SQLite database with the reference data, a complaint manager, and two complaints
of the same division filled with the same mix of entries (notes, documents, emails in,
letters out, history entries, a minute apart, saved through the ORM session). The page is
fetched through the test client, signed in as the manager, after one warm-up fetch each;
each figure is the best of several passes (time.perf_counter). SQL statements are counted
with SQLAlchemy's before_cursor_execute event, each fetch from an empty session.

Three pages: the small case, the large case (the newest 200 entries rendered, all loaded
and counted for the chips), and the large case with "show all" (all 2,000 rendered).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time as timer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event  # noqa: E402

from app import create_app, database_url  # noqa: E402
from models import (  # noqa: E402  # noqa: E402
    Calendar,
    Capacity,
    ClassificationLevel,
    Complaint,
    Division,
    Participant,
    User,
    db,
)
from seed import reference  # noqa: E402
from tests.timeline_fixtures import START, fill  # noqa: E402

PASSWORD = "bench password, not a secret"
GOAL_STATEMENTS = 1.0  # the same number of statements, however long the timeline
GOAL_TIME = 10.0  # 100x the entries, at most 10x the time (the newest 200 rendered)


def build(url: str, small: int, large: int):
    engine = create_engine(database_url(url))
    db.metadata.create_all(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-only", "RATELIMIT_ENABLED": False})
    with app.app_context():
        reference.load()
        calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
        division = Division(code="BN", name="Bench", calendar=calendar)
        level = db.session.execute(
            db.select(ClassificationLevel).filter_by(code="AO5")
        ).scalar_one()
        person = Participant(
            kind="staff", given_name="Bea", family_name="Bench", division=division, level=level
        )
        user = User(username="bench", participant=person, active=True)
        user.set_password(PASSWORD)
        user.capacities = [
            db.session.execute(
                db.select(Capacity).filter_by(code="complaint_manager")
            ).scalar_one()
        ]
        db.session.add_all([division, person, user])
        db.session.commit()
        ids = []
        for count in (small, large):
            complainant = Participant(
                kind="complainant", given_name="Sam", family_name="Citizen", email="s@example.com"
            )
            complaint = Complaint(
                kind="complaint",
                summary="Counter staff were rude",
                division=division,
                complainant=complainant,
                manager=person,
                received_at=START,
            )
            db.session.add(complaint)
            db.session.commit()
            fill(complaint, count, user=user)
            ids.append(complaint.id)
        db.session.remove()
    return app, ids


def sign_in(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    response = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302, "sign-in failed"


def measure(app, client, url: str, repeats: int) -> tuple[float, int, int]:
    """(best seconds, statements, entries rendered) for one page."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    client.get(url)  # warm-up: templates compiled, caches filled
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    rendered = len(
        re.findall(
            r'<li id="(?:note|document|message-in|message-out|history)-\d+"',
            response.get_data(as_text=True),
        )
    )
    best = float("inf")
    for _ in range(repeats):
        began = timer.perf_counter()
        client.get(url)
        best = min(best, timer.perf_counter() - began)
    return best, len(statements), rendered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        began = timer.perf_counter()
        app, (small_id, large_id) = build(url, args.small, args.large)
        print(f"built in {timer.perf_counter() - began:.1f} s")
        client = app.test_client()
        sign_in(client)
        pages = {
            f"{args.small} entries": f"/admin/complaint/details/?id={small_id}",
            f"{args.large} entries, newest 200 shown": f"/admin/complaint/details/?id={large_id}",
            f"{args.large} entries, all shown": (
                f"/admin/complaint/details/?id={large_id}&timeline_all=1"
            ),
        }
        results = {name: measure(app, client, url, args.repeats) for name, url in pages.items()}
        with app.app_context():
            db.engine.dispose()
    print(f"{'page':<34} {'best ms':>8} {'statements':>11} {'entries shown':>14}")
    for name, (seconds, statements, rendered) in results.items():
        print(f"{name:<34} {seconds * 1000:8.1f} {statements:11d} {rendered:14d}")
    (small_s, small_n, _), (large_s, large_n, _), (all_s, all_n, _) = results.values()
    print(f"statements, {args.large} vs {args.small}: {large_n}/{small_n} (goal: equal)")
    print(
        f"render time, {args.large} (newest 200) vs {args.small}: {large_s / small_s:.1f}x "
        f"(goal: at most {GOAL_TIME:.0f}x)"
    )
    print(f"render time, {args.large} (all) vs {args.small}: {all_s / small_s:.1f}x (info)")
    met = large_n == small_n == all_n and large_s / small_s <= GOAL_TIME
    print("goals met" if met else "GOALS NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
