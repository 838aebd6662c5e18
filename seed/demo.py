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

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from models import (
    Calendar,
    Capacity,
    Category,
    Channel,
    ClassificationLevel,
    Complaint,
    Division,
    Extension,
    ExternalReview,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    Ticket,
    User,
    db,
)
from rules.clock import Unit
from rules.vocabulary import (
    ADMINISTRATOR,
    CAPACITIES,
    COMPLAINT_MANAGER,
    COMPLAINT_STATUSES,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
    TICKET_STATUSES,
)
from services import clocks

BUSINESS_DAYS = Unit.BUSINESS_DAYS
BUSINESS_MINUTES = Unit.BUSINESS_MINUTES

# Every demo account, the six below and the other officers', signs in with this password.
DEMO_PASSWORD = "demo-portal-2026"

# The six documented demo logins, one per capacity: username -> capacity.
DEMO_LOGINS = {
    "admin": ADMINISTRATOR,
    "coordinator": COORDINATOR,
    "manager": COMPLAINT_MANAGER,
    "decider": DECISION_MAKER,
    "reviewer": INTERNAL_REVIEWER,
    "agent": SUPPORT_AGENT,
}

# The fictional Department of Customer and Regional Services.
STAFF_EMAIL_DOMAIN = "dcrs.qld.gov.au"

DIVISIONS = [
    # code, name, calendar
    ("CS", "Customer Services", "AU-QLD"),
    ("RO", "Regional Operations", "AU-QLD"),
    ("DS", "Digital Services", "AU-VIC"),
]

CM, DM, IR = COMPLAINT_MANAGER, DECISION_MAKER, INTERNAL_REVIEWER
CO, SA, AD = COORDINATOR, SUPPORT_AGENT, ADMINISTRATOR

# fmt: off
# division, level, given name, family name, demo username, capacities, position.  Officers
# with a capacity but no demo username sign in as given.family (see demo_usernames).
STAFF = [
    ("CS", "SES2", "Helen", "Papadopoulos", None, (IR,),
     "Deputy Director-General, Customer and Regional Services"),
    ("CS", "SES1", "Grant", "Whitfield", None, (DM, IR), "Executive Director, Customer Services"),
    ("CS", "SES1", "Priya", "Raman", "reviewer", (IR,),
     "Executive Director, Governance and Review"),
    ("CS", "AO8", "Daniel", "Kowalski", "decider", (DM,), "Director, Customer Experience"),
    ("CS", "AO8", "Megan", "Fitzgerald", None, (DM, IR), "Director, Contact Centre Operations"),
    ("CS", "AO7", "Aroha", "Walker", None, (CM, DM), "Manager, Complaints and Feedback"),
    ("CS", "AO6", "Sophie", "Nguyen", "coordinator", (CO,), "Divisional Complaint Coordinator"),
    ("CS", "AO6", "Liam", "O'Connor", "manager", (CM,), "Team Leader, Customer Service Centre"),
    ("CS", "AO5", "Mei", "Chen", None, (CM,), "Senior Customer Service Officer"),
    ("CS", "AO4", "Jarrah", "Thompson", None, (), "Customer Service Officer"),
    ("CS", "AO3", "Bianca", "Russo", None, (), "Customer Service Officer"),
    ("CS", "AO2", "Kirra", "Anderson", None, (), "Administration Officer"),
    ("RO", "SES1", "Ian", "McAllister", None, (DM, IR), "Executive Director, Regional Operations"),
    ("RO", "AO8", "Fatima", "Haddad", None, (DM, IR), "Regional Director, North Queensland"),
    ("RO", "AO8", "Rhys", "Campbell", None, (DM,), "Regional Director, South West Queensland"),
    ("RO", "AO7", "Leilani", "Fonua", None, (CM, DM), "District Manager, Cairns"),
    ("RO", "AO7", "Matthew", "Doyle", None, (CM, DM), "District Manager, Toowoomba"),
    ("RO", "AO6", "Emma", "Kelly", None, (CO,), "Divisional Complaint Coordinator"),
    ("RO", "AO6", "Sanjay", "Patel", None, (CM,), "Senior Regional Officer"),
    ("RO", "AO5", "Chloe", "Bennett", None, (CM,), "Regional Services Officer"),
    ("RO", "AO4", "Tom", "Whittaker", None, (), "Client Liaison Officer"),
    ("RO", "AO3", "Anh", "Tran", None, (), "Field Officer"),
    ("DS", "SES1", "Rebecca", "Stewart", None, (DM, IR), "Chief Digital Officer"),
    ("DS", "AO8", "Callum", "Fraser", None, (DM,), "Director, Digital Delivery"),
    ("DS", "AO7", "Olivia", "Rossi", None, (CM, DM, SA), "Service Desk Manager"),
    ("DS", "AO6", "Marcus", "Lee", "admin", (AD,), "Systems Administrator"),
    ("DS", "AO6", "Zoe", "Marshall", None, (CO,), "Divisional Complaint Coordinator"),
    ("DS", "AO5", "Nathan", "Wright", None, (CM, SA), "Senior Service Desk Analyst"),
    ("DS", "AO4", "Grace", "Tan", "agent", (SA,), "Service Desk Officer"),
    ("DS", "AO4", "Jack", "Henderson", None, (SA,), "Service Desk Officer"),
    ("DS", "AO3", "Hannah", "Kaur", None, (SA,), "Service Desk Officer"),
]

