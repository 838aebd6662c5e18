"""The complaint register as a coordinator works it: register, find, filter, export, edit."""

import csv
import html as html_lib
import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update

from models import Category, Complaint, Extension, Participant, db, utcnow
from rules.errors import RuleViolation
from tests.admin_forms import form_values
from tests.conftest import Factory, login
from tests.test_workflow_screens import history_of


def registration_form(client, **values):
    page = client.get("/admin/complaint/new/")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return data


def set_next_due(complaint, instant):
    # Straight to the table: the flush hook computes dues on an ORM save.
    db.session.execute(
        update(Complaint).where(Complaint.id == complaint.id).values(next_due_at=instant)
    )
    db.session.commit()


def test_a_coordinator_registers_a_complaint_typed_in_the_divisions_local_time(
    app, make, auth, time_machine
):
    # Tuesday 3 March 2026, 10:00 in Brisbane.
    time_machine.move_to(datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc), tick=False)
    division = make.division("Customer Services", calendar_code="AU-QLD")
    make.user("coord", "coordinator", division=division)
    complainant = make.complainant("Nguyen")
    manager = make.staff("Marsh", level="AO5")
    db.session.commit()
    auth.login("coord")
    data = registration_form(
        auth.client,
        division=str(division.id),
        complainant=str(complainant.id),
        manager=str(manager.id),
        summary="Waited two hours at the counter",
        description="Nobody explained the delay.",
        received_at="02/03/2026 09:00",
    )
    response = auth.client.post("/admin/complaint/new/", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Registered CTS-2026-000001" in html
    # One message for one save: the reference it became, not Flask-Admin's generic one too.
    assert "Record was successfully created." not in html
    complaint = db.session.execute(
        db.select(Complaint).filter_by(reference="CTS-2026-000001")
    ).scalar_one()
    assert complaint.received_at == datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc)
    # "Registered" says what happened: the coordinator's save registered it.
    assert complaint.status == "registered"
    assert complaint.registered_at == datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)
    assert complaint.coordinator.family_name == "Coord"
    register = [e for e in history_of(complaint) if e.action == "register"]
    assert len(register) == 1
    assert complaint.complainant.family_name == "Nguyen"
    assert complaint.manager_id == manager.id
    grid = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "CTS-2026-000001" in grid
    assert "02/03/2026 09:00" in grid  # shown back in Brisbane time
    # Corrected only with a reason, on its own form, which shows it in Brisbane time too.
    url = f"/admin/complaint/correct-start/?id={complaint.id}"
    assert 'value="2026-03-02T09:00"' in auth.client.get(url).get_data(as_text=True)


def test_an_administrator_creating_a_complaint_leaves_it_received_and_says_so(
    app, make, auth, time_machine
):
    time_machine.move_to(datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc), tick=False)
    division = make.division("Customer Services", calendar_code="AU-QLD")
    make.user("boss", "administrator")
    db.session.commit()
    auth.login("boss")
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="Letter never answered",
        received_at="02/03/2026 09:00",
    )
    response = auth.client.post("/admin/complaint/new/", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Received CTS-2026-000001: it waits for a coordinator to register it." in html
    assert "Registered CTS-2026-000001" not in html
    complaint = db.session.execute(db.select(Complaint)).scalar_one()
    assert complaint.status == "received" and complaint.registered_at is None


def test_a_melbourne_division_reads_the_time_in_daylight_saving(app, make, auth):
    division = make.division("Help desk", calendar_code="AU-VIC")
    make.user("coord", "coordinator", division=division)
    db.session.commit()
    auth.login("coord")
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="Phone line dropped out",
        received_at="2026-03-02T09:00",  # what the browser's picker sends
    )
    auth.client.post("/admin/complaint/new/", data=data)
    complaint = db.session.execute(db.select(Complaint)).scalar_one()
    assert complaint.received_at == datetime(2026, 3, 1, 22, 0, tzinfo=timezone.utc)


