"""Planning the demo's complaints, compliments and suggestions: when, by which channel,
about what, from whom and handled by whom; the live ones due soon and overdue.
"""

from datetime import datetime, timedelta

from models import db
from rules.vocabulary import COMPLAINT_STATUSES
from services import clocks

from .office import Office, live_start
from .people import (
    CM,
    DM,
)
from .plans import (
    HISTORY_DAYS,
    MINIMUM_PER_STATUS,
    TARGET_COMPLAINTS,
    ComplaintPlan,
    last_time,
    status_at,
    widened,
)
from .texts import (
    COMPLAINT_DETAILS,
    COMPLAINT_SUMMARIES,
    COMPLIMENT_SUMMARIES,
    IMPACTS,
    MATTERS,
    OUTCOMES_SOUGHT,
    PLACES,
    REFERRALS_BY_CATEGORY,
    SUGGESTION_SUMMARIES,
)


class ComplaintPlanning:
    """Complaints planned from the lookups and people loaded first."""

    def random_received_at(self, office: Office, channel: str, age_days=None) -> datetime:
        """A receipt instant over the last eighteen months, a little busier lately."""
        rng = self.rng
        if age_days is None:
            growth = 1.2
            u = rng.random()
            x = (-1 + (1 + growth * (2 + growth) * u) ** 0.5) / growth
            age_days = (1 - x) * HISTORY_DAYS
        day = office.local(self.now - timedelta(days=age_days)).date()
        if channel in (
            "telephone",
            "in_person",
            "smart_service",
            "letter",
            "ombudsman_referral",
            "ministerial",
        ):
            while not office.is_working_day(day):
                day -= timedelta(days=1)
            opens, closes = office.hours(day)
            minute = rng.randint(opens + 5, closes - 5)
        else:
            if day.weekday() >= 5 and rng.random() < 0.5:
                day -= timedelta(days=day.weekday() - 4)
            minute = int(rng.triangular(6 * 60, 23 * 60 + 30, 13 * 60))
        received = office.at_minute(day, minute)
        if received > self.now:
            received = self.now - timedelta(minutes=rng.randint(5, 240))
        return received

    def pick_channel(self, kind):
        weights = {
            "online_form": 30,
            "email": 25,
            "telephone": 18,
            "letter": 6,
            "in_person": 8,
            "smart_service": 8,
            "ombudsman_referral": 2 if kind == "complaint" else 0,
            "ministerial": 3 if kind == "complaint" else 0,
        }
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def text(self, template, division_code, officer=None):
        rng = self.rng
        values = {
            "place": rng.choice(PLACES[division_code]),
            "matter": rng.choice(MATTERS),
            "weeks": rng.randint(3, 14),
            "officer": officer or "the officer",
        }
        values["a_matter"] = ("an " if values["matter"][0] in "aeiou" else "a ") + values["matter"]
        sentence = template.format(**values)
        return sentence[0].upper() + sentence[1:], values

    def plan_complaint(self, division_code=None, age_days=None, force=None):
        """A complaint, compliment or suggestion and its life; `force` steers the top-up."""
        rng = self.rng
        force = force or {}
        if division_code is None:
            division_code = rng.choices(["CS", "RO", "DS"], [50, 35, 15])[0]
        division = self.divisions[division_code]
        office = self.office_of(division)
        kind = (
            force.get("kind")
            or rng.choices(["complaint", "compliment", "suggestion"], [82, 11, 7])[0]
        )
        channel = force.get("channel") or self.pick_channel(kind)
        received = force.get("received_at") or self.random_received_at(office, channel, age_days)

        if kind == "complaint":
            category = rng.choices(list(COMPLAINT_SUMMARIES), [20, 14, 18, 14, 6, 8, 6, 6, 4, 4])[
                0
            ]
            summary, values = self.text(rng.choice(COMPLAINT_SUMMARIES[category]), division_code)
            when = office.local(received) - timedelta(days=rng.randint(2, 40))
            opening = rng.choice(
                [
                    f"On {when.day} {when:%B} I contacted you about my {values['matter']}.",
                    f"I have been trying to finalise {values['a_matter']} since {when:%B}.",
                    f"I am writing about my {values['matter']}.",
                    "",
                ]
            )
            description = " ".join(
                part
                for part in (
                    opening,
                    summary + ".",
                    COMPLAINT_DETAILS[category],
                    rng.choice(IMPACTS),
                )
                if part
            )
            sought = rng.choice(OUTCOMES_SOUGHT[category]).format(**values)
        else:
            frontline = [p for p in self.staff_of(division_code) if self.rank[id(p)] <= 6]
            officer = rng.choice(frontline).given_name
            templates = COMPLIMENT_SUMMARIES if kind == "compliment" else SUGGESTION_SUMMARIES
            summary, values = self.text(rng.choice(templates), division_code, officer)
            category = rng.choice(
                ["service_quality", "staff_conduct", "information", "timeliness"]
                if kind == "compliment"
                else ["policy", "access", "information", "facilities"]
            )
            description = f"{summary}. " + (
                "I wanted the team to know how much I appreciated it."
                if kind == "compliment"
                else "It would save customers and staff a lot of time."
            )
            sought = None

        plan = ComplaintPlan(
            kind=kind,
            division=division,
            received_at=received,
            channel=channel,
            category=category,
            summary=summary[:200],
            description=description,
            outcome_sought=sought,
        )
        self.choose_complainant(plan, force)
        if kind != "complaint":
            self.plan_feedback_life(plan, office)
            return plan

        plan.human_rights = rng.random() < (
            0.2 if category in ("access", "decision", "privacy") else 0.05
        )
        plan.confidential = plan.complainant is not None and rng.random() < 0.07
        referral = force.get("referred")
        if referral is None:
            referral = rng.random() < (0.2 if category in REFERRALS_BY_CATEGORY else 0.02)
        if referral:
            plan.referral = rng.choice(REFERRALS_BY_CATEGORY.get(category, ["other_department"]))
            self.plan_referral_life(plan, office)
            return plan
        plan.classification = (
            force.get("classification")
            or rng.choices(["informal", "standard", "complex"], [35, 50, 15])[0]
        )
        self.choose_officers(plan, division_code)
        self.plan_complaint_life(plan, office, force)
        return plan

    def choose_complainant(self, plan, force):
        rng = self.rng
        if "complainant" in force:
            plan.complainant = force["complainant"]
        elif plan.division.code == "DS" and rng.random() < 0.3:
            client = rng.choice(self.clients)
            plan.complainant = rng.choice(self.contacts[id(client)])
        elif plan.channel in ("online_form", "telephone", "letter") and rng.random() < 0.06:
            plan.complainant = None  # anonymous
        else:
            plan.complainant = rng.choice(self.public)

    def choose_officers(self, plan, division_code):
        """Subjects and people involved first, then officers clear of them (rules 1 and 3)."""
        rng = self.rng
        frontline = [p for p in self.staff_of(division_code) if self.rank[id(p)] <= 5]
        if plan.category == "staff_conduct" or (
            plan.category == "service_quality" and rng.random() < 0.4
        ):
            plan.subjects = rng.sample(frontline, 2 if rng.random() < 0.15 else 1)
        if (plan.category in ("decision", "timeliness") and rng.random() < 0.5) or (
            plan.subjects and rng.random() < 0.3
        ):
            others = [p for p in self.staff_of(division_code) if self.rank[id(p)] <= 6]
            # The demo logins stay clear of conflicts so that they carry plenty of cases.
            others = [p for p in others if p not in plan.subjects and id(p) not in self.login_ids]
            plan.involved = [rng.choice(others)]
        conflicted = {id(p) for p in plan.subjects + plan.involved}
        managers = [p for p in self.staff_of(division_code, CM) if id(p) not in conflicted]
        plan.manager = rng.choices(managers, [self.officer_weight(p) for p in managers])[0]
        manager_rank = self.rank[id(plan.manager)]
        deciders = [
            p
            for p in self.staff_of(division_code, DM)
            if id(p) not in conflicted
            and p is not plan.manager
            and self.rank[id(p)] > manager_rank
            and (plan.classification != "complex" or self.rank[id(p)] >= 8)
        ]
        plan.decision_maker = rng.choices(deciders, [self.officer_weight(p) for p in deciders])[0]

    def officer_weight(self, person):
        # The demo logins carry a good share of their division's work.
        return 6 if id(person) in self.login_ids else 1

    def plan_complaints(self, ticket_plans):
        plans = [self.plan_complaint() for _ in range(TARGET_COMPLAINTS)]
        # Clients whose serious tickets went badly complain about the service desk.
        unhappy = [
            t
            for t in ticket_plans
            if t.severity in ("1", "2")
            and t.contact is not None
            and status_at(t.events, self.now) == "closed"
        ]
        office = self.offices["AU-VIC"]
        for ticket in self.rng.sample(unhappy, min(5, len(unhappy))):
            received = office.during_hours(
                self.rng, last_time(ticket.events, "resolved", self.now), self.rng.randint(0, 3)
            )
            if received > self.now:
                continue
            plan = self.plan_complaint(
                "DS",
                force={
                    "kind": "complaint",
                    "channel": "email",
                    "received_at": received,
                    "complainant": ticket.contact,
                    "referred": False,
                },
            )
            plan.category = "timeliness"
            plan.summary = f"Service desk too slow to fix: {ticket.summary.lower()}"[:200]
            plan.description = (
                f"We reported this fault on {office.local(ticket.reported_at):%d/%m/%Y}. "
                "It took far longer than the service level we pay for; our staff could not work. "
                "We want an explanation and an assurance it will not happen again."
            )
            plan.outcome_sought = "An explanation and a service credit."
            plan.ticket_key = ticket.key
            plans.append(plan)
        self.top_up(plans, COMPLAINT_STATUSES, self.complaint_for_status)
        self.a_response_to_decide(plans)
        plans += self.live_complaints()
        plans.sort(key=lambda plan: plan.received_at)
        return plans

    def live_complaints(self):
        """In each division, complaints whose acknowledgement and whose response are due
        soon and overdue, worked back from `now` with the division's own clock."""
        plans = []
        computer = clocks.Clocks(db.session)
        for code, division in self.divisions.items():
            targets = computer.targets(division.calendar_id)
            office = self.office_of(division)
            for overdue in (False, True):
                registered = live_start(targets["complaint.acknowledgement"], self.now, overdue)
                if registered is not None:
                    plan = self.live_complaint(code, registered - timedelta(hours=2))
                    plan.events = [("received", plan.received_at), ("registered", registered)]
                    plan.changes = [(registered, {"registered_at": registered})]
                    plans.append(plan)
                received = live_start(targets["complaint.resolution.standard"], self.now, overdue)
                if received is not None:
                    plan = self.live_complaint(code, received)
                    rng = self.rng
                    registered = office.during_hours(rng, received, 0)
                    acknowledged = office.during_hours(rng, registered, 1)
                    assessed = office.during_hours(rng, acknowledged, 0)
                    investigating = office.during_hours(rng, assessed, 1)
                    plan.events = [
                        ("received", received),
                        ("registered", registered),
                        ("acknowledged", acknowledged),
                        ("under_assessment", assessed),
                        ("investigation", investigating),
                    ]
                    plan.changes = [
                        (registered, {"registered_at": registered}),
                        (acknowledged, {"acknowledged_at": acknowledged}),
                        (assessed, {"assigned": True}),
                    ]
                    plans.append(plan)
        return plans

    def live_complaint(self, division_code, received):
        """A standard complaint received at `received`, its life to be written by the caller."""
        plan = self.plan_complaint(
            division_code,
            force={
                "kind": "complaint",
                "channel": "email",
                "received_at": received,
                "referred": False,
                "classification": "standard",
            },
        )
        plan.outcome = plan.outcome_reason = None
        plan.extension = plan.review = plan.external = None
        return plan

    def a_response_to_decide(self, plans):
        """The demo decision maker has a drafted response waiting for them, whatever the day
        (the top-up above places its complaints in any division, with any decision maker)."""
        decider = self.logins.get("decider")
        if decider is None or any(
            plan.decision_maker is decider
            and status_at(plan.events, self.now) == "response_drafted"
            for plan in plans
        ):
            return
        division_code = next(
            code for code, division in self.divisions.items() if division.id == decider.division_id
        )
        plan = self.complaint_for_status("response_drafted", division_code)
        if plan is not None and plan.manager is not decider and decider not in plan.subjects:
            # Senior to every manager, never a subject or involved (choose_officers).
            plan.decision_maker = decider
            plans.append(plan)

    def complaint_for_status(self, status, division_code=None):
        """A complaint whose life is at `status` now, found by trying plausible ages."""
        rng = self.rng
        ages = {
            "received": (0, 3),
            "registered": (0, 5),
            "acknowledged": (0, 10),
            "under_assessment": (0, 15),
            "investigation": (3, 40),
            "awaiting_complainant": (5, 40),
            "response_drafted": (10, 60),
            "decided": (10, 60),
            "finalised": (10, 45),
            "internal_review": (40, 120),
            "external_review": (60, 300),
            "referred": (5, 300),
            "closed": (60, 500),
        }[status]
        force = {"kind": "complaint", "referred": status == "referred"}
        if status == "awaiting_complainant":
            force["wait"] = True
        if status == "internal_review":
            force["review"] = True
        if status == "external_review":
            # The Ombudsman takes a complaint once the internal review is over.
            force["review"] = force["external"] = True
        for attempt in range(2000):
            age = widened(ages, attempt)
            plan = self.plan_complaint(division_code, rng.uniform(*age), force=dict(force))
            if status_at(plan.events, self.now) == status:
                return plan
        return None

    def top_up(self, plans, statuses, make_for_status):
        present = {}
        for plan in plans:
            name = status_at(plan.events, self.now)
            present[name] = present.get(name, 0) + 1
        for status in statuses:
            for _ in range(MINIMUM_PER_STATUS - present.get(status, 0)):
                plan = make_for_status(status)
                if plan is not None:
                    plans.append(plan)