EXTERNAL_BODIES = [
    # name, email, phone, address
    ("Queensland Ombudsman", "ombudsman@example.org", "(07) 5550 3000",
     "Level 18, 53 Albert Street, Brisbane QLD 4000"),
    ("Queensland Human Rights Commission", "enquiries@example.org", "(07) 5550 3100",
     "Level 20, 53 Albert Street, Brisbane QLD 4000"),
]

# name, calendar code (None: the service desk's default calendar), email domain
CLIENT_ORGANISATIONS = [
    ("Brigalow Shire Council", "AU-QLD", "brigalow-shire.example.org"),
    ("Coral Coast Health Service", "AU-QLD", "coralcoast-health.example.org"),
    ("Moreton Bay Training Co-operative", "AU-QLD", "mbtc.example.org"),
    ("Capricornia Aged Care Ltd", "AU-QLD", "capricornia-care.example.com"),
    ("Yarra Learning Partners", None, "yarralearning.example.com"),
    ("Gippsland Skills Centre", None, "gippsland-skills.example.org"),
    ("Bayside Community Legal Service", None, "bayside-legal.example.org"),
    ("Riverina Freight Pty Ltd", None, "riverina-freight.example.com"),
]

GIVEN_NAMES = [
    "Jack", "Olivia", "Noah", "Charlotte", "William", "Amelia", "Oliver", "Isla", "Thomas",
    "Mia", "James", "Ava", "Lucas", "Grace", "Henry", "Chloe", "Ethan", "Zoe", "Leo", "Ruby",
    "Mason", "Sophie", "Cooper", "Emily", "Lachlan", "Matilda", "Riley", "Harper", "Hamish",
    "Georgia", "Brendan", "Kylie", "Darren", "Tracey", "Shane", "Leanne", "Craig", "Michelle",
    "Wayne", "Sharon", "Minh", "Linh", "Wei", "Xin", "Arjun", "Anjali", "Mohammed", "Aisha",
    "Tane", "Mere", "Siosaia", "Ana", "Dimitri", "Eleni", "Giuseppe", "Maria", "Jedda",
    "Koa", "Bronwyn", "Graham", "Margaret", "Kevin", "Deborah", "Raj", "Sunita", "Patrick",
]
FAMILY_NAMES = [
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
    "Anderson", "Thompson", "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan", "Robinson",
    "Kelly", "King", "Davis", "Wright", "Evans", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Patel", "Khan", "Tran", "Le", "Pham", "Wang", "Li", "Zhang", "Singh", "Sharma",
    "Murphy", "O'Brien", "McDonald", "Campbell", "Stewart", "Morrison", "Ferguson", "Rossi",
    "Papadakis", "Nikolaidis", "Costa", "Fonoti", "Tupou", "Hohaia", "Mabo", "Saunders",
    "Hughes", "Edwards", "Mitchell", "Kennedy", "Burke", "Dawson", "Fletcher", "Gallagher",
]
SUBURBS = [
    ("Toowoomba", "4350"), ("Cairns North", "4870"), ("Townsville", "4810"),
    ("Rockhampton", "4700"), ("Mackay", "4740"), ("Bundaberg", "4670"), ("Ipswich", "4305"),
    ("Logan Central", "4114"), ("Southport", "4215"), ("Maroochydore", "4558"),
    ("Hervey Bay", "4655"), ("Gladstone", "4680"), ("Mount Isa", "4825"), ("Roma", "4455"),
    ("Chermside", "4032"), ("Indooroopilly", "4068"), ("Woolloongabba", "4102"),
    ("Caboolture", "4510"), ("Redcliffe", "4020"), ("Warwick", "4370"), ("Emerald", "4720"),
]
STREETS = [
    "Wattle Street", "Jacaranda Avenue", "Mango Court", "Poinciana Drive", "Ruthven Street",
    "Flinders Street", "Bolsover Street", "Sheridan Street", "Victoria Parade", "Boundary Road",
    "Gympie Road", "Macquarie Street", "Bougainvillea Crescent", "Station Road", "Hill Street",
]
# Fictional numbers: the ranges ACMA keeps for drama and examples.
MOBILES = [
    "0491 570 006", "0491 570 156", "0491 570 157", "0491 570 158", "0491 570 159",
    "0491 570 110", "0491 570 313", "0491 570 737", "0491 571 266", "0491 571 491",
    "0491 571 804", "0491 572 549", "0491 572 665", "0491 572 983", "0491 573 770",
    "0491 573 087", "0491 574 118", "0491 574 632", "0491 575 254", "0491 575 789",
]
PUBLIC_EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]

PLACES = {
    "CS": [
        "the Brisbane City service centre", "the Logan service centre",
        "the Ipswich service centre", "the Sunshine Coast service centre",
        "the Gold Coast service centre", "the Chermside customer counter", "the 13 QGOV line",
    ],
    "RO": [
        "the Cairns regional office", "the Townsville regional office",
        "the Toowoomba district office", "the Rockhampton district office",
        "the Mackay district office", "the Mount Isa office", "the Roma office",
        "the Bundaberg district office",
    ],
    "DS": [
        "the online services portal", "the learner records system", "the MyAccount app",
        "the online payment page", "the service desk", "the secure document upload page",
    ],
}
MATTERS = [
    "permit application", "licence renewal", "concession application", "grant application",
    "registration renewal", "fee waiver request", "rebate claim", "change of address",
    "inspection booking", "land access request",
]