def test_a_form_with_a_missing_and_a_malformed_field_is_shown_again_with_the_input(
    app, make, auth
):
    make.user("coord", "coordinator")
    division = make.division()
    db.session.commit()
    auth.login("coord")
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="",
        description="Kept on hold for an hour",
        received_at="31/02/2026 9am",
    )
    response = auth.client.post("/admin/complaint/new/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Enter a date and time as dd/mm/yyyy hh:mm" in html
    assert "Kept on hold for an hour" in html
    assert 'value="31/02/2026 9am"' in html
    assert db.session.execute(db.select(Complaint)).first() is None


def test_a_time_the_clocks_skip_is_refused_with_a_message(app, make, auth):
    division = make.division(calendar_code="AU-VIC")
    make.user("coord", "coordinator", division=division)
    db.session.commit()
    auth.login("coord")
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="Lodged at night",
        received_at="04/10/2026 02:30",  # Melbourne goes from 02:00 to 03:00 that night
    )
    html = auth.client.post("/admin/complaint/new/", data=data).get_data(as_text=True)
    assert "does not exist in Australia/Melbourne" in html
    assert db.session.execute(db.select(Complaint)).first() is None


def test_a_receipt_in_the_future_is_refused_and_takes_no_reference_number(app, make, auth):
    """A typo in the year (2062 for 2026) would number the complaint CTS-2062-000001."""
    make.user("coord", "coordinator")
    division = make.division()
    db.session.commit()
    auth.login("coord")
    next_year = utcnow() + timedelta(days=400)
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="Counter closed early",
        received_at=next_year.strftime("%d/%m/%Y 09:00"),
    )
    response = auth.client.post("/admin/complaint/new/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Received: " in html and "is in the future" in html
    assert "Counter closed early" in html
    assert db.session.execute(db.select(Complaint)).first() is None


def test_an_extension_may_set_a_due_date_ahead(app, make, auth):
    coordinator = make.user("coord", "coordinator")
    complaint = make.complaint(received_at=utcnow() - timedelta(days=3))
    auth.login("coord")
    page = auth.client.get(f"/admin/extension/new/?complaint={complaint.id}")
    data = form_values(page.get_data(as_text=True))
    ahead = utcnow() + timedelta(days=60)
    data.update(
        complaint=str(complaint.id),
        new_due_at=ahead.strftime("%d/%m/%Y 17:00"),
        reason="Independent advice sought",
        approved_by=str(coordinator.participant_id),
        approved_at=(utcnow() - timedelta(days=1)).strftime("%d/%m/%Y 10:00"),
    )
    response = auth.client.post("/admin/extension/new/", data=data)
    assert "is in the future" not in response.get_data(as_text=True)
    assert response.status_code == 302
    assert db.session.execute(db.select(Extension)).scalar_one().complaint_id == complaint.id


BRISBANE = ZoneInfo("Australia/Brisbane")


def extension_case(make, time_machine):
    # Tuesday 10 March 2026, 10:00 in Brisbane: before signing in.
    time_machine.move_to(datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc), tick=False)
    division = make.division("Customer Services", calendar_code="AU-QLD")
    make.user("coord", "coordinator", division=division)
    manager = make.user("marsh", "complaint_manager", level="AO5").participant
    decider = make.user("deakin", "decision_maker", level="AO7").participant
    complaint = make.complaint(
        division=division,
        received_at=datetime(2026, 3, 2, 9, 0, tzinfo=BRISBANE),
        classification="standard",
        manager=manager,
        decision_maker=decider,
    )
    return complaint, manager, decider


def extension_form(client, complaint, **values):
    page = client.get(f"/admin/extension/new/?complaint={complaint.id}")
    data = form_values(page.get_data(as_text=True))
    data.update(complaint=str(complaint.id), approved_at="09/03/2026 10:00", **values)
    return data


