"""A large register for trying the portal at scale, loaded by `flask seed --volume N`.

N complaints, compliments and suggestions and N/10 service-desk tickets over the ten years
ending now, in the demo department (loaded first when it is not there yet), with about N/4
more members of the public, some of whom complain more than once. Each case's life is
planned exactly as the demo plans it (seed/demo/): older cases are closed or finalised,
recent ones open, some waiting on the complainant, extended, reviewed internally or by the
Ombudsman or the Human Rights Commissioner, or referred to another process; officers are
chosen clear of the people complained about and of each other (separation of duties).

Speed: rows are written with bulk Core INSERTs in batches, not through the ORM, so the
flush hooks do not run. What they would do is done here the same way: due instants come
from services.clocks.compute_deadlines on the calendars and SLA targets of the database,
and reference numbers continue the gap-free counters, which are moved on in the same
transaction as each batch. Run it while nobody else registers cases.
"""

import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from models import (
    ClassificationLevel,
    Complaint,
    Division,
    Extension,
    ExternalReview,
    HistoryEntry,
    InternalReview,
    Participant,
    ReferenceCounter,
    Ticket,
    User,
    db,
    kinds,
)
from models.cases import complaint_involved, complaint_subject
from rules import deadlines as deadline_rules
from services import clocks, references

from . import demo

YEARS = 10
HISTORY_DAYS = 3653
TICKETS_PER_COMPLAINT = 0.1
PUBLIC_PER_COMPLAINT = 0.25
BATCH = 5000


class Refused(Exception):
    """The volume cannot be loaded; nothing has been saved."""


