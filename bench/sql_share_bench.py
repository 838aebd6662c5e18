"""A page against its own SQL run bare: how much the portal adds around the statements a page
needs (access rules, confidentiality, rendering), on the register of bench/scale_bench.py.

For each page (the coordinator's home page, a search by a common name, a search by a word
found nowhere, the complaint details), in one process: the page is requested through the
test client as the demo coordinator, recording every statement it runs with its
parameters; then those same statements are sent bare, through a plain DBAPI cursor of the
same engine (no ORM, no rendering), one after the other. Both are timed over --repeats
rounds after a warm-up; the figure is the ratio of the medians.

Goals (issue "fast at a million complaints"): the home page within 2x the bare SQL of its
counts, a search within 2x of the same search run as bare SQL through the index; saving a
complaint on the admin form within 5x the bare INSERTs of what it writes (the writes it
recorded, sent again through a plain cursor and committed, the saved complaint's unique
values set aside first so that they fit).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/sql_share_bench.py                  # 1,000,000 complaints
    .venv/bin/python bench/sql_share_bench.py --size 20000          # SQLite, quick
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale_bench  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from models import Complaint, Participant, User, db  # noqa: E402
from tests.admin_forms import form_values  # noqa: E402

NOWHERE = "zqxjvwk"
GOAL = 2.0
SAVE_GOAL = 5.0
WRITES = ("INSERT", "UPDATE", "DELETE")


def timed_request(send, expected: int, keep) -> tuple[float, list]:
    """Seconds `send()` took, and (statement, parameters, run for many rows) of each
    statement it ran that `keep(statement, many)` accepts."""
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if keep(statement, executemany):
            seen.append((statement, parameters, executemany))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        started = time.perf_counter()
        response = send()
        seconds = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    if response.status_code != expected:
        raise SystemExit(f"{response.request.path}: {response.status_code}, not {expected}")
    return seconds, seen


def recorded(client, url: str) -> tuple[float, list]:
    """Seconds the page took, and the (statement, parameters) it ran."""
    seconds, seen = timed_request(lambda: client.get(url), 200, lambda _, many: not many)
    return seconds, [(statement, parameters) for statement, parameters, _ in seen]


def saved(client, url: str, data: dict) -> tuple[float, list]:
    """Seconds a form's POST took (a redirect: saved), and the statements that wrote."""
    return timed_request(
        lambda: client.post(url, data=data),
        302,
        lambda statement, _: statement.lstrip().upper().startswith(WRITES),
    )


def bare_writes(writes, complaint_id: int) -> float:
    """Seconds to send the same writes through a plain DBAPI cursor and commit them. The
    saved complaint's unique values are set aside first (untimed), so the same INSERTs fit
    beside it."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        marker = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        cursor.execute(
            f"UPDATE complaint SET reference = reference || '~' WHERE id = {marker}",
            (complaint_id,),
        )
        cursor.execute(
            "UPDATE outbound_message SET dedupe_key = dedupe_key || '~' "
            f"WHERE complaint_id = {marker}",
            (complaint_id,),
        )
        connection.commit()
        started = time.perf_counter()
        for statement, parameters, many in writes:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def form_save(client, division_id: int, repeats: int) -> None:
    """Registering a complaint on the admin form (reference, due dates, history, the
    acknowledgement letter) against the bare INSERTs of what it writes, each committed."""
    url = "/admin/complaint/new/"
    page_times, bare_times, count = [], [], 0
    for number in range(repeats + 2):
        data = form_values(client.get(url).get_data(as_text=True))
        # A browser drops the newline that opens a textarea's content.
        data = {name: "" if value in ("\r\n", "\n") else value for name, value in data.items()}
        summary = f"Bench save {time.time_ns()}"
        data.update(
            summary=summary, description="Waited an hour at the counter", division=division_id
        )
        seconds, writes = saved(client, url, data)
        # The redirect a browser follows shows the save's messages and forgets them; the
        # bench does not follow it, so it forgets them here (untimed), or the session
        # cookie would carry every earlier save's messages into the next one.
        with client.session_transaction() as cookie:
            cookie.pop("_flashes", None)
        complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.summary == summary))
        db.session.remove()
        bare_seconds = bare_writes(writes, complaint_id)
        if number >= 2:  # the first two warm the templates and the configuration
            page_times.append(seconds)
            bare_times.append(bare_seconds)
            count = len(writes)
    page_ms = statistics.median(page_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    label = f"form save ({count} writes)"
    print(f"{label:<34}{page_ms:>9.1f}{bare_ms:>13.1f}{page_ms / bare_ms:>8.2f}{'':>12}")
    print(
        f"\ngoal: a form save within {SAVE_GOAL}x of the bare INSERTs of what it writes "
        "(both committed; the ratio of the medians)"
    )


def bare(statements) -> float:
    """Seconds to run the statements through a plain DBAPI cursor, fetching every row."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        seconds = time.perf_counter() - started
        connection.rollback()
        return seconds
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request log, one line a request
    os.environ["SECOND_FACTOR_REQUIRED"] = "off"
    app = scale_bench.prepare(args.size, False)
    with app.app_context():
        coordinator = db.session.scalars(select(User).filter_by(username="coordinator")).one()
        division_id = coordinator.participant.division_id
        ids = select(Complaint.id).where(Complaint.division_id == division_id)
        middle = db.session.scalar(ids.order_by(Complaint.id).offset(args.size // 8).limit(1))
        name = db.session.scalar(
            select(Participant.family_name)
            .join(Complaint, Complaint.complainant_id == Participant.id)
            .where(Complaint.id == middle)
        )
        db.session.remove()
        pages = [
            ("dashboard (home)", "/admin/"),
            (f"search, a name ({name})", f"/admin/complaint/?search={name}"),
            ("search, found nowhere", f"/admin/complaint/?search={NOWHERE}"),
            ("complaint details", f"/admin/complaint/details/?id={middle}"),
        ]
        client = scale_bench.signed_in(app, "coordinator")
        print(f"{args.size:,} complaints on {db.engine.dialect.name}, {args.repeats} rounds\n")
        print(f"{'page':<34}{'page ms':>9}{'bare SQL ms':>13}{'ratio':>8}{'statements':>12}")
        for label, url in pages:
            for _ in range(2):
                recorded(client, url)  # warm: templates, the configuration's snapshot
            page_times, bare_times, count = [], [], 0
            for _ in range(args.repeats):
                seconds, statements = recorded(client, url)
                page_times.append(seconds)
                bare_times.append(bare(statements))
                count = len(statements)
            page_ms = statistics.median(page_times) * 1000
            bare_ms = statistics.median(bare_times) * 1000
            ratio = page_ms / bare_ms
            print(f"{label:<34}{page_ms:>9.1f}{bare_ms:>13.1f}{ratio:>8.2f}{count:>12}")
        print(f"\ngoal: home and search within {GOAL}x of their bare SQL\n")
        form_save(client, division_id, args.repeats)


if __name__ == "__main__":
    main()