def test_an_extension_that_shortens_on_a_sunday_approved_by_the_manager_is_refused(
    app, make, auth, time_machine
):
    complaint, manager, decider = extension_case(make, time_machine)
    current = complaint.resolution_due_at
    assert current == datetime(2026, 3, 30, 17, 0, tzinfo=BRISBANE)
    auth.login("coord")
    data = extension_form(
        auth.client,
        complaint,
        new_due_at="22/03/2026 12:00",  # a Sunday, before the due it extends
        reason="More witnesses",
        approved_by=str(manager.id),
    )
    response = auth.client.post("/admin/extension/new/", data=data)
    page = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Marsh manages CTS-2026-000001: an extension is approved by its decision maker" in page
    assert "must be later than the one it extends, 5:00 pm on Monday 30 March 2026" in page
    assert "More witnesses" in page  # the input is kept
    assert db.session.execute(db.select(Extension)).first() is None
    assert db.session.get(Complaint, complaint.id).resolution_due_at == current


def test_an_extension_on_a_sunday_is_moved_to_closing_time_and_says_so(
    app, make, auth, time_machine
):
    complaint, manager, decider = extension_case(make, time_machine)
    auth.login("coord")
    data = extension_form(
        auth.client,
        complaint,
        new_due_at="26/04/2026 12:00",  # a Sunday
        reason="Independent advice sought",
        approved_by=str(decider.id),
    )
    response = auth.client.post("/admin/extension/new/", data=data, follow_redirects=True)
    page = html_lib.unescape(response.get_data(as_text=True))
    assert (
        "26/04/2026 12:00 is not closing time of a business day of CTS-2026-000001's calendar: "
        "the new resolution due was moved to 27/04/2026 17:00." in page
    )
    monday = datetime(2026, 4, 27, 17, 0, tzinfo=BRISBANE)
    assert db.session.execute(db.select(Extension)).scalar_one().new_due_at == monday
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.resolution_due_at == monday
    assert "extension_moved" in [entry.action for entry in history_of(complaint)]


def test_an_extensions_reason_may_be_corrected_but_not_its_due_on_the_edit_form(
    app, make, auth, time_machine
):
    complaint, manager, decider = extension_case(make, time_machine)
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 4, 30, 17, 0, tzinfo=BRISBANE),
        reason="Independant advice",
        approved_by=decider,
        approved_at=datetime(2026, 3, 9, 10, 0, tzinfo=BRISBANE),
    )
    db.session.add(extension)
    db.session.commit()
    auth.login("coord")
    url = f"/admin/extension/edit/?id={extension.id}"
    data = form_values(auth.client.get(url).get_data(as_text=True))
    data.update(reason="Independent advice sought")
    assert auth.client.post(url, data=data).status_code == 302
    data = form_values(auth.client.get(url).get_data(as_text=True))
    data.update(new_due_at="01/04/2026 17:00")
    page = html_lib.unescape(auth.client.post(url, data=data).get_data(as_text=True))
    assert "An approved extension stands as approved" in page
    db.session.expire_all()
    saved = db.session.get(Extension, extension.id)
    assert saved.reason == "Independent advice sought"
    assert saved.new_due_at == datetime(2026, 4, 30, 17, 0, tzinfo=BRISBANE)


def test_a_direct_save_cannot_shorten_or_self_approve_or_rewrite_an_extension(
    app, make, time_machine
):
    complaint, manager, decider = extension_case(make, time_machine)
    db.session.add(
        Extension(
            complaint=complaint,
            new_due_at=datetime(2026, 4, 30, 17, 0, tzinfo=BRISBANE),
            reason="Short of staff",
            approved_by=manager,
        )
    )
    with pytest.raises(RuleViolation, match="Marsh manages CTS-2026-000001"):
        db.session.commit()
    db.session.rollback()
    db.session.add(
        Extension(
            complaint=complaint,
            new_due_at=datetime(2026, 3, 20, 17, 0, tzinfo=BRISBANE),
            reason="Sooner",
            approved_by=decider,
        )
    )
    with pytest.raises(RuleViolation, match="must be later than the one it extends"):
        db.session.commit()
    db.session.rollback()
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 4, 30, 17, 0, tzinfo=BRISBANE),
        reason="Independent advice sought",
        approved_by=decider,
    )
    db.session.add(extension)
    db.session.commit()
    extension.new_due_at = datetime(2026, 4, 1, 17, 0, tzinfo=BRISBANE)
    with pytest.raises(RuleViolation, match="An approved extension stands as approved"):
        db.session.commit()
    db.session.rollback()
    assert db.session.execute(db.select(Extension)).scalar_one().reason == (
        "Independent advice sought"
    )


