"""A small department to test who reaches what: two divisions, an account per capacity,
and a complaint inside and one outside every officer's scope, with the records hanging off
each (internal and external review, extension).

- Division A holds every account's staff record and the complaint "inside": the complaint
  manager manages it, the decision maker decides it, the internal reviewer reviews it and
  the coordinator coordinates division A.
- Division B holds the complaint "outside", worked by officers without accounts.

`build()` needs an application context and returns plain ids (a `World`), so a test can
use them from any session.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from models import (
    Calendar,
    Capacity,
    ClassificationLevel,
    ClockPause,
    Complaint,
    ContactRestriction,
    Division,
    Extension,
    ExternalReview,
    InternalReview,
    Participant,
    Representative,
    Ticket,
    User,
    db,
)
from rules.vocabulary import CAPACITIES
from tests.conftest import CHEAP_HASH

NOBODY = "nobody"  # an account holding no capacity
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LEVELS = {
    "administrator": "AO6",
    "coordinator": "AO6",
    "complaint_manager": "AO4",
    "decision_maker": "AO6",
    "internal_reviewer": "AO8",
    "support_agent": "AO4",
    NOBODY: "AO2",
}


@dataclass
class Side:
    """The records of one complaint and what hangs off it."""

    complaint: int
    reference: str
    complainant: int
    complainant_name: str
    internal_review: int
    external_review: int
    extension: int
    contactrestriction: int | None = None
    representative: int | None = None


@dataclass
class World:
    division_a: int
    division_b: int
    users: dict = field(default_factory=dict)  # username (= capacity code) -> user id
    people: dict = field(default_factory=dict)  # username -> participant id
    inside: Side | None = None
    outside: Side | None = None
    ticket: int | None = None
    ticket_reference: str | None = None
    clock_pause: int | None = None


def _level(code):
    return db.session.execute(db.select(ClassificationLevel).filter_by(code=code)).scalar_one()


def _staff(family_name, level, division, given_name="Alex"):
    person = Participant(
        kind="staff",
        given_name=given_name,
        family_name=family_name,
        email=f"{family_name.lower()}@example.gov.au",
        division=division,
        level=_level(level),
    )
    db.session.add(person)
    return person


def account(username, capacities, person):
    user = User(username=username, participant=person, active=True, password_hash=CHEAP_HASH)
    user.capacities = [
        db.session.execute(db.select(Capacity).filter_by(code=code)).scalar_one()
        for code in capacities
    ]
    db.session.add(user)
    return user


def _side(division, complainant_name, manager, decision_maker, reviewer, coordinator, summary):
    complainant = Participant(
        kind="complainant",
        given_name="Walker",
        family_name=complainant_name,
        email=f"{complainant_name.lower()}@example.com",
        phone="0400 111 222",
        address="1 Example Street, Brisbane",
    )
    complaint = Complaint(
        summary=summary,
        division=division,
        received_at=RECEIVED,
        classification="standard",
        complainant=complainant,
        coordinator=coordinator,
        manager=manager,
        decision_maker=decision_maker,
    )
    db.session.add(complaint)
    db.session.flush()
    review = InternalReview(complaint=complaint, reviewer=reviewer, requested_at=RECEIVED)
    external = ExternalReview(
        complaint=complaint, body="ombudsman", their_reference="OMB-1", notified_at=RECEIVED
    )
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 5, 1, 7, 0, tzinfo=timezone.utc),
        reason="Witnesses on leave",
        # The decision maker of the case: the authority the procedure gives.
        approved_by=decision_maker,
        approved_at=RECEIVED,
    )
    db.session.add_all([review, external, extension])
    db.session.flush()
    # The complainant acts through an advocate, and their contact is restricted.
    advocate = Participant(
        kind="representative", given_name="Ada", family_name=f"Advocate{complainant_name}"
    )
    representative = Representative(
        complaint=complaint,
        participant=advocate,
        kind="advocate",
        letters="copied",
        authority="Signed authority to act",
    )
    restriction = ContactRestriction(
        complaint=complaint,
        conduct="Abusive calls",
        contact_officer=manager,
        channels="phone",
        decided_by=reviewer,
        effective_from=RECEIVED,
        review_due_at=datetime(2026, 6, 2, 9, 0, tzinfo=timezone.utc),
    )
    db.session.add_all([representative, restriction])
    db.session.flush()
    complaint.representative_id = representative.id
    complaint.restriction_id = restriction.id
    return complaint, review, external, extension, complainant


def build(capacities=tuple(CAPACITIES), with_nobody=True) -> World:
    calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
    division_a = Division(code="WA", name="Walk division A", calendar=calendar)
    division_b = Division(code="WB", name="Walk division B", calendar=calendar)
    db.session.add_all([division_a, division_b])
    users, people = {}, {}
    for code in (*capacities, *((NOBODY,) if with_nobody else ())):
        person = _staff(code.replace("_", " ").title().replace(" ", ""), LEVELS[code], division_a)
        users[code] = account(code, () if code == NOBODY else (code,), person)
        people[code] = person
    # Officers who work division A's complaint when the world has no account for the role.
    stand_in_manager = _staff("Standinmanager", "AO4", division_a)
    stand_in_decider = _staff("Standindecider", "AO6", division_a)
    stand_in_reviewer = _staff("Standinreviewer", "AO8", division_a)
    stand_in_coordinator = _staff("Standincoordinator", "AO6", division_a)
    inside = _side(
        division_a,
        "Insider",
        people.get("complaint_manager", stand_in_manager),
        people.get("decision_maker", stand_in_decider),
        people.get("internal_reviewer", stand_in_reviewer),
        people.get("coordinator", stand_in_coordinator),
        "Inside complaint",
    )
    outside = _side(
        division_b,
        "Outsider",
        _staff("Othermanager", "AO4", division_b),
        _staff("Otherdecider", "AO6", division_b),
        _staff("Otherreviewer", "AO8", division_b),
        _staff("Othercoordinator", "AO6", division_b),
        "Outside complaint",
    )
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    ticket = Ticket(
        severity="2",
        summary="Reports page times out",
        client=client,
        agent=people.get("support_agent"),
        reported_at=RECEIVED,
    )
    pause = ClockPause(
        case_type="complaint", case_id=0, status="awaiting_complainant", started_at=RECEIVED
    )
    db.session.add_all([ticket, pause])
    db.session.commit()
    world = World(division_a=division_a.id, division_b=division_b.id)
    world.users = {code: user.id for code, user in users.items()}
    world.people = {code: person.id for code, person in people.items()}
    for name, (complaint, review, external, extension, complainant) in (
        ("inside", inside),
        ("outside", outside),
    ):
        setattr(
            world,
            name,
            Side(
                complaint=complaint.id,
                reference=complaint.reference,
                complainant=complainant.id,
                complainant_name=complainant.family_name,
                internal_review=review.id,
                external_review=external.id,
                extension=extension.id,
                contactrestriction=complaint.restriction_id,
                representative=complaint.representative_id,
            ),
        )
    world.ticket, world.ticket_reference = ticket.id, ticket.reference
    pause.case_id = inside[0].id
    db.session.commit()
    world.clock_pause = pause.id
    return world