class Someone:
    """A member of the public added by the volume seed: only the id is needed."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id


class VolumeBuilder(demo.DemoBuilder):
    """The demo's planning of case lives, over ten years, written in bulk."""

    def __init__(self, now: datetime, seed: int):
        self.now = now
        self.rng = random.Random(seed)
        self.start = now - timedelta(days=HISTORY_DAYS)
        self._staff_of = {}
        self._names = {}

    # ------------------------------------------------------------ the demo department

    def load_people(self):
        """The demo's divisions, staff, accounts, clients and public, from the database."""
        codes = [code for code, _, _ in demo.DIVISIONS]
        self.divisions = {
            d.code: d for d in db.session.scalars(select(Division).where(Division.code.in_(codes)))
        }
        if len(self.divisions) != len(codes):
            raise Refused(
                "The demo department is not complete (divisions "
                + ", ".join(codes)
                + "): load it with `flask seed --demo` on an empty register first."
            )
        division_ids = [d.id for d in self.divisions.values()]
        levels = {lv.id: lv.rank for lv in db.session.scalars(select(ClassificationLevel))}
        self.staff = list(
            db.session.scalars(
                select(Participant)
                .where(Participant.kind == "staff", Participant.division_id.in_(division_ids))
                .order_by(Participant.id)
            )
        )
        self.rank = {id(p): levels.get(p.level_id, 0) for p in self.staff}
        users = {
            u.participant_id: u
            for u in db.session.scalars(
                select(User).where(User.participant_id.in_([p.id for p in self.staff]))
            )
        }
        self.accounts, self.capacities_of, self.logins = {}, {}, {}
        for person in self.staff:
            user = users.get(person.id)
            self.capacities_of[id(person)] = (
                {c.code for c in user.capacities} if user is not None and user.active else set()
            )
            if user is not None:
                self.accounts[id(person)] = user
                if user.username in demo.DEMO_LOGINS:
                    self.logins[user.username] = person
        self.login_ids = {id(p) for p in self.logins.values()}
        self.coordinators = {}
        for code in self.divisions:
            coordinators = self.staff_of(code, demo.CO)
            managers = self.staff_of(code, demo.CM)
            deciders = self.staff_of(code, demo.DM)
            if not (coordinators and managers and deciders):
                raise Refused(
                    f"Division {code} needs a coordinator, a complaint manager and a "
                    "decision maker with active accounts for the volume seed."
                )
            self.coordinators[code] = coordinators[0]
        self.agents = [p for p in self.staff if demo.SA in self.capacities_of[id(p)]]
        others = list(
            db.session.scalars(
                select(Participant)
                .where(Participant.kind.in_(["complainant", "client_organisation"]))
                .order_by(Participant.id)
            )
        )
        self.clients = [p for p in others if p.kind == "client_organisation"]
        self.contacts = {id(c): [] for c in self.clients}
        by_id = {c.id: c for c in self.clients}
        self.public = []
        for person in others:
            if person.kind != "complainant":
                continue
            if person.organisation_id in by_id:
                self.contacts[id(by_id[person.organisation_id])].append(person)
            elif person.organisation_id is None:
                self.public.append(person)
        self.clients = [c for c in self.clients if self.contacts[id(c)]]
        if not self.clients or not self.agents:
            raise Refused("The service desk needs client organisations and support agents.")
        self.external_bodies = list(
            db.session.scalars(select(Participant).where(Participant.kind == "external_body"))
        )

    def staff_of(self, division_code, capacity=None):
        key = (division_code, capacity)
        if key not in self._staff_of:
            self._staff_of[key] = super().staff_of(division_code, capacity)
        return self._staff_of[key]

    def name(self, person) -> str:
        if id(person) not in self._names:
            self._names[id(person)] = str(person)
        return self._names[id(person)]

    def add_public(self, count: int, next_id: int) -> list[dict]:
        """`count` more members of the public, with ids from `next_id`."""
        rng, rows = self.rng, []
        for n in range(count):
            given, family = rng.choice(demo.GIVEN_NAMES), rng.choice(demo.FAMILY_NAMES)
            suburb, postcode = rng.choice(demo.SUBURBS)
            handle = f"{given}.{family}".lower().replace("'", "")
            rows.append(
                {
                    "id": next_id + n,
                    "version": 1,
                    "kind": "complainant",
                    "given_name": given,
                    "family_name": family,
                    "organisation_name": None,
                    "email": (
                        f"{handle}{rng.randint(1, 999)}@{rng.choice(demo.PUBLIC_EMAIL_DOMAINS)}"
                        if rng.random() < 0.85
                        else None
                    ),
                    "phone": rng.choice(demo.MOBILES)
                    if rng.random() < 0.6
                    else f"(07) 5550 {rng.randint(0, 9999):04d}",
                    "address": f"{rng.randint(1, 240)} {rng.choice(demo.STREETS)}, "
                    f"{suburb} QLD {postcode}",
                }
            )
            self.public.append(Someone(next_id + n))
        return rows

    # ------------------------------------------------------------ when cases arrive

    def ages(self, count: int) -> list[float]:
        """Ages in days, oldest first: a register that grows about 8 % a year."""
        rng, growth = self.rng, 0.8
        ages = []
        for _ in range(count):
            u = rng.random()
            x = (-1 + (1 + growth * (2 + growth) * u) ** 0.5) / growth
            ages.append((1 - x) * HISTORY_DAYS)
        ages.sort(reverse=True)
        return ages