COMPLAINT_SUMMARIES = {
    "service_quality": [
        "Poor service at {place} when lodging {a_matter}",
        "Sent away from {place} without help on my {matter}",
        "Conflicting advice from different officers about {a_matter}",
        "Had to come back three times to finish {a_matter}",
    ],
    "staff_conduct": [
        "Officer at {place} was rude and dismissive",
        "Staff member raised their voice at me at {place}",
        "Officer made an inappropriate comment about my family",
        "Field officer did not show identification at an inspection",
    ],
    "timeliness": [
        "My {matter} is still not processed after {weeks} weeks",
        "No reply to my emails about my {matter} for {weeks} weeks",
        "Inspection booking cancelled twice at short notice",
        "Refund promised {weeks} weeks ago has not been paid",
    ],
    "decision": [
        "Disagree with the refusal of my {matter}",
        "My {matter} was refused without reasons",
        "Fee waiver refused although I hold a concession card",
        "Decision on my {matter} was based on wrong information",
    ],
    "policy": [
        "New identification rules make {a_matter} impossible for me",
        "Requiring original documents is unfair to rural residents",
        "Cash payments no longer accepted at {place}",
    ],
    "information": [
        "Website information about the {matter} is out of date",
        "Letter about my {matter} was confusing and contradictory",
        "Nobody told me my {matter} needed supporting documents",
    ],
    "access": [
        "No wheelchair access at {place}",
        "No interpreter provided for my appointment at {place}",
        "Online form does not work with a screen reader",
        "Waited over an hour in the queue on the 13 QGOV line",
    ],
    "fees": [
        "Charged twice for {a_matter}",
        "Late fee applied although I paid on time",
        "Fee increase for {a_matter} was not explained",
    ],
    "privacy": [
        "My details were sent to another person's email address",
        "Officer discussed my {matter} in front of other customers",
        "Letter about my {matter} was delivered to the wrong address",
    ],
    "facilities": [
        "Car park at {place} closed without notice",
        "Air conditioning broken in the waiting area at {place}",
        "Toilets at {place} closed for weeks",
    ],
}
COMPLAINT_DETAILS = {
    "service_quality":
        "The officer did not know the process and could not tell me what would happen next.",
    "staff_conduct":
        "The officer spoke over me and told me to stop wasting their time in front of others.",
    "timeliness":
        "Each time I call I am told someone will call me back, but nobody does.",
    "decision":
        "I provided everything asked for and the decision ignores the documents I gave.",
    "policy":
        "I live four hours from the nearest office and cannot take days off to show documents.",
    "information":
        "The website says one thing, the letter another, and the phone line something else.",
    "access": "I needed help to get my request in and there was no other way to do it.",
    "fees":
        "My bank statement shows the payment went through, yet a reminder came with a penalty.",
    "privacy": "I am very worried about who else has seen my personal information.",
    "facilities": "Older customers had to wait outside in the heat with nowhere to sit.",
}
IMPACTS = [
    "This has caused me a great deal of stress.",
    "I have had to take two days off work because of this.",
    "As a pensioner this is a real hardship for me.",
    "My business cannot operate until this is sorted out.",
    "My elderly mother depends on this and is very upset.",
    "I have now spent hours on the phone trying to fix this.",
    "",
]
OUTCOMES_SOUGHT = {
    "service_quality": ["An apology and someone to finish my {matter}.",
                        "Better training for counter staff."],
    "staff_conduct": ["An apology from the officer.", "I want the officer's behaviour addressed."],
    "timeliness": ["A decision on my {matter} this month.", "The refund paid and an explanation."],
    "decision": ["A fresh decision on my {matter}.",
                 "The decision reversed and the reasons explained."],
    "policy": ["Another way to prove my identity.",
               "The policy reviewed for people in the regions."],
    "information": ["Clear written information about what I need to provide.",
                    "The website corrected."],
    "access": ["An accessible way to lodge my request.",
               "An interpreter booked for my next appointment."],
    "fees": ["A refund of the duplicate charge.", "The late fee removed."],
    "privacy": ["To know who saw my details and that it will not happen again.", "An apology."],
    "facilities": ["The problem fixed.", "Some shade and seating for people waiting."],
}
COMPLIMENT_SUMMARIES = [
    "Thanks to {officer} at {place} for going above and beyond",
    "Excellent help with my {matter}",
    "Quick and friendly service at {place}",
    "Thank you for the clear letter about my {matter}",
    "{officer} explained my {matter} patiently and kindly",
]
SUGGESTION_SUMMARIES = [
    "Offer appointments at {place} after 5 pm",
    "Add a progress tracker for each {matter} to the online portal",
    "Send SMS reminders before inspections",
    "Provide forms in more community languages",
    "Let customers upload documents instead of posting them",
    "Add a call-back option to the 13 QGOV queue",
]
REFERRALS_BY_CATEGORY = {
    "privacy": ["privacy_breach"],
    "staff_conduct": ["employee_misconduct", "corrupt_conduct", "employee_complaint"],
    "decision": ["statutory_review", "other_department"],
}
OUTCOME_REASONS = {
    "withdrawn": [
        "The complainant withdrew the complaint by phone after the {matter} was processed.",
        "The complainant advised in writing that the matter had been resolved and withdrew.",
    ],
    "declined": [
        "The matter was more than twelve months old and no new information was provided.",
        "The issue is subject to a statutory review right; the complainant was told how to apply.",
        "The same issue was investigated and finalised earlier; no new information was raised.",
    ],
}
EXTENSION_REASONS = [
    "Several business areas are involved and records must be obtained from {place}.",
    "The complaint raises several issues and witness statements are still being taken.",
    "Independent technical advice has been sought on the {matter} decision.",
    "Key officers are on leave and must be interviewed before a decision is made.",
]
REVIEW_FINDINGS = {
    "original_confirmed":
        "The process was fair and the original decision was open on the evidence.",
    "decision_changed":
        "Relevant information was not considered; the outcome is changed to {outcome}.",
    "referred_back":
        "The reasons given did not address all issues; referred back for a fresh decision.",
}
LATE_REASONS = [
    "The complainant was in hospital when the response was sent.",
    "The response was posted to an old address and received late.",
]
EXTERNAL_OUTCOMES = [
    "No further action: the department's handling was reasonable.",
    "Resolved informally after the department apologised and explained its decision.",
    "Recommendations made to improve written reasons; the department accepted them.",
]