def test_details_say_when_the_online_consent_question_was_never_asked(app, make, auth):
    make.user("coord", "coordinator")
    by_phone = make.complaint()
    online = make.complaint(personal_details_consent=True)
    auth.login("coord")
    page = auth.client.get(f"/admin/complaint/details/?id={by_phone.id}").get_data(as_text=True)
    assert "Not asked (not lodged online, or lodged anonymously)" in page
    page = auth.client.get(f"/admin/complaint/details/?id={online.id}").get_data(as_text=True)
    assert re.search(r"may be used</dt>\s*<dd[^>]*>\s*Yes\s*</dd>", page)


def test_a_picker_choice_that_is_not_staff_is_refused_as_manager(app, make, auth):
    make.user("coord", "coordinator")
    division = make.division()
    complainant = make.complainant()
    db.session.commit()
    auth.login("coord")
    data = registration_form(
        auth.client,
        division=str(division.id),
        summary="Counter staff were rude",
        manager=str(complainant.id),
    )
    response = auth.client.post("/admin/complaint/new/", data=data)
    assert response.status_code == 200
    assert db.session.execute(db.select(Complaint)).first() is None


def test_the_staff_picker_finds_officers_by_any_words_of_their_name(app, make, auth):
    make.user("coord", "coordinator")
    make.staff("Marsh", given_name="Robin")
    make.complainant("Marsh")
    db.session.commit()
    auth.login("coord")
    found = auth.client.get(
        "/admin/complaint/ajax/lookup/?name=manager&query=rob%20mar"
    ).get_json()
    # Each officer with their open caseload beside their name.
    assert [label for _, label in found] == ["Robin Marsh (AO5) · 0 open"]
    anyone = auth.client.get("/admin/complaint/ajax/lookup/?name=complainant&query=marsh")
    assert len(anyone.get_json()) == 2


def test_the_grid_finds_a_complaint_by_reference_or_complainant_name(app, make, auth):
    make.user("coord", "coordinator")
    first = make.complaint(complainant=make.complainant("Papadopoulos"))
    second = make.complaint(complainant=make.complainant("Okafor"))
    auth.login("coord")
    by_reference = auth.client.get(f"/admin/complaint/?search={second.reference}")
    html = by_reference.get_data(as_text=True)
    assert second.reference in html and first.reference not in html
    by_name = auth.client.get("/admin/complaint/?search=papado").get_data(as_text=True)
    assert first.reference in by_name and second.reference not in by_name


def test_the_assigned_to_me_filter_shows_what_i_manage_or_decide(app, make, auth):
    me = make.user("coord", "coordinator")
    managed = make.complaint(manager=me.participant)
    decided = make.complaint(decision_maker=me.participant)
    other = make.complaint()
    auth.login("coord")
    html = auth.client.get("/admin/complaint/?flt0_assigned_to_me_is=1").get_data(as_text=True)
    assert managed.reference in html and decided.reference in html
    assert other.reference not in html


def test_the_overdue_filter_shows_open_complaints_past_their_due_instant(app, make, auth):
    make.user("coord", "coordinator")
    late = make.complaint(summary="late")
    closed_late = make.complaint(summary="closed late", status="closed")
    on_time = make.complaint(summary="on time")
    set_next_due(late, utcnow() - timedelta(days=1))
    set_next_due(closed_late, utcnow() - timedelta(days=1))
    set_next_due(on_time, utcnow() + timedelta(days=3))
    auth.login("coord")
    html = auth.client.get("/admin/complaint/?flt0_overdue_is=1").get_data(as_text=True)
    assert late.reference in html
    assert closed_late.reference not in html
    assert on_time.reference not in html
    grid = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert grid.count('<span class="badge badge-danger">Overdue</span>') == 1


