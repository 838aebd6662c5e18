"""`access.reaches` answers from a loaded record what `access.rows` asks the database: where
it answers at all, the answer is the database's, for every kind of officer; and the pages
that use it (the complaint's related records, the reply link) still show each officer what
the rules let them open."""

import pytest
from sqlalchemy import select

from models import Complaint, InternalReview, Participant, Ticket, db
from services import access
from tests.statements import statements_run

ACTIONS = ("view", "edit")


@pytest.fixture
def world(make):
    home = make.home_division()
    other = make.division("Regional Operations")
    people = {
        "coord": make.user("coord", "coordinator", division=home),
        "far_coord": make.user("far_coord", "coordinator", division=other),
        "marsh": make.user("marsh", "complaint_manager", division=home),
        "deakin": make.user("deakin", "decision_maker", division=home, level="AO8"),
        "rev": make.user("rev", "internal_reviewer", division=other, level="AO8"),
        "agent": make.user("agent", "support_agent", division=home),
        "admin": make.user("admin", "administrator"),
        "both": make.user("both", "complaint_manager", "internal_reviewer", division=other),
    }
    managed = make.complaint(
        manager=people["marsh"].participant, decision_maker=people["deakin"].participant
    )
    elsewhere = make.complaint(division=other)
    reviewed = make.complaint(
        manager=people["marsh"].participant, decision_maker=people["deakin"].participant
    )
    db.session.add(
        InternalReview(
            complaint=reviewed,
            status="requested",
            requested_at=reviewed.received_at,
            reviewer=people["rev"].participant,
        )
    )
    ticket = Ticket(
        severity="3",
        summary="Kiosk froze",
        client=Participant(kind="client_organisation", organisation_name="Acme"),
        agent=people["agent"].participant,
        reported_at=managed.received_at,
    )
    db.session.add(ticket)
    db.session.commit()
    return people, [managed.id, elsewhere.id, reviewed.id], ticket.id


def in_database(user, screen, action, model, record_id) -> bool:
    condition = access.rows(user, screen, action)
    return db.session.scalar(select(model.id).where(model.id == record_id, condition)) is not None


@pytest.mark.parametrize(
    "who", ["coord", "far_coord", "marsh", "deakin", "rev", "agent", "admin", "both"]
)
def test_the_loaded_answer_is_the_databases(world, who):
    people, complaint_ids, ticket_id = world
    user = people[who]
    decided = 0
    for complaint_id in complaint_ids:
        db.session.expire_all()
        complaint = db.session.get(Complaint, complaint_id)
        complaint.internal_reviews  # noqa: B018  (loaded, as the details page has it)
        for action in ACTIONS:
            known = access.reaches(user, "complaint", action, complaint)
            expected = in_database(user, "complaint", action, Complaint, complaint_id)
            if known is not None:
                decided += 1
                assert known == expected, (who, complaint.id, action)
            for person in (complaint.complainant, complaint.manager, complaint.decision_maker):
                if person is None:
                    continue
                named = access.reaches(user, "participant", action, person, via=complaint)
                if named is not None:
                    assert named == in_database(
                        user, "participant", action, Participant, person.id
                    ), (who, person.id, action)
        ticket = db.session.get(Ticket, ticket_id)
        for action in ACTIONS:
            known = access.reaches(user, "ticket", action, ticket)
            if known is not None:
                assert known == in_database(user, "ticket", action, Ticket, ticket_id)
    # Complaints are decided from their columns for every one of these officers.
    assert decided == len(complaint_ids) * len(ACTIONS)


def test_a_record_changed_but_not_saved_is_left_to_the_database(world):
    people, complaint_ids, _ = world
    complaint = db.session.get(Complaint, complaint_ids[1])
    complaint.division_id = people["coord"].participant.division_id  # not saved
    assert access.reaches(people["coord"], "complaint", "view", complaint) is None


def test_the_complaint_page_links_what_the_officer_may_open_without_asking(world, auth, client):
    people, complaint_ids, _ = world
    auth.login("marsh")
    url = f"/admin/complaint/details/?id={complaint_ids[0]}"
    client.get(url)  # the calendars and settings, read once for the process
    db.session.close()
    with statements_run() as seen:
        html = client.get(url).get_data(as_text=True)
    complaint = db.session.get(Complaint, complaint_ids[0])
    assert f"/admin/participant/details/?id={complaint.complainant_id}" in html
    assert f"/admin/replies/complaint/{complaint.id}/" in html  # the manager may write
    # Neither the complainant's link nor the reply link asked the database.
    assert not [s for s, _ in seen if "FROM participant WHERE participant.id =" in s]
    assert not [s for s, _ in seen if s.startswith("SELECT complaint.id \nFROM complaint")]


@pytest.mark.parametrize("who", ["coord", "marsh", "deakin", "rev", "both", "admin"])
def test_the_links_and_the_reply_button_follow_the_rules(world, auth, client, who):
    people, complaint_ids, _ = world
    user = people[who]
    auth.login(who)
    for complaint_id in complaint_ids:
        response = client.get(f"/admin/complaint/details/?id={complaint_id}")
        if not in_database(user, "complaint", "view", Complaint, complaint_id):
            assert response.status_code != 200
            continue
        html = response.get_data(as_text=True)
        complaint = db.session.get(Complaint, complaint_id)
        person = complaint.complainant_id
        links_person = f"/admin/participant/details/?id={person}" in html
        assert links_person == in_database(user, "participant", "view", Participant, person)
        replies = f"/admin/replies/complaint/{complaint_id}/" in html
        assert replies == in_database(user, "complaint", "edit", Complaint, complaint_id)
