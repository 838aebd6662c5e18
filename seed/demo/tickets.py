"""The demo's service-desk tickets: planned on the desk's clock, then saved."""

from datetime import timedelta

from models import (
    Ticket,
    db,
)
from rules.vocabulary import TICKET_STATUSES
from services import clocks

from .office import live_start
from .people import SA
from .plans import (
    BATCH_SIZE,
    HISTORY_DAYS,
    TARGET_TICKETS,
    TicketPlan,
    last_time,
    status_at,
    widened,
)
from .texts import (
    TICKET_DETAILS,
    TICKET_SUMMARIES,
)


class TicketPlanning:
    """Tickets planned and saved on the service desk calendar of each client."""

    def ticket_office(self, client):
        code = client.calendar.code if client.calendar is not None else "AU-VIC"
        return self.offices[code]

    def plan_ticket(self, key, age_days=None, force=None):
        rng = self.rng
        force = force or {}
        severity = force.get("severity") or rng.choices(["1", "2", "3a", "3b"], [4, 18, 38, 40])[0]
        client = force.get("client") or rng.choice(self.clients)
        office = self.ticket_office(client)
        contact = rng.choice(self.contacts[id(client)]) if rng.random() < 0.92 else None
        channel = rng.choices(["email", "telephone", "online_form"], [50, 30, 20])[0]
        if age_days is None:
            age_days = rng.uniform(0, HISTORY_DAYS)
        day = office.local(self.now - timedelta(days=age_days)).date()
        if severity == "1" or rng.random() < 0.2:
            minute = rng.randint(0, 24 * 60 - 1)  # outages happen at any hour
        else:
            while not office.is_working_day(day):
                day -= timedelta(days=1)
            opens, closes = office.hours(day)
            minute = rng.randint(opens, closes - 1)
        reported = force.get("reported_at") or office.at_minute(day, minute)
        if reported > self.now:
            reported = self.now - timedelta(minutes=rng.randint(1, 120))
        summary = rng.choice(TICKET_SUMMARIES[severity])
        description = TICKET_DETAILS[severity].format(
            clock=f"{office.local(reported):%I:%M %p}".lstrip("0").lower(),
            org=client.organisation_name,
            users=rng.choice([12, 25, 40, 80, 150]),
        )
        plan = TicketPlan(key, severity, client, contact, reported, channel, summary, description)
        plan.agent = rng.choices(self.agents, [self.officer_weight(p) for p in self.agents])[0]

        first_response_minutes = {
            "1": rng.choices([rng.randint(5, 30), rng.randint(31, 60)], [9, 1])[0],
            "2": rng.choices([rng.randint(10, 120), rng.randint(121, 240)], [9, 1])[0],
            "3a": rng.randint(30, 24 * 60),
            "3b": rng.randint(20, 24 * 60),
        }[severity]
        day_minutes = office.business_minutes_per_day(office.local(reported).date())
        resolution_minutes = {
            "1": rng.choices([rng.randint(45, 360), rng.randint(361, 600)], [49, 1])[0],
            "2": rng.choices([rng.randint(120, 72 * 60), rng.randint(72 * 60, 100 * 60)], [19, 1])[
                0
            ],
            "3a": rng.randint(1, 28) * day_minutes * 5 // 7,
            "3b": rng.choices(
                [rng.randint(60, 3 * day_minutes), rng.randint(3 * day_minutes, 5 * day_minutes)],
                [9, 1],
            )[0],
        }[severity]
        responded = office.after_business_minutes(reported, first_response_minutes)
        working = office.after_business_minutes(responded, rng.randint(5, 90))
        events = [("new", reported), ("responded", responded), ("in_progress", working)]
        resumed = working
        if force.get("wait") or (severity in ("2", "3a", "3b") and rng.random() < 0.15):
            waiting = office.after_business_minutes(working, rng.randint(30, 8 * 60))
            resumed = office.after_business_minutes(waiting, rng.randint(1, 5) * day_minutes)
            events += [("waiting_on_client", waiting), ("in_progress", resumed)]
        resolved = office.after_business_minutes(
            max(reported, resumed), max(resolution_minutes - first_response_minutes, 15)
        )
        resolved = max(resolved, office.after_business_minutes(working, 15))
        closed = office.during_hours(rng, resolved, rng.randint(1, 5))
        events += [("resolved", resolved), ("closed", closed)]
        events.sort(key=lambda event: event[1])
        plan.events = events
        return plan

    def live_tickets(self):
        """Tickets in progress whose resolution is due soon and overdue, on the desk's clock."""
        plans = []
        computer = clocks.Clocks(db.session)
        for severity, overdue in (("2", False), ("3b", True), ("3b", False), ("2", True)):
            client = self.rng.choice(self.clients)
            calendar_id = client.calendar_id or computer.default_ticket_calendar_id()
            target = computer.targets(calendar_id)[f"ticket.resolution.{severity}"]
            reported = live_start(target, self.now, overdue)
            if reported is None:
                continue
            force = {"severity": severity, "client": client, "reported_at": reported}
            plan = self.plan_ticket(None, age_days=0, force=force)
            office = self.ticket_office(client)
            responded = office.after_business_minutes(reported, 20)
            working = office.after_business_minutes(responded, 10)
            plan.events = [("new", reported), ("responded", responded), ("in_progress", working)]
            plans.append(plan)
        return plans

    def ticket_for_status(self, status):
        ages = {
            "new": (0, 0.2),
            "responded": (0, 2),
            "in_progress": (0, 6),
            "waiting_on_client": (0, 10),
            "resolved": (0, 8),
            "closed": (5, 120),
        }[status]
        for attempt in range(3000):
            force = {"wait": status == "waiting_on_client"}
            if status == "new" and attempt % 2:
                force["severity"] = "3b"
            age = widened(ages, attempt)
            plan = self.plan_ticket(None, age_days=self.rng.uniform(*age), force=force)
            if status_at(plan.events, self.now) == status:
                return plan
        return None

    def plan_tickets(self):
        self.agents = [p for p in self.staff if SA in self.capacities_of[id(p)]]
        plans = [self.plan_ticket(key) for key in range(TARGET_TICKETS)]
        self.top_up(plans, TICKET_STATUSES, self.ticket_for_status)
        plans += self.live_tickets()
        for key, plan in enumerate(plans):
            plan.key = key
        plans.sort(key=lambda plan: plan.reported_at)
        return plans

    def save_tickets(self, plans):
        now = self.now
        for saved, plan in enumerate(plans, start=1):
            status = status_at(plan.events, now)
            ticket = Ticket(
                severity=plan.severity,
                status=status,
                summary=plan.summary,
                description=plan.description,
                client=plan.client,
                contact=plan.contact,
                channel=self.channels[plan.channel],
                reported_at=plan.reported_at,
                first_response_at=last_time(plan.events, "responded", now),
                resolved_at=last_time(plan.events, "resolved", now),
                closed_at=last_time(plan.events, "closed", now),
                complaint=self.complaint_for_ticket.get(plan.key),
            )
            if status != "new":
                ticket.agent = plan.agent
            if status == "waiting_on_client":
                ticket.paused_since = last_time(plan.events, "waiting_on_client", now)
            db.session.add(ticket)
            if saved % BATCH_SIZE == 0:
                db.session.commit()
        db.session.commit()
        return len(plans)