def test_names_in_the_grid_are_escaped(app, make, auth):
    make.user("coord", "coordinator")
    make.complaint(complainant=make.complainant("<script>alert(1)</script>"))
    auth.login("coord")
    html = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("dangerous", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_the_csv_export_neutralises_spreadsheet_formulas(app, make, auth, dangerous):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary=dangerous)
    set_next_due(complaint, utcnow() - timedelta(days=1))
    auth.login("coord")
    response = auth.client.get("/admin/complaint/export/csv/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    summary = rows[0].index("Summary")
    assert rows[1][summary] == "'" + dangerous
    assert "<span" not in text and "badge" not in text


def test_a_save_over_someone_elses_change_is_refused_and_names_them(app, make):
    make.user("coord", "coordinator")
    make.user("colleague", "coordinator")
    complaint = make.complaint(summary="As registered")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "coord")
    login(theirs, "colleague")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    my_form = form_values(mine.get(url).get_data(as_text=True))
    their_form = form_values(theirs.get(url).get_data(as_text=True))
    their_form["summary"] = "Changed by my colleague"
    assert theirs.post(url, data=their_form).status_code == 302
    my_form["summary"] = "My change"
    response = mine.post(url, data=my_form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Alex Colleague (colleague) changed this complaint" in html
    assert "Your changes were not saved" in html
    assert 'value="My change"' in html
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).summary == "Changed by my colleague"


def test_a_save_without_the_row_version_is_refused(app, make, auth):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="As registered")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    del form["row_version"]
    form["summary"] = "Blind overwrite"
    html = auth.client.post(url, data=form).get_data(as_text=True)
    assert "Your changes were not saved" in html
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).summary == "As registered"


def test_an_edit_on_the_current_version_is_saved(app, make, auth):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="As registered")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    form["summary"] = "Clarified summary"
    assert auth.client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, complaint.id)
    assert saved.summary == "Clarified summary"
    assert saved.received_at == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _many_complaints(app, count):
    with app.app_context():
        make = Factory(app)
        # An administrator: the grid spans divisions on both calendars.
        make.user("coord", "administrator")
        divisions = [make.division(calendar_code=code) for code in ("AU-QLD", "AU-VIC", "AU-QLD")]
        categories = db.session.execute(db.select(Category)).scalars().all()
        officers = [make.staff(level=level) for level in ("AO4", "AO5", "AO6", "AO7", "AO8")]
        for n in range(count):
            db.session.add(
                Complaint(
                    summary=f"Complaint {n}",
                    division=divisions[n % 3],
                    category=categories[n % len(categories)],
                    classification="standard",
                    complainant=Participant(kind="complainant", family_name=f"Person{n}"),
                    # Separation of duties: the decision maker ranks above the manager.
                    manager=officers[n % 4],
                    decision_maker=officers[n % 4 + 1],
                    received_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
                    + timedelta(hours=n),
                )
            )
        db.session.commit()
        db.session.remove()


def test_the_grid_issues_the_same_number_of_statements_at_any_page_size(app):
    _many_complaints(app, 120)
    client = app.test_client()
    login(client, "coord")
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = {}
        for size in (20, 100, 20):
            statements.clear()
            response = client.get(f"/admin/complaint/?page_size={size}")
            assert response.status_code == 200
            assert response.get_data(as_text=True).count('class="col-reference"') == size
            counts[size] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[20] == counts[100], statements
    # The grid (its count and rows with their people, categories and due dates), the
    # account, and the bell's unread count in the menu bar.
    assert counts[100] <= 11


