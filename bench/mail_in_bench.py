"""Email in: messages per second of reading and ingesting received mail, against the
standard library reading the same messages, and peak memory as the batch grows.

Builds --messages sample messages (tests/mail_samples.py): seven in ten are new mail
(text/plain, a new complainant each), three in ten replies to complaints of the register
from their complainants (text and HTML, an inline image and a PNG attachment, the case
reference in the subject). Then, in one process, on the same messages:

- (a) the standard library alone: `email.message_from_bytes(raw, policy=default)`, then
  `get_body(("plain", "html")).get_content()` (what any reader of mail does at least);
- (b) `services.mail_in.parse` (compat32, limits, one-line headers, charsets, nh3, the
  automatic-mail rule);
- (c) `services.mail_in.ingest.ingest`, one transaction per message, into a register of
  --register complaints (seeded once by seed/volume.py and reused): threading, a new
  complaint and its participant, the reply filed with its parts through the document
  checks, the flush hooks (due dates, history, letters queued).

Goals (issue 12, "Speed"): (c) within 3x of (a) in time per message; the peak memory of
ingesting 10,000 messages within 1.2x of ingesting 1,000 (tracemalloc, after a warm-up
pass of 1,000 messages that fills the stdlib's bounded caches; the messages are built
before tracing starts, so only what reading and ingesting allocate and keep is counted).

    .venv/bin/python bench/mail_in_bench.py                         # SQLite, instance/bench/
    .venv/bin/python bench/mail_in_bench.py --messages 2000 --register 20000
    .venv/bin/python bench/mail_in_bench.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Each run ingests new Message-IDs, so the register grows by about 0.7 x --messages
complaints a run (--reseed starts again).
"""

import argparse
import email
import email.policy
import gc
import os
import random
import re
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale_bench import lacks_columns  # noqa: E402
from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from models import Complaint, Participant, db  # noqa: E402
from seed import demo, reference, volume  # noqa: E402
from services.mail_in import parse  # noqa: E402
from services.mail_in.ingest import IngestSettings, ingest  # noqa: E402
from services.mail_in.mailboxes import Mailbox  # noqa: E402
from tests.mail_samples import plain_message, reply_to  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPEED_GOAL = 3.0
MEMORY_GOAL = 1.2
REPLY_SHARE = 0.3
WARM_UP = 1_000  # messages read before memory is measured, then more until re's cache is full
OUR_ADDRESS = "complaints@complaints.example.gov.au"
MAILBOX = Mailbox(name="complaints", creates="complaint")


# ---------------------------------------------------------------- the register


def database_url(base: str | None, size: int) -> str:
    if not base:
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'mail_in_bench_{size}.sqlite3'}"
    url = make_url(base)
    name = f"mail_in_bench_{size}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def prepare(base: str | None, size: int, reseed: bool):
    app = create_app(
        {"DATABASE_URL": database_url(base, size), "MAIL_FROM": f"Complaints <{OUR_ADDRESS}>"}
    )
    with app.app_context():
        db.create_all()
        have = db.session.scalar(select(func.count()).select_from(Complaint))
        if lacks_columns(inspect(db.engine)):
            print("  the register lacks columns the models have now: seeding it again")
            reseed = True
        if reseed or have < size:
            if have:
                db.session.remove()
                db.drop_all()
                db.create_all()
            started = time.perf_counter()
            reference.load()
            demo.load(echo=lambda line: None)
            have = db.session.scalar(select(func.count()).select_from(Complaint))
            volume.load(max(size - have, 0))
            print(f"  seeded {size:,} complaints in {time.perf_counter() - started:.0f} s")
    return app


# ---------------------------------------------------------------- the messages


def complainants(count: int) -> list[tuple[str, str]]:
    """(reference, complainant's address) of recent complaints, for replies."""
    rows = db.session.execute(
        select(Complaint.reference, Participant.email)
        .join(Participant, Complaint.complainant_id == Participant.id)
        .where(Participant.email.is_not(None), Complaint.reference.is_not(None))
        .order_by(Complaint.id.desc())
        .limit(count)
    ).all()
    return [(row.reference, row.email) for row in rows]


def messages(count: int, cases: list[tuple[str, str]], run: str) -> Iterator[bytes]:
    """`count` messages, the same for the same `run` tag; built one at a time."""
    rng = random.Random(run)
    for number in range(count):
        message_id = f"<bench.{run}.{number}@example.org>"
        if cases and rng.random() < REPLY_SHARE:
            reference, address = cases[number % len(cases)]
            yield reply_to(
                f"<unknown.{number}@example.org>",
                reference=reference,
                sender=f"A Complainant <{address}>",
                message_id=message_id,
            )
        else:
            yield plain_message(
                sender=f"Person {number} <person.{run}.{number}@example.org>",
                to=OUR_ADDRESS,
                subject=f"Footpath broken outside number {number}",
                body="The footpath has been broken for a month.\n" * rng.randint(1, 30),
                message_id=message_id,
            )


