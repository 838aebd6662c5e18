"""The demo department's people: divisions, staff and their logins, external bodies, client
organisations and members of the public.
"""

from models import (
    Calendar,
    Capacity,
    Category,
    Channel,
    ClassificationLevel,
    Division,
    Outcome,
    Participant,
    ReferralTarget,
    User,
    db,
)
from rules.vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)

from .office import Office

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
# fmt: on


class People:
    """Lookups, divisions, staff, accounts, clients and the public."""

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
                    # The first contact of each client is mailed its monthly service report.
                    receives_client_report=not self.contacts[id(organisation)],
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
