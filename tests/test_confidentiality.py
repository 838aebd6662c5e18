"""A confidential complaint's complainant is named only to the coordinator of its division
and the officers assigned to it; everyone else, administrators too, reads "Confidential
complainant" in the grid, the details, the export, the participant screens and the pickers,
and cannot find the complaint by the complainant's name."""

import csv
import io
from datetime import datetime, timezone

import pytest

from models import Complaint, InternalReview, db
from rules.confidentiality import MASK, may_see_complainant
from tests.admin_forms import form_values

# The decision itself: plain values in, yes or no out.


def sees(**overrides):
    values = {
        "confidential": True,
        "capacities": frozenset(),
        "me": 7,
        "my_division_id": 1,
        "division_id": 1,
        "officer_ids": {11, 12},
    }
    values.update(overrides)
    return may_see_complainant(**values)


def test_anyone_sees_the_complainant_of_a_complaint_that_is_not_confidential():
    assert sees(confidential=False)


def test_the_coordinator_of_the_complaints_division_sees_the_complainant():
    assert sees(capacities={"coordinator"})


def test_a_coordinator_of_another_division_does_not():
    assert not sees(capacities={"coordinator"}, my_division_id=2)


def test_an_assigned_officer_sees_the_complainant_whatever_their_capacity():
    assert sees(me=11)


@pytest.mark.parametrize(
    "capacities", [{"administrator"}, {"complaint_manager"}, {"support_agent"}, set()]
)
def test_no_other_capacity_sees_the_complainant_of_a_complaint_not_theirs(capacities):
    assert not sees(capacities=capacities)


def test_an_officer_without_a_staff_record_or_division_sees_nothing_confidential():
    assert not sees(me=None, my_division_id=None, capacities={"coordinator"})


# Through the screens.


@pytest.fixture
def case(app, make):
    """A confidential complaint of Customer Services, with its officers and an administrator."""
    mine = make.division("Customer Services")
    other = make.division("Licensing")
    people = {
        "coord": make.user("coord", "coordinator", division=mine),
        "elsewhere": make.user("elsewhere", "coordinator", division=other),
        "boss": make.user("boss", "administrator"),
        "manager": make.user("manager", "complaint_manager", level="AO4"),
        "decider": make.user("decider", "decision_maker", level="AO6"),
        "reviewer": make.user("reviewer", "internal_reviewer", level="AO8"),
    }
    complaint = make.complaint(
        division=mine,
        confidential=True,
        complainant=make.complainant("Papadopoulos"),
        manager=people["manager"].participant,
        decision_maker=people["decider"].participant,
        summary="Treated unfairly at the counter",
    )
    db.session.add(
        InternalReview(
            complaint=complaint,
            reviewer=people["reviewer"].participant,
            requested_at=datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc),
        )
    )
    db.session.commit()
    return complaint


def shown(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["coord", "manager", "decider", "reviewer"])
def test_the_coordinator_and_assigned_officers_see_who_complained(
    app, auth, client, case, username
):
    auth.login(username)
    details = shown(client, f"/admin/complaint/details/?id={case.id}")
    assert "Sam Papadopoulos" in details and MASK not in details
    grid = shown(client, "/admin/complaint/")
    assert "Sam Papadopoulos" in grid
    person = shown(client, f"/admin/participant/details/?id={case.complainant_id}")
    assert "Papadopoulos" in person and "sam@example.com" in person


def without_history(html):
    """The page without its timeline (see the test on the history below)."""
    return html.split('id="timeline-heading"')[0]


def test_an_administrator_reads_the_mask_in_the_grid_details_and_export(app, auth, client, case):
    auth.login("boss")
    for url in ("/admin/complaint/", f"/admin/complaint/details/?id={case.id}"):
        html = without_history(shown(client, url))
        assert case.reference in html
        assert MASK in html
        assert "Papadopoulos" not in html and "sam@example.com" not in html
    export = client.get("/admin/complaint/export/csv/").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export)))
    column = rows[0].index("Complainant")
    assert rows[1][column] == MASK
    assert "Papadopoulos" not in export


