"""A believable demo department, loaded by `flask seed --demo`.

Three divisions, about thirty staff, a login per capacity, members of the public,
client organisations, external bodies, about 500 complaints and 300 service-desk tickets
over the last eighteen months, with reviews and extensions. Deterministic for a given
`now` (`random.Random(2026)`), and loaded through the ORM session so that the flush hooks
give reference numbers and compute every due instant.

Each case's life is worked out first as a list of (status, instant) events, in the office
hours of its calendar; its status is the last event at or before `now`, and only the
timestamps of events that have happened are saved. Waits on the complainant or client are
shown only while they last: a wait that is over leaves no clock pause behind.
"""

from datetime import datetime, timezone

from models import Division, User, db
from rules.vocabulary import CAPACITIES
from services import notifications

from .builder import DemoBuilder
from .conduct import load_conduct
from .learning import load_improvements
from .notices import load_notifications
from .office import (
    Office,
    live_start,
)
from .paragraphs import load_canned_paragraphs
from .people import (
    AD,
    CLIENT_ORGANISATIONS,
    CM,
    CO,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DIVISIONS,
    DM,
    EXTERNAL_BODIES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    IR,
    MOBILES,
    PUBLIC_EMAIL_DOMAINS,
    SA,
    STAFF,
    STAFF_EMAIL_DOMAIN,
    STREETS,
    SUBURBS,
)
from .plans import (
    BATCH_SIZE,
    HISTORY_DAYS,
    LIVE_MARGIN,
    MINIMUM_PER_STATUS,
    TARGET_COMPLAINTS,
    TARGET_TICKETS,
    ComplaintPlan,
    TicketPlan,
    last_time,
    status_at,
    widened,
)
from .surveys import load_surveys
from .texts import (
    COMPLAINT_DETAILS,
    COMPLAINT_SUMMARIES,
    COMPLIMENT_SUMMARIES,
    EXTENSION_REASONS,
    EXTERNAL_OUTCOMES,
    IMPACTS,
    LATE_REASONS,
    MATTERS,
    OUTCOME_REASONS,
    OUTCOMES_SOUGHT,
    PLACES,
    REFERRALS_BY_CATEGORY,
    REVIEW_FINDINGS,
    SUGGESTION_SUMMARIES,
    TICKET_DETAILS,
    TICKET_SUMMARIES,
)

__all__ = [
    "AD",
    "BATCH_SIZE",
    "CLIENT_ORGANISATIONS",
    "CM",
    "CO",
    "COMPLAINT_DETAILS",
    "COMPLAINT_SUMMARIES",
    "COMPLIMENT_SUMMARIES",
    "ComplaintPlan",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DIVISIONS",
    "DM",
    "DemoBuilder",
    "EXTENSION_REASONS",
    "EXTERNAL_BODIES",
    "EXTERNAL_OUTCOMES",
    "FAMILY_NAMES",
    "GIVEN_NAMES",
    "HISTORY_DAYS",
    "IMPACTS",
    "IR",
    "LATE_REASONS",
    "LIVE_MARGIN",
    "MATTERS",
    "MINIMUM_PER_STATUS",
    "MOBILES",
    "OUTCOMES_SOUGHT",
    "OUTCOME_REASONS",
    "Office",
    "PLACES",
    "PUBLIC_EMAIL_DOMAINS",
    "REFERRALS_BY_CATEGORY",
    "REVIEW_FINDINGS",
    "SA",
    "STAFF",
    "STAFF_EMAIL_DOMAIN",
    "STREETS",
    "SUBURBS",
    "SUGGESTION_SUMMARIES",
    "TARGET_COMPLAINTS",
    "TARGET_TICKETS",
    "TICKET_DETAILS",
    "TICKET_SUMMARIES",
    "TicketPlan",
    "already_loaded",
    "demo_login_lines",
    "demo_usernames",
    "last_time",
    "live_start",
    "load",
    "status_at",
    "widened",
]


