"""A phone complaint from someone not yet in the register, in one form: the new person beside
the complainant picker, the people likely the same shown before a new one is made, one save
for both, and nothing saved (everything typed kept) when the form is refused."""

import html as html_lib
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from models import Complaint, Participant, db
from tests.admin_forms import form_values

RECEIVED = "02/03/2026 09:00"


@pytest.fixture
def desk(app, make, auth, time_machine):
    time_machine.move_to(datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc), tick=False)
    division = make.division("Customer Services", calendar_code="AU-QLD")
    make.user("coord", "coordinator", division=division)
    db.session.commit()
    auth.login("coord")
    return division


def people() -> int:
    return db.session.scalar(select(func.count()).select_from(Participant))


def complaints() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def register(client, division, **values):
    page = client.get("/admin/complaint/new/").get_data(as_text=True)
    data = form_values(page)
    data.update(
        division=str(division.id),
        summary="Rates notice sent to the wrong address",
        received_at=RECEIVED,
        **values,
    )
    return client.post("/admin/complaint/new/", data=data, follow_redirects=True)


def text(response) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_the_create_form_offers_a_new_person_beside_the_complainant_picker(desk, auth):
    page = auth.client.get("/admin/complaint/new/").get_data(as_text=True)
    picker = page.index('name="complainant"')
    fieldset = page.index('id="new-person"')
    assert picker < fieldset < page.index('name="summary"')
    for name in ("new_given_name", "new_family_name", "new_email", "new_phone", "new_address"):
        assert f'name="{name}"' in page
    assert 'name="same_person"' not in page


def test_a_phone_complaint_from_a_new_person_saves_the_person_and_the_complaint_together(
    desk, auth
):
    before = people()
    response = register(
        auth.client,
        desk,
        new_given_name="Priya",
        new_family_name="Raman",
        new_email="priya@example.com",
        new_phone="0400 111 222",
        new_address="1 Queen St, Brisbane",
    )
    assert "Registered CTS-2026-000001" in text(response)
    complaint = db.session.execute(select(Complaint)).scalar_one()
    person = complaint.complainant
    assert (person.given_name, person.family_name, person.email, person.phone) == (
        "Priya",
        "Raman",
        "priya@example.com",
        "0400 111 222",
    )
    assert person.kind == "complainant" and person.address == "1 Queen St, Brisbane"
    assert people() == before + 1


def test_likely_duplicates_are_listed_and_nothing_is_saved_until_the_officer_decides(
    desk, auth, make
):
    existing = make.complainant("Raman")
    existing.given_name, existing.phone = "Priya", "+61 400 111 222"
    db.session.commit()
    before = people()
    response = register(
        auth.client,
        desk,
        new_given_name="priya",
        new_family_name="RAMAN",
        new_phone="0400-111-222",
        new_address="1 Queen St",
    )
    page = text(response)
    assert "The new person may already be in the register" in page
    assert "same name, same phone" in page
    assert f'name="same_person" type="radio" value="{existing.id}"' in response.get_data(
        as_text=True
    ) or re.search(rf'type="radio"[^>]*value="{existing.id}"', response.get_data(as_text=True))
    # Everything typed is kept.
    assert 'value="priya"' in response.get_data(as_text=True)
    assert "1 Queen St" in page
    assert (people(), complaints()) == (before, 0)


def test_choosing_the_existing_person_uses_them_and_adds_nobody(desk, auth, make):
    existing = make.complainant("Raman")
    existing.email = "priya@example.com"
    db.session.commit()
    before = people()
    response = register(
        auth.client,
        desk,
        new_given_name="Priya",
        new_family_name="Raman-Singh",
        new_email="Priya@Example.com",
        same_person=str(existing.id),
    )
    assert "Registered CTS-2026-000001" in text(response)
    assert db.session.execute(select(Complaint)).scalar_one().complainant_id == existing.id
    assert people() == before


def test_confirming_someone_new_adds_them_despite_the_likely_match(desk, auth, make):
    existing = make.complainant("Raman")
    existing.given_name = "Priya"
    db.session.commit()
    before = people()
    response = register(
        auth.client, desk, new_given_name="Priya", new_family_name="Raman", same_person="new"
    )
    assert "Registered CTS-2026-000001" in text(response)
    complainant = db.session.execute(select(Complaint)).scalar_one().complainant
    assert complainant.id != existing.id
    assert people() == before + 1


def test_a_refused_complaint_saves_no_new_person_either(desk, auth):
    before = people()
    response = register(
        auth.client,
        desk,
        new_given_name="Priya",
        new_family_name="Raman",
        change_made="Letters now checked twice",
    )
    page = text(response)
    assert "Change made on: say when" in page
    assert 'value="Raman"' in response.get_data(as_text=True)
    assert (people(), complaints()) == (before, 0)


def test_a_wrong_email_for_the_new_person_is_refused_beside_the_field(desk, auth):
    before = people()
    response = register(
        auth.client, desk, new_given_name="Priya", new_family_name="Raman", new_email="priya@"
    )
    assert "is not an email address" in text(response)
    assert (people(), complaints()) == (before, 0)


def test_a_chosen_complainant_and_a_new_person_together_are_refused(desk, auth, make):
    existing = make.complainant("Nguyen")
    db.session.commit()
    response = register(auth.client, desk, complainant=str(existing.id), new_family_name="Raman")
    assert "not both" in text(response)
    assert complaints() == 0


def test_a_new_person_needs_a_name(desk, auth):
    response = register(auth.client, desk, new_email="someone@example.com")
    assert "New person: give at least a family name or a given name." in text(response)
    assert complaints() == 0


def test_the_likely_people_endpoint_names_matches_and_hides_confidential_complainants(
    desk, auth, make
):
    seen = make.complainant("Raman")
    seen.given_name, seen.email = "Priya", "priya@example.com"
    hidden = make.complainant("Raman")
    hidden.given_name = "Priya"
    make.complaint(complainant=hidden, confidential=True, division=make.division("Elsewhere"))
    db.session.commit()
    answer = auth.client.get(
        "/admin/complaint/people-like/?given_name=Priya&family_name=Raman"
    ).get_json()
    ids = [person["id"] for person in answer["people"]]
    assert str(seen.id) in ids
    assert str(hidden.id) not in ids
    assert answer["new"]["id"] == "new"


def test_only_those_who_may_create_complaints_ask_who_is_likely(app, make):
    from tests.test_workflow_screens import client_for

    make.user("marsh", "complaint_manager")
    manager = client_for(app, "marsh")
    assert manager.get("/admin/complaint/people-like/?family_name=Raman").status_code == 403