def test_the_history_on_the_details_page_masks_the_complainant_too(app, auth, client, case):
    auth.login("boss")
    html = shown(client, f"/admin/complaint/details/?id={case.id}")
    history = html.split('id="timeline-heading"')[1]
    assert MASK in history and "Papadopoulos" not in history
    auth.logout()
    auth.login("manager")
    html = shown(client, f"/admin/complaint/details/?id={case.id}")
    history = html.split('id="timeline-heading"')[1]
    assert "Sam Papadopoulos" in history and MASK not in history


def test_the_complainants_name_does_not_find_the_complaint_for_those_who_may_not_see_it(
    app, make, auth, client, case
):
    plain = make.complaint(complainant=make.complainant("Papadopoulou"), summary="Plain")
    auth.login("boss")
    found = shown(client, "/admin/complaint/?search=papadopoul")
    assert plain.reference in found and case.reference not in found
    # The reference and the summary still find it, masked.
    by_reference = shown(client, f"/admin/complaint/?search={case.reference}")
    assert case.reference in by_reference and MASK in by_reference
    auth.logout()
    auth.login("coord")
    assert case.reference in shown(client, "/admin/complaint/?search=papadopoulos")


def test_the_participant_screens_mask_a_confidential_complainant(app, auth, client, case):
    for username in ("boss", "elsewhere"):
        auth.login(username)
        grid = shown(client, "/admin/participant/")
        assert MASK in grid and "Papadopoulos" not in grid and "sam@example.com" not in grid
        details = shown(client, f"/admin/participant/details/?id={case.complainant_id}")
        assert MASK in details and "Papadopoulos" not in details
        assert "0400 000 000" not in details
        searched = shown(client, "/admin/participant/?search=papadopoulos")
        assert MASK not in searched
        edit = client.get(f"/admin/participant/edit/?id={case.complainant_id}")
        assert edit.status_code == 403
        auth.logout()
    auth.login("boss")
    export = client.get("/admin/participant/export/csv/").get_data(as_text=True)
    assert MASK in export and "Papadopoulos" not in export


def test_the_pickers_never_offer_a_hidden_confidential_complainant(app, auth, client, case):
    auth.login("elsewhere")
    found = client.get("/admin/complaint/ajax/lookup/?name=complainant&query=papa").get_json()
    assert found == []
    auth.logout()
    auth.login("coord")
    found = client.get("/admin/complaint/ajax/lookup/?name=complainant&query=papa").get_json()
    assert [label for _, label in found] == ["Sam Papadopoulos"]


def test_an_administrator_cannot_unmask_or_change_the_complainant_by_editing(
    app, make, auth, client, case
):
    someone_else = make.complainant("Okafor")
    db.session.commit()
    auth.login("boss")
    url = f"/admin/complaint/edit/?id={case.id}"
    form = client.get(url).get_data(as_text=True)
    assert "Papadopoulos" not in form
    data = form_values(form)
    assert "complainant" not in data and "confidential" not in data
    data.update(
        summary="Treated unfairly at the front counter",
        complainant=str(someone_else.id),
    )
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, case.id)
    assert saved.summary == "Treated unfairly at the front counter"
    assert saved.confidential is True
    assert saved.complainant.family_name == "Papadopoulos"


def test_the_coordinator_keeps_a_complainant_confidential_elsewhere_when_editing(
    app, make, auth, client, case
):
    # The same person complained again here, and confidentially in another division: the
    # coordinator may not see them there, so the picker would not offer them.
    again = make.complaint(division=case.division, complainant=case.complainant)
    make.complaint(confidential=True, complainant=case.complainant)
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={again.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["summary"] = "Edited by the coordinator"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, again.id)
    assert saved.summary == "Edited by the coordinator"
    assert saved.complainant_id == case.complainant_id


def test_a_complaint_that_is_not_confidential_is_not_masked(app, make, auth, client):
    make.user("boss", "administrator")
    complaint = make.complaint(complainant=make.complainant("Okafor"))
    auth.login("boss")
    html = shown(client, f"/admin/complaint/details/?id={complaint.id}")
    assert "Sam Okafor" in html and MASK not in html