def test_a_change_committed_while_saving_is_refused_and_rolled_back(app, make, auth, monkeypatch):
    from views.admin.cases import ComplaintView

    make.user("coord", "coordinator")
    complaint = make.complaint(summary="As registered")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    form["summary"] = "Mine"

    def someone_else_saves_meanwhile(view, form, model, is_created):
        with db.engine.begin() as connection:
            connection.execute(
                update(Complaint)
                .where(Complaint.id == model.id)
                .values(summary="Theirs", version=Complaint.version + 1)
            )

    monkeypatch.setattr(ComplaintView, "on_model_change", someone_else_saves_meanwhile)
    html = auth.client.post(url, data=form).get_data(as_text=True)
    assert "Your changes were not saved" in html
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).summary == "Theirs"


def test_the_registration_form_names_the_coordinator_registering_it(app, make, auth):
    me = make.user("coord", "coordinator")
    auth.login("coord")
    html = auth.client.get("/admin/complaint/new/").get_data(as_text=True)
    assert f'id="coordinator" name="coordinator" type="hidden" value="{me.participant_id}"' in html


def test_the_registration_form_starts_in_the_registering_officers_division(app, make, auth):
    make.division(name="Another division")
    me = make.user("coord", "coordinator")
    db.session.commit()
    auth.login("coord")
    html = auth.client.get("/admin/complaint/new/").get_data(as_text=True)
    assert f'<option selected value="{me.participant.division_id}">' in html


def test_a_refusal_from_the_rules_is_shown_on_the_form_with_the_input(
    app, make, auth, monkeypatch
):
    from rules.errors import RuleViolation
    from views.admin.cases import ComplaintView

    def refuse(view, form, model, is_created):
        raise RuleViolation("The decision maker must rank above the complaint manager.")

    monkeypatch.setattr(ComplaintView, "on_model_change", refuse)
    make.user("coord", "coordinator")
    division = make.division()
    db.session.commit()
    auth.login("coord")
    data = registration_form(auth.client, division=str(division.id), summary="Kept waiting")
    response = auth.client.post("/admin/complaint/new/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The decision maker must rank above the complaint manager." in html
    assert 'value="Kept waiting"' in html
    assert db.session.execute(db.select(Complaint)).first() is None


def test_the_human_rights_filter_finds_complaints_with_or_without_the_aspect(app, make, auth):
    make.user("coord", "coordinator")
    with_aspect = make.complaint(summary="Refused an interpreter", human_rights=True)
    without = make.complaint(summary="Late letter")
    auth.login("coord")
    grid = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "Human rights" in grid
    yes = auth.client.get("/admin/complaint/?flt0_human_rights_equals=1")
    assert yes.status_code == 200
    html = yes.get_data(as_text=True)
    assert with_aspect.reference in html and without.reference not in html
    html = auth.client.get("/admin/complaint/?flt0_human_rights_equals=0").get_data(as_text=True)
    assert without.reference in html and with_aspect.reference not in html
    # A value the filter does not know is left out, not an error page.
    odd = auth.client.get("/admin/complaint/?flt0_human_rights_equals=maybe")
    assert odd.status_code == 200
    html = odd.get_data(as_text=True)
    assert with_aspect.reference in html and without.reference in html
    # The grid's export follows the filter.
    exported = auth.client.get("/admin/complaint/export/csv/?flt0_human_rights_equals=1")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["Reference"] for row in rows] == [with_aspect.reference]


def test_a_change_made_is_recorded_with_its_date_from_the_form(app, make, auth):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="Fee notice unclear")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    assert "change_made" in form and "change_made_at" in form
    form["change_made"] = "The fee notice now lists every payment option."
    html = auth.client.post(url, data=form).get_data(as_text=True)
    assert "say when the change to policies, procedures or practices was made" in html
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).change_made is None

    form = form_values(auth.client.get(url).get_data(as_text=True))
    form["change_made"] = "The fee notice now lists every payment option."
    form["change_made_at"] = "10/03/2026 09:00"
    assert auth.client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, complaint.id)
    assert saved.change_made == "The fee notice now lists every payment option."
    # Typed in the division's Brisbane time.
    assert saved.change_made_at == datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc)
    details = auth.client.get(f"/admin/complaint/details/?id={complaint.id}")
    assert "Change made to policies, procedures or practices" in details.get_data(as_text=True)