def demo_usernames():
    """(username, staff row) for every demo account."""
    return [
        (username or f"{given}.{family}".lower().replace("'", ""), row)
        for row in STAFF
        for _, _, given, family, username, capacities, _ in [row]
        if capacities
    ]


def demo_login_lines() -> list[str]:
    """The six demo logins, one line each, for the command's closing message."""
    staff = {username: row for username, row in demo_usernames()}
    lines = []
    for username, capacity in DEMO_LOGINS.items():
        division, level, given, family, _, _, position = staff[username]
        division_name = next(name for code, name, _ in DIVISIONS if code == division)
        lines.append(
            f"  {username:<12} {DEMO_PASSWORD:<18} {CAPACITIES[capacity]}: "
            f"{given} {family}, {position}, {division_name} ({level})"
        )
    return lines


def already_loaded() -> str | None:
    """Why the demo cannot be loaded again, or None when it can."""
    codes = [code for code, _, _ in DIVISIONS]
    names = [name for _, name, _ in DIVISIONS]
    division = (
        db.session.execute(
            db.select(Division).where(Division.code.in_(codes) | Division.name.in_(names))
        )
        .scalars()
        .first()
    )
    if division is not None:
        return f"division {division.name} ({division.code}) already exists"
    usernames = [username for username, _ in demo_usernames()]
    user = (
        db.session.execute(db.select(User).where(User.username.in_(usernames))).scalars().first()
    )
    if user is not None:
        return f"user {user.username} already exists"
    return None


def load(now: datetime | None = None, echo=print) -> dict | None:
    """Load the demo department; returns counts, or None when it was already there."""
    reason = already_loaded()
    if reason is not None:
        echo(f"Demo data already loaded ({reason}): skipped.")
        return None
    builder = DemoBuilder(now or datetime.now(timezone.utc))
    session = db.session()
    expire_on_commit = session.expire_on_commit
    # Nothing else writes these rows while the demo loads: keep them loaded across batches.
    session.expire_on_commit = False
    try:
        builder.load_lookups()
        builder.create_people()
        echo(
            f"Demo: {len(builder.divisions)} divisions, {len(builder.staff)} staff, "
            f"{len(builder.accounts)} logins, {len(builder.public)} members of the public, "
            f"{len(builder.clients)} client organisations, "
            f"{len(builder.external_bodies)} external bodies."
        )
        ticket_plans = builder.plan_tickets()
        complaint_plans = builder.plan_complaints(ticket_plans)
        # A past that never happened tells nobody as it is saved; a few notifications
        # are made for the demo logins at the end instead.
        with notifications.held_back(session):
            complaints = builder.save_complaints(complaint_plans)
            tickets = builder.save_tickets(ticket_plans)
        reviews = sum(
            1
            for plan in complaint_plans
            if plan.review and plan.review["events"][0][1] <= builder.now
        )
        echo(
            f"Demo: {complaints} complaints, compliments and suggestions, "
            f"{reviews} internal reviews."
        )
        echo(f"Demo: {tickets} service-desk tickets.")
        paragraphs = load_canned_paragraphs(db.session)
        echo(f"Demo: {paragraphs} canned paragraphs for replies.")
        improved = load_improvements(db.session, builder.now)
        echo(f"Demo: {improved} improvements complaints led to, with their issues.")
        conduct = load_conduct(db.session, builder.now)
        echo(f"Demo: {conduct} records of complainant conduct and representation.")
        sent, answered = load_surveys(db.session, builder.now)
        echo(f"Demo: {sent} satisfaction surveys sent, {answered} answered.")
        told = load_notifications(db.session, builder.now)
        echo(f"Demo: {told} notifications for the demo officers.")
    except Exception:
        db.session.rollback()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return {
        "divisions": len(builder.divisions),
        "staff": len(builder.staff),
        "logins": len(builder.accounts),
        "complaints": complaints,
        "tickets": tickets,
    }