def test_the_audit_log_masks_a_confidential_complainants_own_history(app, auth, client, case):
    auth.login("boss")
    log = shown(client, "/admin/history/?flt0_record_is=Participant")
    assert f"Participant {case.complainant_id}: {MASK}" in log
    assert "Papadopoulos" not in log
    assert f"Participant {case.complainant_id}" not in shown(
        client, "/admin/history/?search=papadopoulos"
    )
    export = client.get("/admin/history/export/csv/").get_data(as_text=True)
    assert "Papadopoulos" not in export


def test_asking_about_a_few_people_gives_what_the_whole_hidden_set_gives(app, make, case):
    """`hidden_among` reads only the participants asked about (a report's few clients),
    and answers as the set of every hidden person would, for each officer."""
    from models import User
    from services.confidentiality import Confidentiality

    plain = make.complaint(complainant=make.complainant("Open"))
    asked = [case.complainant_id, plain.complainant_id, None]
    for username in ("coord", "elsewhere", "boss", "manager", "reviewer"):
        user = db.session.scalars(db.select(User).filter_by(username=username)).one()
        whole = Confidentiality(user, db.session).hidden_person_ids()
        few = Confidentiality(user, db.session).hidden_among(asked)
        assert few == whole & set(asked), username
    boss = db.session.scalars(db.select(User).filter_by(username="boss")).one()
    assert Confidentiality(boss, db.session).hidden_among(asked) == {case.complainant_id}


def test_the_row_condition_agrees_with_the_hidden_set_inside_a_query_of_complaints(
    app, make, case
):
    """`person_visible`, asked row by row (NOT EXISTS through the person's indexes), hides
    exactly the hidden set, for each officer, also in a query that reads complaints itself
    (the complaint it asks about is its own alias); an empty column hides no one."""
    from sqlalchemy import select

    from models import Complaint, OutboundMessage, Participant, User
    from services.confidentiality import Confidentiality, person_visible

    plain = make.complaint(complainant=make.complainant("Open"))
    db.session.add(
        OutboundMessage(
            dedupe_key="to-no-one",
            template_key="note",
            recipient_role="officer",
            subject="No one in particular",
            body="-",
            status="queued",
        )
    )
    db.session.commit()
    for username in ("coord", "elsewhere", "boss", "manager", "reviewer"):
        user = db.session.scalars(db.select(User).filter_by(username=username)).one()
        hidden = Confidentiality(user, db.session).hidden_person_ids()
        people = set(db.session.scalars(select(Participant.id)))
        shown = set(
            db.session.scalars(select(Participant.id).where(person_visible(user, Participant.id)))
        )
        assert shown == people - hidden, username
        complaints = set(
            db.session.scalars(
                select(Complaint.id).where(person_visible(user, Complaint.complainant_id))
            )
        )
        expected = {case.id, plain.id} - ({case.id} if case.complainant_id in hidden else set())
        assert complaints == expected, username
        unnamed = db.session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.participant_id.is_(None),
                person_visible(user, OutboundMessage.participant_id),
            )
        ).all()
        assert len(unnamed) == 1, username
    assert (
        case.complainant_id
        in Confidentiality(
            db.session.scalars(db.select(User).filter_by(username="elsewhere")).one(), db.session
        ).hidden_person_ids()
    )


def test_people_expected_by_a_page_are_answered_as_the_whole_hidden_set_would(app, make, case):
    """A details page asks about its case's own people at once (`expect`); its answers, and
    those about anyone not expected, are what the whole hidden set gives."""
    from models import Participant, User
    from services.confidentiality import Confidentiality
    from tests.statements import statements_run

    plain = make.complaint(complainant=make.complainant("Open"))
    people = db.session.scalars(db.select(Participant)).all()
    named = (case.complainant_id, plain.complainant_id, case.manager_id)
    for username in ("coord", "elsewhere", "boss", "manager", "reviewer"):
        user = db.session.scalars(db.select(User).filter_by(username=username)).one()
        whole = Confidentiality(user, db.session).hidden_person_ids()
        asked = Confidentiality(user, db.session)
        with statements_run() as seen:
            asked.expect([*named, None])
            answers = {
                person.id: asked.shows_person(person) for person in people if person.id in named
            }
        assert len(seen) <= 1, username  # one statement about the three
        assert answers == {i: i not in whole for i in answers}, username
        assert all(asked.shows_person(p) == (p.id not in whole) for p in people), username