TICKET_SUMMARIES = {
    "1": [
        "Portal unavailable for all users",
        "Learner records system returns an error for every login",
        "Single sign-on down: nobody can log in",
        "Payment page down for all staff",
        "Database connection failures across the whole site",
    ],
    "2": [
        "Certificate generation fails for some learners",
        "Reports module times out for large date ranges",
        "Bulk enrolment upload rejects valid files",
        "Email notifications are not being sent",
        "Staff at one site cannot open course materials",
    ],
    "3a": [
        "Typo in the enrolment confirmation email",
        "User guide screenshots are out of date",
        "Date picker shows dates in US format",
        "CSV export drops the last column heading",
        "Help link on the dashboard goes to a missing page",
    ],
    "3b": [
        "How do I reset a learner's password?",
        "Question about the bulk enrolment template",
        "How to export completion reports for a date range",
        "Request for the administrator guide for a new coordinator",
        "How do we change our organisation's logo?",
    ],
}
TICKET_DETAILS = {
    "1": "Since about {clock} nobody at {org} can use the system: {users} users are affected.",
    "2": "Since {clock} some of our {users} users have had this problem; the rest can work.",
    "3a": "Noticed by one of our coordinators; not urgent but confusing for users.",
    "3b": "Could you please send instructions or point us to the right document?",
}

# fmt: on

TARGET_COMPLAINTS = 490
TARGET_TICKETS = 296
MINIMUM_PER_STATUS = 3
# Whatever the day the demo is loaded, some open work is due soon and some is overdue by
# at least this much: a reminder, an "overdue" filter and a "due soon" queue always show it.
LIVE_MARGIN = timedelta(hours=1)
HISTORY_DAYS = 548
BATCH_SIZE = 100


# ---------------------------------------------------------------- office hours