# ---------------------------------------------------------------- the three readers


def stdlib_read(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain", "html"))
    if body is not None:
        body.get_content()


def our_parse(raw: bytes) -> None:
    parse(raw, max_bytes=25_000_000, own_domains=("complaints.example.gov.au",))


def timed(reader, raws) -> float:
    started = time.perf_counter()
    for raw in raws:
        reader(raw)
    return time.perf_counter() - started


def ingest_all(settings: IngestSettings, raws) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for raw in raws:
        result = ingest(db.session, raw, MAILBOX, settings=settings)
        outcomes[result.status] = outcomes.get(result.status, 0) + 1
        db.session.expunge_all()  # as each `flask mail` run's session would be, per message
    return outcomes


def parse_all(raws) -> None:
    for raw in raws:
        our_parse(raw)


def peak_memory(step, raws) -> int:
    """The peak of what `step(raws)` allocates above what was held before; tracemalloc runs
    from before the warm-up, so cache entries the step evicts count as freed."""
    gc.collect()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    step(raws)
    return tracemalloc.get_traced_memory()[1] - before


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--register", type=int, default=20_000, help="complaints seeded")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--memory", default="1000,10000", help="two batch sizes, small,large")
    parser.add_argument(
        "--ingest-memory", help="small,large for ingest (default: --memory); it is slower"
    )
    parser.add_argument("--skip-ingest", action="store_true", help="time (a) and (b) only")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    small, large = (int(value) for value in args.memory.split(","))

    app = prepare(args.database_url, args.register, args.reseed)
    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        settings = IngestSettings.from_config(app.config, Path(folder))
        cases = complainants(2_000)
        run = uuid.uuid4().hex[:8]
        raws = list(messages(args.messages, cases, run))
        megabytes = sum(len(raw) for raw in raws) / 1_000_000
        print(
            f"{len(raws):,} messages ({megabytes:.1f} MB, {REPLY_SHARE:.0%} replies), register "
            f"of {db.session.scalar(select(func.count()).select_from(Complaint)):,} complaints "
            f"on {db.engine.dialect.name}"
        )
        timed(stdlib_read, raws[:200]), timed(our_parse, raws[:200])  # warm up
        stdlib = timed(stdlib_read, raws)
        ours = timed(our_parse, raws)
        rows = [("(a) stdlib read", stdlib), ("(b) parse", ours)]
        outcomes = None
        if not args.skip_ingest:
            ingested = time.perf_counter()
            outcomes = ingest_all(settings, raws)
            rows.append(("(c) ingest", time.perf_counter() - ingested))
        del raws

        print(f"\n{'':<18}{'msg/s':>10}{'ms/msg':>10}{'x stdlib':>10}")
        for name, seconds in rows:
            rate = args.messages / seconds
            print(f"{name:<18}{rate:>10,.0f}{seconds / args.messages * 1000:>10.2f}"
                  f"{seconds / stdlib:>10.2f}")  # fmt: skip
        if outcomes:
            print(
                "    ingested as: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))
            )
            ratio = rows[2][1] / stdlib
            verdict = "met" if ratio <= SPEED_GOAL else "NOT met"
            print(f"    goal: ingest within {SPEED_GOAL}x of the stdlib: {ratio:.1f}x, {verdict}")

        print("\npeak memory (tracemalloc), smaller against larger batch:")
        steps = {"parse": lambda raws: parse_all(raws)}
        if not args.skip_ingest:
            steps["ingest"] = lambda raws: ingest_all(settings, raws)
        for name, step in steps.items():
            # Warm first: the stdlib's bounded caches fill once and are not what ingesting
            # keeps (re keeps 512 compiled patterns; the feedparser compiles one per boundary).
            tracemalloc.start()
            step(list(messages(WARM_UP, cases, uuid.uuid4().hex[:8])))
            # Only the replies have MIME boundaries: go on until re's cache is full, so
            # that what it compiles next replaces entries allocated while tracing.
            for _ in range(20):
                if len(getattr(re, "_cache", ())) >= getattr(re, "_MAXCACHE", 0):
                    break
                step(list(messages(WARM_UP // 4, cases, uuid.uuid4().hex[:8])))
            sizes = (small, large)
            if name == "ingest" and args.ingest_memory:
                sizes = tuple(int(value) for value in args.ingest_memory.split(","))
            peaks = [
                peak_memory(step, list(messages(count, cases, uuid.uuid4().hex[:8])))
                for count in sizes
            ]
            tracemalloc.stop()
            ratio = peaks[1] / peaks[0]
            verdict = "met" if ratio <= MEMORY_GOAL else "NOT met"
            print(f"    {name:<8}{sizes[0]:>7,}: {peaks[0] / 1e6:.1f} MB"
                  f"{sizes[1]:>8,}: {peaks[1] / 1e6:.1f} MB"
                  f"   ratio {ratio:.2f} (goal <= {MEMORY_GOAL}: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
