"""HTTP load on a large register: the portal served by gunicorn beside a bare Flask-Admin
view of the same rows (bench/bare_admin.py), measured in one run.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/http_bench.py                  # 1,000,000 complaints
    .venv/bin/python bench/http_bench.py --size 20000 --requests 40   # SQLite, quick

The register is bench/scale_bench.py's (`flask seed --volume`, built once and reused:
`portal_bench_<size>`), with the search indexes added if it predates them. For each
gunicorn layout (--layouts, default 4 sync workers, and 2 workers x 4 threads) both servers
are started on the same database; then, page by page, --concurrency clients (each signed
in as the demo coordinator, or the demo administrator for the reports) send --requests
requests each to the portal, then the same to the bare view where it has that page.
Printed per page: p50 / p95 / p99 in ms and requests a second for each, the ratio of the
medians, and the SQL statements one request runs (counted in this process through the
test client with SQLAlchemy's before_cursor_execute event, the same pages, same users).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
import scale_bench  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from models import Complaint, Division, Participant, User, db  # noqa: E402
from seed import demo  # noqa: E402
from services import api_tokens  # noqa: E402

NOWHERE = "qzxvwk"  # a word found in no row


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, env: dict, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", str(workers),
        "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}",
        "--timeout", "300",
        "--log-level", "warning",
        target,
    ]  # fmt: skip
    # The servers' logs (a JSON line per request) go to a file: a pipe nobody reads fills
    # up and stops the workers.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            probe = "/healthz" if "create_app" in target else "/admin/"
            requests.get(base + probe, timeout=60)
            return server, base
        except requests.RequestException:
            if server.poll() is not None:
                log.seek(0)
                raise SystemExit(log.read().decode()[-5000:]) from None
            time.sleep(0.2)
    raise SystemExit(f"{target} did not start")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


def signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    answer = session.post(
        base + "/login",
        data={"username": username, "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {username}: {answer.status_code}")
    return session


def load(sessions, send, requests_each: int) -> tuple[list[float], float]:
    """Every session sends `requests_each` requests at once with the others."""
    times: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def run(session):
        mine = []
        for _ in range(requests_each):
            started = time.perf_counter()
            response = send(session)
            mine.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 201):
                failures.append(f"{response.status_code} {response.url}")
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"failed requests: {failures[:3]}")
    return times, len(times) / elapsed


def percentiles(times: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94], cuts[98]


def statements(app, username: str, method: str, url: str, **kwargs) -> int:
    client = scale_bench.signed_in(app, username)
    getattr(client, method)(url, **kwargs)  # warm
    seen = [0]

    def count(*args):
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = getattr(client, method)(url, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return seen[0]


def bare_statements(url: str, page: str) -> int:
    from bare_admin import create_bare_app

    bare = create_bare_app(url)
    client = bare.test_client()
    with bare.app_context():
        client.get(page)
        seen = [0]

        def count(*args):
            seen[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get(page)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return seen[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=25, help="per client and page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--layouts", default="4x1,2x4", help="workers x threads, comma-separated")
    parser.add_argument(
        "--only", help='page names separated by ";" (names hold commas: "grid, first page")'
    )
    args = parser.parse_args()

    # The demo administrator signs in with a password alone, here and in the servers.
    os.environ["SECOND_FACTOR_REQUIRED"] = "off"
    app = scale_bench.prepare(args.size, False)
    url = scale_bench.database_url(args.size)
    with app.app_context():
        coordinator = db.session.scalars(select(User).filter_by(username="coordinator")).one()
        division = coordinator.participant.division_id
        # A complaint of her division in the middle of the register, and a name to search.
        ids = select(Complaint.id).where(Complaint.division_id == division)
        middle = db.session.scalar(ids.order_by(Complaint.id).offset(args.size // 8).limit(1))
        name = db.session.scalar(
            select(Participant.family_name)
            .join(Complaint, Complaint.complainant_id == Participant.id)
            .where(Complaint.id == middle)
        )
        division_code = db.session.get(Division, division).code
        issued = api_tokens.issue(db.session, coordinator, f"http bench {time.time()}")
        db.session.commit()
        secret = issued.secret
        total = db.session.scalar(select(func.count()).select_from(Complaint))
    print(
        f"register: {total:,} complaints ({url.split('@')[-1]}); details of #{middle}; "
        f"name searched: {name!r}"
    )

    api_body = {"division": division_code, "summary": "Bench: rude at the counter"}
    pages = [
        # name, user, portal path, bare path (or None), method
        ("grid, first page", "coordinator", "/admin/complaint/", "/admin/complaint/", "get"),
        ("grid, page 500", "coordinator", "/admin/complaint/?page=499",
         "/admin/complaint/?page=499", "get"),
        ("complaint details", "coordinator", f"/admin/complaint/details/?id={middle}",
         f"/admin/complaint/details/?id={middle}", "get"),
        ("dashboard (home)", "coordinator", "/admin/", None, "get"),
        ("search, a name", "coordinator", f"/admin/complaint/?search={name}",
         f"/admin/complaint/?search={name}", "get"),
        ("search, found nowhere", "coordinator", f"/admin/complaint/?search={NOWHERE}",
         f"/admin/complaint/?search={NOWHERE}", "get"),
        ("service-level report", "admin", "/admin/reports/service-levels/", None, "get"),
        ("API create", "coordinator", "/api/v1/complaints", None, "post"),
    ]  # fmt: skip
    if args.only:
        wanted = {w.strip() for w in args.only.split(";")}
        pages = [p for p in pages if p[0] in wanted]

    counts = {}
    with app.app_context():
        for title, user, path, bare_path, method in pages:
            if method == "post":
                headers = {"Authorization": f"Bearer {secret}"}
                client = app.test_client()
                client.post(path, json=api_body, headers=headers)
                seen = [0]

                def count(*a, seen=seen):
                    seen[0] += 1

                event.listen(db.engine, "before_cursor_execute", count)
                client.post(path, json=api_body, headers=headers)
                event.remove(db.engine, "before_cursor_execute", count)
                counts[title] = (seen[0], None)
            else:
                counts[title] = (
                    statements(app, user, "get", path),
                    bare_statements(url, bare_path) if bare_path else None,
                )

    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "http-bench-only",
        "SECOND_FACTOR_REQUIRED": "off",
        "PORTAL_URL": "http://127.0.0.1",
        "BARE_DATABASE_URL": url,
    }
    for layout in args.layouts.split(","):
        workers, threads = (int(n) for n in layout.split("x"))
        portal, portal_base = serve("app:create_app()", env, workers, threads)
        try:
            bare, bare_base = serve("bench.bare_admin:app", env, workers, threads)
        except BaseException:
            stop(portal)
            raise
        try:
            print(
                f"\ngunicorn {workers} workers x {threads} threads, {args.concurrency} "
                f"clients x {args.requests} requests per page"
            )
            print(
                f"{'page':24} {'portal p50/p95/p99 ms':>24} {'req/s':>6}   "
                f"{'bare p50/p95/p99 ms':>22} {'req/s':>6} {'p50 ratio':>9} "
                f"{'statements':>11}"
            )
            users = {}
            for title, user, path, bare_path, method in pages:
                if user not in users:
                    users[user] = [signed_in(portal_base, user) for _ in range(args.concurrency)]
                if method == "post":

                    def send(s, url=portal_base + path):
                        return s.post(
                            url, json=api_body, headers={"Authorization": f"Bearer {secret}"}
                        )
                else:

                    def send(s, url=portal_base + path):
                        return s.get(url, allow_redirects=False)

                load(users[user], send, 2)  # warm every worker
                times, rate = load(users[user], send, args.requests)
                ours = percentiles(times)
                line = f"{title:24} {ours[0]:7.0f} /{ours[1]:6.0f} /{ours[2]:6.0f}  {rate:6.1f}   "
                ours_count, bare_count = counts[title]
                if bare_path:
                    sessions = [requests.Session() for _ in range(args.concurrency)]

                    def send_bare(s, url=bare_base + bare_path):
                        return s.get(url, allow_redirects=False)

                    load(sessions, send_bare, 2)
                    bare_times, bare_rate = load(sessions, send_bare, args.requests)
                    theirs = percentiles(bare_times)
                    line += (
                        f"{theirs[0]:6.0f} /{theirs[1]:6.0f} /{theirs[2]:6.0f}  "
                        f"{bare_rate:6.1f} {ours[0] / theirs[0]:8.2f}x "
                        f"{ours_count:5} / {bare_count}"
                    )
                else:
                    line += f"{'':22} {'':6} {'':9} {ours_count:5}"
                print(line, flush=True)
        finally:
            stop(portal)
            stop(bare)


if __name__ == "__main__":
    main()
