"""A restriction of contact and a representative for the demo: the register, the banner on
the person's cases and a representative's letters have something to show."""

from datetime import timedelta

from sqlalchemy import select

from models import (
    Complaint,
    ContactRestriction,
    Division,
    Participant,
    Representative,
    User,
)

DIVISION = "CS"


def _staff(session, given, family):
    return session.scalar(
        select(Participant).where(
            Participant.kind == "staff",
            Participant.given_name == given,
            Participant.family_name == family,
        )
    )


def load_conduct(session, now) -> int:
    """One restriction and one representative on open complaints of Customer Services, in
    the demo complaint manager's hands; returns how many records were made."""
    manager = session.scalar(select(User).where(User.username == "manager"))
    decider = _staff(session, "Grant", "Whitfield")
    division = session.scalar(select(Division).where(Division.code == DIVISION))
    if manager is None or decider is None or division is None:
        return 0
    open_cases = session.scalars(
        select(Complaint)
        .join(Participant, Participant.id == Complaint.complainant_id)
        .where(
            Complaint.division_id == division.id,
            Complaint.manager_id == manager.participant_id,
            Complaint.confidential.is_(False),
            Complaint.status.in_(("acknowledged", "under_assessment", "investigation")),
            Participant.email.is_not(None),
        )
        .order_by(Complaint.id)
        .limit(2)
    ).all()
    if len(open_cases) < 2:
        return 0
    restricted, represented = open_cases
    session.add(
        ContactRestriction(
            complaint=restricted,
            conduct=(
                "Eleven calls to the contact centre in two days, two of them abusive to the "
                "officer answering; repeated demands to speak to the Director."
            ),
            contact_officer=manager.participant,
            subject_matter="This complaint",
            channels="phone,in_person",
            contact_times="Tuesdays and Thursdays, 10 am to 12 noon, by appointment",
            permitted_contact="In writing, by email or post, to the contact officer",
            decided_by=decider,
            effective_from=now - timedelta(days=20),
            review_due_at=now + timedelta(days=8),
        )
    )
    advocate = Participant(
        kind="representative",
        given_name="Margaret",
        family_name="Olsen",
        organisation_name="Office of the Member for Ashgrove",
        email="ashgrove@parliament.example.qld.gov.au",
    )
    session.add(
        Representative(
            complaint=represented,
            participant=advocate,
            kind="member_of_parliament",
            letters="copied",
            authority="Signed authority to act, received by email",
            authority_date=(now - timedelta(days=10)).date(),
            authority_notes="Limited to this complaint.",
        )
    )
    session.commit()
    return 2