class Writer:
    """Rows for one batch, with ids, reference numbers and due instants, then one INSERT each."""

    def __init__(self, builder: VolumeBuilder, session):
        self.b = builder
        self.session = session
        self.clocks = clocks.Clocks(session)
        self.now = builder.now
        self.counters = {
            (row.prefix, row.year): row.last_value
            for row in session.execute(select(ReferenceCounter)).scalars()
        }
        self.used = set()
        self.next_id = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (Complaint, Ticket, InternalReview, Participant)
        }
        self.reset()

    def reset(self):
        self.rows = {
            "complaint": [],
            "subject": [],
            "involved": [],
            "extension": [],
            "internal_review": [],
            "external_review": [],
            "ticket": [],
            "history": [],
        }
        self.used = set()

    def reference(self, prefix: str, year: int) -> str:
        number = self.counters.get((prefix, year), 0) + 1
        self.counters[(prefix, year)] = number
        self.used.add((prefix, year))
        return f"{prefix}-{year}-{number:06d}"

    def history(self, at, record_type, record_id, summary):
        self.rows["history"].append(
            {
                "at": at,
                "user_id": None,
                "record_type": record_type,
                "record_id": record_id,
                "action": "create",
                "summary": summary,
                "changes": None,
            }
        )

    # ------------------------------------------------------------ complaints

    def complaint(self, plan, reviewers):
        b, now = self.b, self.now
        status = demo.status_at(plan.events, now)
        fields = plan.fields_at(now)
        outcome = fields.get("outcome")
        division = plan.division
        registered = fields.get("registered_at")
        row = {
            "id": self.next_id[Complaint],
            "version": 1,
            "kind": plan.kind,
            "status": status,
            "classification": None,
            "summary": plan.summary,
            "description": plan.description,
            "outcome_sought": plan.outcome_sought,
            "human_rights": plan.human_rights,
            "confidential": plan.confidential,
            "channel_id": b.channels[plan.channel].id,
            "category_id": b.categories[plan.category].id,
            "category_name": b.categories[plan.category].name,
            "referral_target_id": None,
            "outcome_id": b.outcomes[outcome].id if outcome else None,
            "outcome_reason": fields.get("outcome_reason"),
            "division_id": division.id,
            "division_name": division.name,
            "complainant_id": plan.complainant.id if plan.complainant is not None else None,
            "coordinator_id": b.coordinators[division.code].id if registered else None,
            "manager_id": None,
            "decision_maker_id": None,
            "drafted_by_id": None,
            "decided_by_id": None,
            "received_at": plan.received_at,
            "registered_at": registered,
            "acknowledged_at": fields.get("acknowledged_at"),
            "decided_at": fields.get("decided_at"),
            "finalised_at": fields.get("finalised_at"),
            "closed_at": fields.get("closed_at"),
            "paused_since": None,
            "created_at": registered or plan.received_at,
            "updated_at": plan.events[-1][1] if plan.events[-1][1] <= now else now,
        }
        self.next_id[Complaint] += 1
        if registered and plan.classification == "informal":
            row["classification"] = plan.classification
        if fields.get("referred"):
            row["referral_target_id"] = b.referral_targets[plan.referral].id
        if fields.get("assigned"):
            row["classification"] = plan.classification
            row["manager_id"] = plan.manager.id
            row["decision_maker_id"] = plan.decision_maker.id
        if fields.get("drafted"):
            row["drafted_by_id"] = b.accounts[id(plan.manager)].id
        if fields.get("decided"):
            row["decided_by_id"] = b.accounts[id(plan.decision_maker)].id
        if status == "awaiting_complainant":
            row["paused_since"] = demo.last_time(plan.events, "awaiting_complainant", now)

        calendar_id = division.calendar_id
        engine = self.clocks.engine(calendar_id)
        row["reference"] = self.reference(
            references.PREFIXES[plan.kind], plan.received_at.astimezone(engine.tz).year
        )
        complaint_id = row["id"]
        for person in plan.subjects:
            self.rows["subject"].append(
                {"complaint_id": complaint_id, "participant_id": person.id}
            )
        for person in plan.involved:
            self.rows["involved"].append(
                {"complaint_id": complaint_id, "participant_id": person.id}
            )

        extension = None
        if plan.extension and plan.extension["approved_at"] <= now:
            e = plan.extension
            told = e["told_at"]
            self.rows["extension"].append(
                {
                    "complaint_id": complaint_id,
                    "new_due_at": e["new_due_at"],
                    "reason": e["reason"],
                    "approved_by_id": e["approved_by"].id,
                    "approved_at": e["approved_at"],
                    "complainant_told_at": told if told <= now else None,
                }
            )
            extension = deadline_rules.ExtensionFacts(
                new_due_at=e["new_due_at"],
                reason=e["reason"],
                approved_by=b.name(e["approved_by"]),
                approved_at=e["approved_at"],
            )
        targets = self.clocks.targets(calendar_id)
        found = clocks.compute_deadlines(
            "complaint", SimpleNamespace(**row), (), extension, targets
        )
        for name in kinds.COMPLAINT.due_fields:
            row[name] = None
        for deadline in found:
            row[deadline.field] = deadline.due
        row["next_due_at"] = deadline_rules.next_due(
            found,
            paused=row["paused_since"] is not None,
            closed=kinds.COMPLAINT.is_closed(status),
        )
        self.rows["complaint"].append(row)
        self.history(
            row["created_at"], "Complaint", complaint_id, f"Complaint {row['reference']} created"
        )

        if plan.review and plan.review["events"][0][1] <= now:
            self.review(plan, reviewers, complaint_id, row["reference"], targets)
        if plan.external and plan.external["notified_at"] <= now:
            closed = plan.external["closed_at"] <= now
            self.rows["external_review"].append(
                {
                    "version": 1,
                    "complaint_id": complaint_id,
                    "body": plan.external["body"],
                    "their_reference": plan.external["their_reference"],
                    "notified_at": plan.external["notified_at"],
                    "status": "closed" if closed else "open",
                    "outcome": plan.external["outcome"] if closed else None,
                    "closed_at": plan.external["closed_at"] if closed else None,
                }
            )

    def review(self, plan, reviewers, complaint_id, reference, targets):
        """A reviewer clear of the case who ranks at least with its decision maker (rule 2)."""
        b, now, rng = self.b, self.now, self.b.rng
        events = plan.review["events"]
        status = demo.status_at(events, now)
        conflicted = {id(p) for p in plan.subjects + plan.involved}
        conflicted |= {id(plan.manager), id(plan.decision_maker)}
        eligible = [
            p
            for p in reviewers
            if id(p) not in conflicted and b.rank[id(p)] >= b.rank[id(plan.decision_maker)]
        ]
        row = {
            "id": self.next_id[InternalReview],
            "version": 1,
            "complaint_id": complaint_id,
            "status": status,
            "requested_at": events[0][1],
            "reviewer_id": None,
            "late_reason": plan.review["late_reason"],
            "outcome": None,
            "findings": None,
            "recorded_by_id": None,
            "completed_at": None,
            "paused_since": None,
            "created_at": events[0][1],
        }
        self.next_id[InternalReview] += 1
        reviewer = None
        if status != "requested":
            reviewer = rng.choices(eligible, [b.officer_weight(p) for p in eligible])[0]
            row["reviewer_id"] = reviewer.id
        if status == "awaiting_complainant":
            row["paused_since"] = demo.last_time(events, "awaiting_complainant", now)
        if kinds.INTERNAL_REVIEW.is_closed(status):
            row["completed_at"] = events[-1][1]
        if status == "completed":
            row["outcome"] = plan.review["outcome"]
            row["findings"] = demo.REVIEW_FINDINGS[row["outcome"]].format(
                outcome=b.outcomes[plan.review.get("changed_to", "upheld")].name.lower()
            )
            row["recorded_by_id"] = b.accounts[id(reviewer)].id
        found = clocks.compute_deadlines(
            "internal_review", SimpleNamespace(**row), (), None, targets
        )
        row["due_at"] = next((d.due for d in found if d.field == "due_at"), None)
        self.rows["internal_review"].append(row)
        self.history(
            row["created_at"],
            "InternalReview",
            row["id"],
            f"Internal review of {reference} created",
        )

    # ------------------------------------------------------------ tickets

    def ticket(self, plan):
        b, now = self.b, self.now
        status = demo.status_at(plan.events, now)
        client = plan.client
        calendar_id = client.calendar_id or self.clocks.default_ticket_calendar_id()
        engine = self.clocks.engine(calendar_id)
        row = {
            "id": self.next_id[Ticket],
            "version": 1,
            "reference": self.reference("TKT", plan.reported_at.astimezone(engine.tz).year),
            "severity": plan.severity,
            "status": status,
            "summary": plan.summary,
            "description": plan.description,
            "client_id": client.id,
            "contact_id": plan.contact.id if plan.contact is not None else None,
            "agent_id": plan.agent.id if status != "new" else None,
            "channel_id": b.channels[plan.channel].id,
            "complaint_id": None,
            "reported_at": plan.reported_at,
            "first_response_at": demo.last_time(plan.events, "responded", now),
            "resolved_at": demo.last_time(plan.events, "resolved", now),
            "closed_at": demo.last_time(plan.events, "closed", now),
            "paused_since": demo.last_time(plan.events, "waiting_on_client", now)
            if status == "waiting_on_client"
            else None,
            "created_at": plan.reported_at,
            "updated_at": min(plan.events[-1][1], now),
        }
        self.next_id[Ticket] += 1
        found = clocks.compute_deadlines(
            "ticket", SimpleNamespace(**row), (), None, self.clocks.targets(calendar_id)
        )
        for name in kinds.TICKET.due_fields:
            row[name] = None
        for deadline in found:
            row[deadline.field] = deadline.due
        row["next_due_at"] = deadline_rules.next_due(
            found,
            paused=row["paused_since"] is not None,
            closed=kinds.TICKET.is_closed(status),
        )
        self.rows["ticket"].append(row)
        self.history(row["created_at"], "Ticket", row["id"], f"Ticket {row['reference']} created")

    # ------------------------------------------------------------ one transaction per batch

    def flush(self):
        """Insert the batch's rows and move the counters on, then commit."""
        connection = self.session.connection()
        tables = [
            ("complaint", Complaint.__table__),
            ("subject", complaint_subject),
            ("involved", complaint_involved),
            ("extension", Extension.__table__),
            ("internal_review", InternalReview.__table__),
            ("external_review", ExternalReview.__table__),
            ("ticket", Ticket.__table__),
            ("history", HistoryEntry.__table__),
        ]
        for name, table in tables:
            if self.rows[name]:
                connection.execute(table.insert(), self.rows[name])
        self.save_counters(connection)
        self.session.commit()
        self.reset()

    def save_counters(self, connection):
        if not self.used:
            return
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        table = ReferenceCounter.__table__
        rows = [
            {"prefix": prefix, "year": year, "last_value": self.counters[(prefix, year)]}
            for prefix, year in sorted(self.used)
        ]
        statement = dialect.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": statement.excluded.last_value},
        )
        connection.execute(statement, rows)

    def insert_public(self, rows):
        for start in range(0, len(rows), BATCH):
            self.session.connection().execute(
                Participant.__table__.insert(), rows[start : start + BATCH]
            )
        self.session.commit()

    def reset_sequences(self):
        """PostgreSQL: the id sequences continue after the ids given here."""
        connection = self.session.connection()
        if connection.dialect.name != "postgresql":
            return
        for table in ("complaint", "internal_review", "ticket", "participant"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
        self.session.commit()


def load(count: int, *, now: datetime | None = None, seed: int | None = None, progress=None):
    """Add `count` complaints and about count/10 tickets; returns what was added.

    `progress(n)` is called as cases are written (n: how many more).
    """
    now = now or datetime.now(timezone.utc)
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 30)
    builder = VolumeBuilder(now, seed)
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False
    try:
        builder.load_lookups()
        builder.load_people()
        writer = Writer(builder, session)
        public = builder.add_public(int(count * PUBLIC_PER_COMPLAINT), writer.next_id[Participant])
        writer.insert_public(public)
        reviewers = [p for p in builder.staff if demo.IR in builder.capacities_of[id(p)]]
        ages = builder.ages(count)
        complaints = reviews = 0
        for start in range(0, count, BATCH):
            plans = [builder.plan_complaint(age_days=age) for age in ages[start : start + BATCH]]
            plans.sort(key=lambda plan: plan.received_at)
            for plan in plans:
                writer.complaint(plan, reviewers)
            complaints += len(plans)
            reviews += len(writer.rows["internal_review"])
            writer.flush()
            if progress:
                progress(len(plans))
        tickets = int(round(count * TICKETS_PER_COMPLAINT))
        ticket_ages = sorted(
            (builder.rng.uniform(0, HISTORY_DAYS) for _ in range(tickets)), reverse=True
        )
        for start in range(0, tickets, BATCH):
            plans = [
                builder.plan_ticket(None, age_days=age)
                for age in ticket_ages[start : start + BATCH]
            ]
            plans.sort(key=lambda plan: plan.reported_at)
            for plan in plans:
                writer.ticket(plan)
            writer.flush()
            if progress:
                progress(len(plans))
        writer.reset_sequences()
        # The query planner's statistics, for a register that has just grown; on
        # PostgreSQL a VACUUM too, so that counts can be read from the indexes alone.
        if session.get_bind().dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            session.connection().execute(text("ANALYZE"))
            session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return {
        "complaints": complaints,
        "internal_reviews": reviews,
        "tickets": tickets,
        "public": len(public),
        "seed": seed,
    }