class Office:
    """Working days and hours of a calendar, for plausible timestamps, answered by the same
    clock engine that computes due dates (services/clocks.py, rules/clock.py), so a demo
    step "two business days later" skips the holidays and closures a due date skips."""

    def __init__(self, calendar: Calendar):
        self.engine = clocks.business_calendar(calendar)
        self.zone = self.engine.tz

    def is_working_day(self, day: date) -> bool:
        return self.engine.is_business_day(day)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def instant(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, self.zone).astimezone(timezone.utc)

    def minutes(self, at: time) -> int:
        return at.hour * 60 + at.minute

    def at_minute(self, day: date, minute: int) -> datetime:
        return self.instant(day, time(minute // 60, minute % 60))

    def hours(self, day: date) -> tuple[int, int]:
        """Opening and closing minute of `day` in local time, or of the next business day
        when `day` is not one."""
        opening = self.engine.next_opening(self.instant(day, time(0)))
        closing = self.engine.due(opening, 0, BUSINESS_DAYS)
        return self.minutes(self.local(opening).time()), self.minutes(self.local(closing).time())

    def closing(self, instant: datetime) -> datetime:
        """Closing time of the business day `instant` falls in (a due date of 0 business days)."""
        return self.engine.due(instant, 0, BUSINESS_DAYS)

    def during_hours(self, rng: random.Random, after: datetime, working_days: int) -> datetime:
        """A moment inside office hours, `working_days` after `after` (0: later that day,
        or the next business day when less than a quarter of an hour is left)."""
        closing = self.local(
            self.engine.due(after + timedelta(minutes=15), working_days, BUSINESS_DAYS)
        )
        day = closing.date()
        opens, _ = self.hours(day)
        earliest = opens + 10
        latest = self.minutes(closing.time()) - 10
        local = self.local(after)
        if local.date() == day:
            earliest = max(earliest, self.minutes(local.time()) + 5)
        return self.at_minute(day, rng.randint(earliest, latest))

    def after_business_minutes(self, start: datetime, amount: int) -> datetime:
        """`amount` minutes of opening hours after `start`: the due-date arithmetic itself."""
        return max(self.engine.due(start, amount, BUSINESS_MINUTES), start)

    def business_minutes_per_day(self, day: date) -> int:
        opens, closes = self.hours(day)
        return closes - opens


def live_start(target, now: datetime, overdue: bool) -> datetime | None:
    """The latest start, in opening hours of the target's calendar, whose due instant lies
    more than LIVE_MARGIN before `now` (overdue) or the earliest due more than LIVE_MARGIN
    after it (due soon); None when none is found within a year."""
    engine, step = target.calendar, timedelta(minutes=30)
    start = now.replace(second=0, microsecond=0) - step
    soon = None
    while start > now - timedelta(days=366):
        if engine.is_open(start):
            due = engine.due(start, target.amount, target.unit)
            if overdue and due < now - LIVE_MARGIN:
                return start
            if not overdue:
                if due <= now + LIVE_MARGIN:
                    return soon
                soon = start
        start -= step
    return None


def widened(ages: tuple, attempt: int) -> tuple:
    """Ages to try: wider after each hundred misses (a long weekend leaves no fresh cases)."""
    low, high = ages
    return low, max(high, 1) * (1 + attempt // 100)


def status_at(events, now):
    """The status of a case at `now`: its last event at or before it."""
    current = events[0]
    for event in events:
        if event[1] <= now:
            current = event
    return current[0]


def last_time(events, status, now):
    times = [at for name, at in events if name == status and at <= now]
    return times[-1] if times else None


# ---------------------------------------------------------------- plans


@dataclass
class ComplaintPlan:
    kind: str
    division: Division
    received_at: datetime
    channel: str
    category: str
    summary: str
    description: str
    outcome_sought: str | None = None
    classification: str | None = None
    complainant: Participant | None = None
    human_rights: bool = False
    confidential: bool = False
    referral: str | None = None
    subjects: list = field(default_factory=list)
    involved: list = field(default_factory=list)
    manager: Participant | None = None
    decision_maker: Participant | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    events: list = field(default_factory=list)
    # (instant, {field: value}): what the register shows changes as the case moves on.
    changes: list = field(default_factory=list)
    extension: dict | None = None
    review: dict | None = None
    external: dict | None = None
    ticket_key: int | None = None

    def change(self, at: datetime, **values) -> None:
        self.changes.append((at, values))

    def fields_at(self, now: datetime) -> dict:
        fields = {}
        for at, values in sorted(self.changes, key=lambda change: change[0]):
            if at <= now:
                fields.update(values)
        return fields


@dataclass
class TicketPlan:
    key: int
    severity: str
    client: Participant
    contact: Participant | None
    reported_at: datetime
    channel: str
    summary: str
    description: str
    agent: Participant | None = None
    events: list = field(default_factory=list)


class DemoBuilder:
    def __init__(self, now: datetime):
        self.now = now
        self.rng = random.Random(2026)
        self.start = now - timedelta(days=HISTORY_DAYS)

    # ------------------------------------------------------------ lookups and people

    def load_lookups(self):
        def by_code(model):
            return {row.code: row for row in db.session.execute(db.select(model)).scalars()}

        self.levels = by_code(ClassificationLevel)
        self.capacities = by_code(Capacity)
        self.channels = by_code(Channel)
        self.categories = by_code(Category)
        self.outcomes = by_code(Outcome)
        self.referral_targets = by_code(ReferralTarget)
        self.calendars = by_code(Calendar)
        self.offices = {code: Office(calendar) for code, calendar in self.calendars.items()}

    def create_people(self):
        self.divisions = {}
        for code, name, calendar in DIVISIONS:
            division = Division(code=code, name=name, calendar=self.calendars[calendar])
            db.session.add(division)
            self.divisions[code] = division
        self.staff = []
        self.rank = {}
        self.capacities_of = {}
        self.accounts = {}
        self.logins = {}
        password_hash = None
        for division, level, given, family, username, capacities, position in STAFF:
            person = Participant(
                kind="staff",
                given_name=given,
                family_name=family,
                email=f"{given}.{family}@{STAFF_EMAIL_DOMAIN}".lower().replace("'", ""),
                phone=f"(0{3 if division == 'DS' else 7}) 5550 {1000 + len(self.staff) * 7:04d}",
                position_title=position,
                division=self.divisions[division],
                level=self.levels[level],
            )
            db.session.add(person)
            self.staff.append(person)
            self.rank[id(person)] = self.levels[level].rank
            self.capacities_of[id(person)] = set(capacities)
            if not capacities:
                continue
            user = User(
                username=username
                or f"{given}.{family}".lower().replace("'", ""),  # as demo_usernames
                participant=person,
                active=True,
                capacities=[self.capacities[code] for code in capacities],
            )
            # One scrypt hash for the shared demo password: hashing is slow on purpose.
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash
            db.session.add(user)
            self.accounts[id(person)] = user
            if username:
                self.logins[username] = person
        self.login_ids = {id(p) for p in self.logins.values()}
        self.coordinators = {
            code: next(p for p in self.staff_of(code) if CO in self.capacities_of[id(p)])
            for code in self.divisions
        }

        self.external_bodies = []
        for name, email, phone, address in EXTERNAL_BODIES:
            body = Participant(
                kind="external_body",
                organisation_name=name,
                email=email,
                phone=phone,
                address=address,
            )
            db.session.add(body)
            self.external_bodies.append(body)

        rng = self.rng
        self.public = []
        for n in range(320):
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            suburb, postcode = rng.choice(SUBURBS)
            handle = f"{given}.{family}".lower().replace("'", "")
            person = Participant(
                kind="complainant",
                given_name=given,
                family_name=family,
                email=(
                    f"{handle}{rng.randint(1, 99)}@{rng.choice(PUBLIC_EMAIL_DOMAINS)}"
                    if rng.random() < 0.85
                    else None
                ),
                phone=rng.choice(MOBILES) if rng.random() < 0.6 else f"(07) 5550 {n:04d}",
                address=f"{rng.randint(1, 240)} {rng.choice(STREETS)}, {suburb} QLD {postcode}",
            )
            db.session.add(person)
            self.public.append(person)

        self.clients = []
        self.contacts = {}
        for name, calendar, domain in CLIENT_ORGANISATIONS:
            organisation = Participant(
                kind="client_organisation",
                organisation_name=name,
                email=f"servicedesk@{domain}",
                phone=f"(0{7 if calendar else 3}) 5550 {rng.randint(2000, 2999)}",
                calendar=self.calendars[calendar] if calendar else None,
            )
            db.session.add(organisation)
            self.clients.append(organisation)
            self.contacts[id(organisation)] = []
            for _ in range(rng.randint(2, 3)):
                given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
                contact = Participant(
                    kind="complainant",
                    given_name=given,
                    family_name=family,
                    email=f"{given[0]}.{family}@{domain}".lower().replace("'", ""),
                    phone=rng.choice(MOBILES),
                    position_title=rng.choice(
                        ["Training Coordinator", "IT Manager", "Office Manager", "Systems Officer"]
                    ),
                    organisation=organisation,
                )
                db.session.add(contact)
                self.contacts[id(organisation)].append(contact)
        db.session.commit()

    def staff_of(self, division_code, capacity=None):
        return [
            p
            for p in self.staff
            if p.division is self.divisions[division_code]
            and (capacity is None or capacity in self.capacities_of[id(p)])
        ]

    def office_of(self, division: Division) -> Office:
        return self.offices[division.calendar.code]

    # ------------------------------------------------------------ complaints

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

    def plan_feedback_life(self, plan, office):
        rng = self.rng
        registered = office.during_hours(
            rng, plan.received_at, rng.choices([0, 1, 2, 4, 6], [30, 35, 20, 10, 5])[0]
        )
        acknowledged = office.during_hours(rng, registered, rng.choice([0, 0, 1, 2]))
        passed_on = office.during_hours(rng, acknowledged, rng.randint(1, 8))
        plan.events = [
            ("received", plan.received_at),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("closed", passed_on),
        ]
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        plan.change(passed_on, closed_at=passed_on)

    def plan_referral_life(self, plan, office):
        rng = self.rng
        registered = office.during_hours(
            rng, plan.received_at, rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0]
        )
        acknowledged = office.during_hours(rng, registered, rng.choice([0, 1, 2]))
        assessed = office.during_hours(rng, acknowledged, rng.choice([0, 1]))
        referred = office.during_hours(rng, assessed, rng.randint(1, 5))
        plan.events = [
            ("received", plan.received_at),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("under_assessment", assessed),
            ("referred", referred),
        ]
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        # Referring records the close: the matter leaves this process (rules/workflow.py).
        plan.change(referred, closed_at=referred, referred=True)

    def plan_complaint_life(self, plan, office, force):
        rng = self.rng
        informal = plan.classification == "informal"
        r = plan.received_at
        registered = office.during_hours(rng, r, rng.choices([0, 1, 2, 3], [50, 33, 13, 4])[0])
        acknowledged = office.during_hours(
            rng, registered, rng.choices([0, 1, 2, 3, 4, 5, 7], [18, 30, 20, 12, 8, 7, 5])[0]
        )
        assessed = office.during_hours(rng, acknowledged, rng.choice([0, 0, 1, 2]))
        investigating = office.during_hours(
            rng, assessed, rng.randint(0, 1) if informal else rng.randint(1, 4)
        )
        events = [
            ("received", r),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("under_assessment", assessed),
            ("investigation", investigating),
        ]
        working_days = {
            "informal": rng.randint(0, 2),
            "standard": rng.randint(6, 18) + (rng.randint(8, 25) if rng.random() < 0.12 else 0),
            "complex": rng.randint(18, 50),
        }[plan.classification]
        resumed = investigating
        if force.get("wait") or (not informal and rng.random() < 0.18):
            waiting = office.during_hours(rng, investigating, rng.randint(1, 6))
            resumed = office.during_hours(rng, waiting, rng.randint(3, 15))
            events += [("awaiting_complainant", waiting), ("investigation", resumed)]
        drafted = office.during_hours(rng, resumed, working_days)
        decided = office.during_hours(
            rng, drafted, rng.randint(0, 1) if informal else rng.randint(1, 4)
        )
        finalised = office.during_hours(rng, decided, rng.choice([0, 0, 1, 2]))
        events += [("response_drafted", drafted), ("decided", decided), ("finalised", finalised)]

        weights = {
            "informal": [15, 12, 10, 55, 5, 3],
            "standard": [20, 25, 30, 12, 6, 7],
            "complex": [20, 30, 30, 8, 5, 7],
        }[plan.classification]
        plan.outcome = rng.choices(
            ["upheld", "partly_upheld", "not_upheld", "resolved", "withdrawn", "declined"], weights
        )[0]
        if self.outcomes[plan.outcome].requires_reason:
            plan.outcome_reason = rng.choice(OUTCOME_REASONS[plan.outcome]).format(
                matter=rng.choice(MATTERS)
            )
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        plan.change(assessed, assigned=True)
        plan.change(drafted, drafted=True)
        plan.change(decided, decided_at=decided, decided=True)
        # The outcome is chosen when the response is finalised (rules/workflow.py).
        plan.change(
            finalised,
            finalised_at=finalised,
            outcome=plan.outcome,
            outcome_reason=plan.outcome_reason,
        )

        if plan.classification == "complex" and working_days + 8 > 20:
            approved = office.during_hours(rng, investigating, rng.randint(8, 14))
            plan.extension = {
                "approved_at": approved,
                "told_at": office.during_hours(rng, approved, rng.randint(0, 2)),
                "new_due_at": office.closing(
                    office.during_hours(rng, drafted, rng.randint(6, 15))
                ),
                "reason": rng.choice(EXTENSION_REASONS).format(
                    place=rng.choice(PLACES[plan.division.code]), matter=rng.choice(MATTERS)
                ),
                "approved_by": plan.decision_maker,
            }

        disputable = plan.outcome in ("not_upheld", "partly_upheld", "declined")
        wants_review = force.get("review") or rng.random() < (0.14 if disputable else 0.02)
        closed_after, review_window = finalised, True
        if wants_review:
            late = rng.random() < 0.08
            requested = office.during_hours(
                rng, finalised, rng.randint(22, 30) if late else rng.randint(3, 18)
            )
            assigned = office.during_hours(rng, requested, rng.randint(0, 3))
            completed = office.during_hours(rng, assigned, rng.randint(8, 22))
            withdrawn = rng.random() < 0.08
            review_events = [("requested", requested), ("in_progress", assigned)]
            if rng.random() < 0.15:
                waiting = office.during_hours(rng, assigned, rng.randint(2, 6))
                back = office.during_hours(rng, waiting, rng.randint(3, 10))
                completed = office.during_hours(rng, back, rng.randint(2, 8))
                review_events += [("awaiting_complainant", waiting), ("in_progress", back)]
            review_events.append(("withdrawn" if withdrawn else "completed", completed))
            outcome = rng.choices(list(REVIEW_FINDINGS), [70, 15, 15])[0]
            plan.review = {
                "events": review_events,
                "late_reason": rng.choice(LATE_REASONS) if late else None,
                "outcome": outcome,
            }
            events.append(("internal_review", requested))
            closed_after, review_window = completed, False
            if not withdrawn and outcome == "decision_changed":
                changed_to = rng.choice(
                    [code for code in ("upheld", "partly_upheld") if code != plan.outcome]
                )
                plan.review["changed_to"] = changed_to
                plan.change(completed, outcome=changed_to, outcome_reason=None)
            elif not withdrawn and outcome == "referred_back":
                # Back before the decision maker for a fresh decision, then a new response.
                redecided = office.during_hours(rng, completed, rng.randint(2, 8))
                refinalised = office.during_hours(rng, redecided, rng.choice([0, 1, 2]))
                events += [
                    ("response_drafted", completed),
                    ("decided", redecided),
                    ("finalised", refinalised),
                ]
                plan.change(
                    completed,
                    decided_at=None,
                    decided=False,
                    finalised_at=None,
                    outcome=None,
                    outcome_reason=None,
                )
                plan.change(redecided, decided_at=redecided, decided=True)
                plan.change(
                    refinalised,
                    finalised_at=refinalised,
                    outcome=rng.choice(["upheld", "partly_upheld", "resolved"]),
                    outcome_reason=None,
                )
                closed_after, review_window = refinalised, True
            if not withdrawn and outcome != "referred_back":
                if force.get("external") or rng.random() < 0.25:
                    notified = office.during_hours(rng, completed, rng.randint(10, 40))
                    plan.external = self.plan_external("ombudsman", notified, office)
        elif plan.human_rights and (force.get("external") or (disputable and rng.random() < 0.35)):
            notified = office.during_hours(
                rng, max(finalised, office.during_hours(rng, r, 45)), rng.randint(3, 20)
            )
            plan.external = self.plan_external("human_rights_commissioner", notified, office)

        # Closed once the review window has passed, or once the review is over.
        closed = office.during_hours(
            rng, closed_after, rng.randint(21, 26) if review_window else rng.randint(0, 3)
        )
        if plan.external and plan.external["notified_at"] < closed:
            closed = None
        if closed:
            events.append(("closed", closed))
            plan.change(closed, closed_at=closed)
        if plan.external:
            notified = plan.external["notified_at"]
            final = office.during_hours(rng, plan.external["closed_at"], rng.randint(0, 3))
            events += [("external_review", notified), ("closed", final)]
            plan.change(notified, closed_at=None)
            plan.change(final, closed_at=final)
        events.sort(key=lambda event: event[1])
        plan.events = events

    def plan_external(self, body, notified, office):
        rng = self.rng
        prefix = "QO" if body == "ombudsman" else "QHRC"
        return {
            "body": body,
            "notified_at": notified,
            "closed_at": office.during_hours(rng, notified, rng.randint(25, 100)),
            "their_reference": f"{prefix}-{notified.year}-{rng.randint(1000, 99999):05d}",
            "outcome": rng.choice(EXTERNAL_OUTCOMES),
        }

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

    def complaint_for_status(self, status):
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
            plan = self.plan_complaint(age_days=rng.uniform(*age), force=dict(force))
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

    def save_complaints(self, plans):
        saved = 0
        self.complaint_for_ticket = {}
        reviewers = [p for p in self.staff if IR in self.capacities_of[id(p)]]
        for plan in plans:
            complaint = self.complaint_from_plan(plan, reviewers)
            db.session.add(complaint)
            if plan.ticket_key is not None:
                self.complaint_for_ticket[plan.ticket_key] = complaint
            saved += 1
            if saved % BATCH_SIZE == 0:
                db.session.commit()
        db.session.commit()
        return saved

    def complaint_from_plan(self, plan, reviewers):
        now = self.now
        status = status_at(plan.events, now)
        fields = plan.fields_at(now)
        outcome = fields.get("outcome")
        complaint = Complaint(
            kind=plan.kind,
            status=status,
            summary=plan.summary,
            description=plan.description,
            outcome_sought=plan.outcome_sought,
            human_rights=plan.human_rights,
            confidential=plan.confidential,
            channel=self.channels[plan.channel],
            category=self.categories[plan.category],
            division=plan.division,
            complainant=plan.complainant,
            subjects=list(plan.subjects),
            involved=list(plan.involved),
            received_at=plan.received_at,
            registered_at=fields.get("registered_at"),
            acknowledged_at=fields.get("acknowledged_at"),
            decided_at=fields.get("decided_at"),
            finalised_at=fields.get("finalised_at"),
            closed_at=fields.get("closed_at"),
            outcome=self.outcomes[outcome] if outcome else None,
            outcome_reason=fields.get("outcome_reason"),
        )
        if fields.get("registered_at"):
            complaint.coordinator = self.coordinators[plan.division.code]
            if plan.classification == "informal":
                # Informal complaints are classified when they are registered.
                complaint.classification = plan.classification
        if fields.get("referred"):
            complaint.referral_target = self.referral_targets[plan.referral]
        if fields.get("assigned"):
            complaint.classification = plan.classification
            complaint.manager = plan.manager
            complaint.decision_maker = plan.decision_maker
        if fields.get("drafted"):
            complaint.drafted_by = self.accounts[id(plan.manager)]
        if fields.get("decided"):
            complaint.decided_by = self.accounts[id(plan.decision_maker)]
        if status == "awaiting_complainant":
            complaint.paused_since = last_time(plan.events, "awaiting_complainant", now)

        if plan.extension and plan.extension["approved_at"] <= now:
            told = plan.extension["told_at"]
            complaint.extensions.append(
                Extension(
                    new_due_at=plan.extension["new_due_at"],
                    reason=plan.extension["reason"],
                    approved_by=plan.extension["approved_by"],
                    approved_at=plan.extension["approved_at"],
                    complainant_told_at=told if told <= now else None,
                )
            )
        if plan.review and plan.review["events"][0][1] <= now:
            complaint.internal_reviews.append(self.review_from_plan(plan, reviewers))
        if plan.external and plan.external["notified_at"] <= now:
            closed = plan.external["closed_at"] <= now
            complaint.external_reviews.append(
                ExternalReview(
                    body=plan.external["body"],
                    their_reference=plan.external["their_reference"],
                    notified_at=plan.external["notified_at"],
                    status="closed" if closed else "open",
                    outcome=plan.external["outcome"] if closed else None,
                    closed_at=plan.external["closed_at"] if closed else None,
                )
            )
        return complaint

    def review_from_plan(self, plan, reviewers):
        """A reviewer clear of the case who ranks at least with its decision maker (rule 2)."""
        now, rng = self.now, self.rng
        events = plan.review["events"]
        status = status_at(events, now)
        conflicted = {id(p) for p in plan.subjects + plan.involved}
        conflicted |= {id(plan.manager), id(plan.decision_maker)}
        eligible = [
            p
            for p in reviewers
            if id(p) not in conflicted and self.rank[id(p)] >= self.rank[id(plan.decision_maker)]
        ]
        review = InternalReview(
            status=status,
            requested_at=events[0][1],
            late_reason=plan.review["late_reason"],
        )
        if status != "requested":
            review.reviewer = rng.choices(eligible, [self.officer_weight(p) for p in eligible])[0]
        if status == "awaiting_complainant":
            review.paused_since = last_time(events, "awaiting_complainant", now)
        if status in ("completed", "withdrawn"):
            review.completed_at = events[-1][1]
        if status == "completed":
            review.outcome = plan.review["outcome"]
            review.findings = REVIEW_FINDINGS[review.outcome].format(
                outcome=self.outcomes[plan.review.get("changed_to", "upheld")].name.lower()
            )
            review.recorded_by = self.accounts[id(review.reviewer)]
        return review

    # ------------------------------------------------------------ tickets

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
        complaints = builder.save_complaints(complaint_plans)
        reviews = sum(
            1
            for plan in complaint_plans
            if plan.review and plan.review["events"][0][1] <= builder.now
        )
        echo(
            f"Demo: {complaints} complaints, compliments and suggestions, "
            f"{reviews} internal reviews."
        )
        tickets = builder.save_tickets(ticket_plans)
        echo(f"Demo: {tickets} service-desk tickets.")
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
