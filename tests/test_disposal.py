"""Keeping and disposing of records: a case past its retention period is disposed of by an
administrator; its personal content is gone from every table (history included), the
attachments folder and the exports, while every report counts it as before. On
PostgreSQL the history stays append-only for everything else: UPDATE, DELETE and
TRUNCATE are refused."""

import re
from datetime import timedelta

import pytest
import sqlalchemy
from sqlalchemy import select, text

from models import (
    Attachment,
    CaseNote,
    Category,
    Complaint,
    DisposalRecord,
    HistoryEntry,
    InboundMessage,
    InternalReview,
    LateReviewRequest,
    OutboundMessage,
    Outcome,
    Participant,
    Representative,
    RetentionRule,
    SurveyInvitation,
    SurveyResponse,
    db,
    utcnow,
)
from rules.errors import RuleViolation
from rules.periods import FINANCIAL_YEAR, QUARTER, period_containing
from services import disposal, improvements, notes, reports
from services.intake import attachment_folder

# Every piece of personal content the case holds, each findable on its own.
PERSONAL = (
    "Zelda",
    "Quixotic",
    "zelda.quixotic@example.com",
    "0499 123 456",
    "17 Wombat Crescent",
    "Bluefinch counter at Rocklea",
    "wanted a written apology from Bartholomew",
    "Quixotic called back about the parking fine",
    "reviewer found the Rocklea counter fees misquoted",
    "Dear Ms Quixotic",
    "Sent from Zelda's phone",
    "Rocklea signage rewritten after Zelda's complaint",
    "extension because Zelda was overseas",
    "SECRET-FILE-CONTENT-Xylophone",
    "Bartholomew Quill",
    "quill.advocacy@example.org",
    "Signed authority from Zelda",
    "The counter staff at Rocklea were lovely to Zelda",
    "Zelda missed the window because of surgery",
)


def everything_stored() -> str:
    """Every value of every table, as text."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)


def left_in(haystack: str) -> list[str]:
    return [word for word in PERSONAL if word.lower() in haystack.lower()]


@pytest.fixture
def old_case(app, make):
    """A complaint received 9 years ago and closed 8 years ago (7 years' retention), with
    every kind of personal content; and one closed 3 years ago, still kept."""
    now = utcnow()
    received = now - timedelta(days=9 * 365)
    finalised, closed = received + timedelta(days=20), received + timedelta(days=60)
    person = Participant(
        kind="complainant",
        given_name="Zelda",
        family_name="Quixotic",
        email="zelda.quixotic@example.com",
        phone="0499 123 456",
        address="17 Wombat Crescent, Rocklea",
    )
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    outcome = db.session.execute(select(Outcome).filter_by(code="upheld")).scalar_one()
    complaint = make.complaint(
        complainant=person,
        summary="Bluefinch counter at Rocklea",
        description="Zelda Quixotic was overcharged at the Bluefinch counter at Rocklea.",
        outcome_sought="wanted a written apology from Bartholomew",
        outcome_reason="Quixotic was right",
        root_cause="Zelda's fee was misread",
        received_at=received,
        registered_at=received,
        acknowledged_at=received + timedelta(days=1),
        finalised_at=finalised,
        closed_at=closed,
        status="closed",
        outcome=outcome,
        category=category,
        classification="standard",
        systemic_issue=True,
        commit=False,
    )
    complaint.issues = [category]
    db.session.flush()
    review = InternalReview(
        complaint=complaint,
        requested_at=finalised + timedelta(days=3),
        status="completed",
        completed_at=finalised + timedelta(days=10),
        outcome="decision_confirmed",
        findings="reviewer found the Rocklea counter fees misquoted",
    )
    db.session.add(review)
    improvements.record(
        db.session,
        complaint,
        None,
        description="Rocklea signage rewritten after Zelda's complaint",
        made_by="Quixotic liaison team",
        made_at=finalised + timedelta(days=5),
    )
    db.session.commit()
    notes.add(
        db.session,
        complaint,
        None,
        kind="phone",
        summary="Quixotic called back about the parking fine",
        happened_at=received + timedelta(days=2),
        with_whom="Zelda",
    )
    folder = attachment_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zelda-stored-file").write_bytes(b"SECRET-FILE-CONTENT-Xylophone")
    (folder / "zelda-raw-mail").write_bytes(b"From: zelda.quixotic@example.com\r\n\r\nHi")
    attachment = Attachment(
        complaint=complaint,
        original_filename="Zelda Quixotic receipt.pdf",
        content_type="application/pdf",
        size=29,
        sha256="0" * 64,
        stored_name="zelda-stored-file",
        note="Receipt from Zelda",
    )
    db.session.add(attachment)
    db.session.add(
        OutboundMessage(
            dedupe_key=f"ack-{complaint.id}",
            template_key="acknowledgement",
            recipient_address="zelda.quixotic@example.com",
            recipient_name="Zelda Quixotic",
            recipient_role="complainant",
            subject=f"Your complaint {complaint.reference}",
            body="Dear Ms Quixotic, we received your complaint.",
            complaint_id=complaint.id,
            status="sent",
        )
    )
    db.session.add(
        InboundMessage(
            message_id="<abc@zelda.quixotic.example.com>",
            mailbox="complaints",
            from_address="zelda.quixotic@example.com",
            from_name="Zelda Quixotic",
            subject="Re: my complaint",
            body_text="Thanks. Sent from Zelda's phone",
            status="filed",
            complaint_id=complaint.id,
            raw_stored_name="zelda-raw-mail",
        )
    )
    complaint.description += " extension because Zelda was overseas"
    advocate = Participant(
        kind="representative",
        given_name="Bartholomew",
        family_name="Quill",
        email="quill.advocacy@example.org",
    )
    db.session.add(
        Representative(
            complaint=complaint,
            participant=advocate,
            kind="advocate",
            letters="copied",
            authority="Signed authority from Zelda",
        )
    )
    invitation = SurveyInvitation(case_kind="complaint", complaint_id=complaint.id)
    db.session.add(invitation)
    db.session.flush()
    db.session.add(
        SurveyResponse(
            invitation_id=invitation.id,
            satisfaction=4,
            handled_in_time=True,
            fair=True,
            comment="The counter staff at Rocklea were lovely to Zelda",
        )
    )
    db.session.add(
        LateReviewRequest(
            complaint_id=complaint.id,
            grounds="Zelda missed the window because of surgery",
            status="refused",
            decision_reason="Quixotic asked too late",
        )
    )
    db.session.commit()
    recent = make.complaint(
        received_at=now - timedelta(days=4 * 365),
        registered_at=now - timedelta(days=4 * 365),
        finalised_at=now - timedelta(days=3 * 365 + 30),
        closed_at=now - timedelta(days=3 * 365),
        status="closed",
        outcome=outcome,
        classification="standard",
    )
    for rule in db.session.scalars(select(RetentionRule)):
        rule.authority = "QDAN 999 v1, disposal authorisation 4242 (test)"
    db.session.commit()
    return {"complaint": complaint, "recent": recent, "person": person, "folder": folder}


def counted(complaint):
    """What every complaint report says about the case's periods."""
    year = period_containing(FINANCIAL_YEAR, complaint.received_at.date())
    q = period_containing(QUARTER, complaint.finalised_at.date())
    improved = reports.improvements_made(db.session, year)
    return (
        reports.annual_publication(db.session, year).as_table().rows,
        reports.outcomes_and_reviews(db.session, q).as_table().rows,
        reports.complaint_trends(
            db.session, [period_containing(QUARTER, complaint.received_at.date())]
        ).as_table(),
        reports.complaint_timeliness(db.session, q, "division").as_table().rows,
        (improved.total, improved.by_division, improved.systemic_received),
    )


def test_disposal_removes_every_personal_detail_and_keeps_every_count(old_case, make, auth):
    complaint = old_case["complaint"]
    before = counted(complaint)
    assert len(left_in(everything_stored())) == len(PERSONAL) - 1  # the file is on disk
    make.user("admin", "administrator")
    auth.login("admin")
    page = auth.client.get("/admin/retention/").get_data(as_text=True)
    assert complaint.reference in page and old_case["recent"].reference not in page
    listed = auth.client.get("/admin/retention/export/csv/").get_data(as_text=True)
    assert complaint.reference in listed and old_case["recent"].reference not in listed
    assert auth.client.get("/admin/retention/export/xlsx/").data[:2] == b"PK"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "case_type": "complaint", "case_id": str(complaint.id)}
    # Not confirmed: nothing happens.
    refused = auth.client.post("/admin/retention/dispose/", data=form, follow_redirects=True)
    assert "type the reference" in refused.get_data(as_text=True)
    assert db.session.get(Complaint, complaint.id).disposed_at is None
    done = auth.client.post(
        "/admin/retention/dispose/",
        data={**form, "confirm": complaint.reference},
        follow_redirects=True,
    )
    assert "its personal content is removed" in done.get_data(as_text=True)
    db.session.expire_all()

    # Nothing personal anywhere in the database, the history included.
    assert left_in(everything_stored()) == []
    # Nor in the attachments folder.
    for path in old_case["folder"].iterdir():
        assert left_in(path.read_bytes().decode("utf-8", "replace")) == [], path
    assert not (old_case["folder"] / "zelda-stored-file").exists()
    # Nor in what the screens export.
    for url in (
        "/admin/complaint/export/csv/",
        "/admin/history/export/csv/",
        "/admin/complaint/export-deidentified/csv/",
        f"/admin/complaint/details/?id={complaint.id}",
    ):
        response = auth.client.get(url)
        assert response.status_code == 200, url
        assert left_in(response.get_data(as_text=True)) == [], url

    # Nor found by the grid's search, through its index.
    for word in PERSONAL:
        listed = auth.client.get(f"/admin/complaint/?search={word}").get_data(as_text=True)
        assert complaint.reference not in listed, word

    # Every report counts it as before.
    disposed = db.session.get(Complaint, complaint.id)
    assert counted(disposed) == before
    assert disposed.disposed_at is not None and disposed.complainant_id is None
    assert db.session.scalar(select(Attachment.id)) is None
    assert db.session.scalar(select(CaseNote.id)) is None
    # The disposal record says what, when, who and under which authority.
    record = db.session.scalars(select(DisposalRecord)).one()
    assert record.reference == complaint.reference and record.case_kind == "complaint"
    assert record.disposed_by.username == "admin"
    assert record.authority.startswith("QDAN 999")
    assert "1 document" in record.removed and "2 messages" in record.removed
    assert "1 note" in record.removed
    entries = db.session.scalars(
        select(HistoryEntry).filter_by(record_type="Complaint", record_id=complaint.id)
    ).all()
    assert entries[-1].action == "dispose" and "QDAN 999" in entries[-1].summary
    assert all(e.changes is None for e in entries)
    # The list no longer offers it; the disposal screen lists it.
    assert complaint.reference not in auth.client.get("/admin/retention/").get_data(as_text=True)
    assert complaint.reference in auth.client.get("/admin/disposal_record/").get_data(as_text=True)


def test_a_case_still_within_its_retention_period_is_not_disposed_of(old_case, make):
    recent = old_case["recent"]
    with pytest.raises(RuleViolation, match="is kept until"):
        disposal.dispose(db.session, recent, None, utcnow(), old_case["folder"])
    db.session.rollback()
    rule = db.session.execute(select(RetentionRule).filter_by(case_kind="complaint")).scalar_one()
    rule.authority = ""
    db.session.commit()
    with pytest.raises(RuleViolation, match="names no disposal authority"):
        disposal.dispose(db.session, old_case["complaint"], None, utcnow(), old_case["folder"])
    db.session.rollback()
    assert db.session.get(Complaint, old_case["complaint"].id).disposed_at is None


def test_only_an_administrator_disposes(old_case, make, auth):
    make.user("coord", "coordinator")
    auth.login("coord")
    assert auth.client.get("/admin/retention/").status_code == 403
    assert auth.client.post("/admin/retention/dispose/", data={}).status_code == 403
    assert auth.client.get("/admin/retention_rule/").status_code == 403


def test_an_administrator_changes_a_retention_period(old_case, make, auth):
    make.user("admin", "administrator")
    auth.login("admin")
    rule = db.session.execute(select(RetentionRule).filter_by(case_kind="complaint")).scalar_one()
    url = f"/admin/retention_rule/edit/?id={rule.id}"
    from tests.admin_forms import form_values

    form = form_values(auth.client.get(url).get_data(as_text=True))
    form["years"] = "0"
    assert "from 1 to 150" in auth.client.post(url, data=form).get_data(as_text=True)
    form["years"] = "10"
    assert auth.client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(RetentionRule, rule.id).years == 10
    # Ten years after closing: the old case (closed 8 years ago) is not yet due.
    assert old_case["complaint"].reference not in auth.client.get("/admin/retention/").get_data(
        as_text=True
    )


def test_the_history_refuses_update_delete_and_truncate_on_postgresql(old_case):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite has none")
    complaint = old_case["complaint"]
    disposal.dispose(db.session, complaint, None, utcnow(), old_case["folder"])
    db.session.commit()
    for statement in (
        "UPDATE history_entry SET summary = 'rewritten'",
        "UPDATE history_entry SET changes = NULL",
        "DELETE FROM history_entry",
        "TRUNCATE history_entry",
    ):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    # The disposal flag allows blanking only, never removing an entry.
    db.session.execute(text("SELECT set_config('portal.history_disposal', 'on', true)"))
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM history_entry"))
    db.session.rollback()
    assert db.session.scalar(select(sqlalchemy.func.count(HistoryEntry.id))) > 0


# --- the de-identified export -------------------------------------------------------------


def test_the_deidentified_export_holds_no_personal_field_and_keeps_to_the_user_s_scope(
    old_case, make, auth
):
    import csv
    import io

    complaint = old_case["complaint"]
    elsewhere = make.complaint(division=make.division("Elsewhere"), summary="Zelda elsewhere")
    make.user("coord", "coordinator", division=complaint.division)
    auth.login("coord")
    grid = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "/admin/complaint/export-deidentified/csv/" in grid
    response = auth.client.get("/admin/complaint/export-deidentified/csv/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert left_in(body) == []
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    # The coordinator's division only: the old case and the recent one, not elsewhere's.
    assert len(rows) == 2
    for reference in (complaint.reference, old_case["recent"].reference, elsewhere.reference):
        assert reference not in body
    old = next(row for row in rows if row["Revealed a systemic issue"] == "Yes")
    assert old["Days to finalise"] == "20" and old["Improvements"] == "1"
    assert old["Internal review requested"] == "Yes" and old["Outcome"]
    assert old["Division"] == complaint.division.name
    # No column could hold a name, a contact detail, an address or free text.
    for heading in rows[0]:
        assert not re.search(
            r"name|mail|phone|address|summary|description|reason|note|reference|cause",
            heading,
            re.I,
        ), heading
    # The grid's filters apply: received since a year before the recent one leaves the
    # old case out.
    since = (old_case["recent"].received_at - timedelta(days=365)).date().isoformat()
    filtered = auth.client.get(
        f"/admin/complaint/export-deidentified/csv/?flt0_received_on_or_after={since}"
    ).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(filtered.lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["Revealed a systemic issue"] == "No"
    xlsx = auth.client.get("/admin/complaint/export-deidentified/xlsx/")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert auth.client.get("/admin/complaint/export-deidentified/pdf/").status_code == 404


def test_who_may_not_export_the_grid_gets_no_deidentified_export(old_case, make, auth):
    manager = make.user("mgr", "complaint_manager")
    mine = make.complaint(manager=manager.participant)
    auth.login("mgr")
    assert auth.client.get(f"/admin/complaint/details/?id={mine.id}").status_code == 200
    assert auth.client.get("/admin/complaint/export-deidentified/csv/").status_code == 403


# --- a service-desk ticket ----------------------------------------------------------------


def test_a_ticket_past_retention_loses_its_contact_and_text_and_keeps_its_service_level(app, make):
    from models import Ticket
    from rules.periods import MONTH

    now = utcnow()
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    contact = Participant(
        kind="complainant",
        given_name="Zelda",
        family_name="Quixotic",
        email="zelda.quixotic@example.com",
        organisation=client,
    )
    reported = now - timedelta(days=8 * 365)
    ticket = Ticket(
        severity="2",
        summary="Bluefinch counter at Rocklea",
        description="Zelda Quixotic cannot sign in",
        client=client,
        contact=contact,
        reported_at=reported,
        first_response_at=reported + timedelta(minutes=30),
        resolved_at=reported + timedelta(hours=2),
        closed_at=reported + timedelta(days=1),
        status="closed",
    )
    db.session.add(ticket)
    db.session.commit()
    month = period_containing(MONTH, ticket.resolved_at.date())
    before = reports.service_levels(db.session, [month], now=now).rows
    rule = db.session.execute(select(RetentionRule).filter_by(case_kind="ticket")).scalar_one()
    rule.authority = "Core schedule, disposal authorisation 77 (test)"
    db.session.commit()
    assert [row.reference for row in disposal.past_retention(db.session, now)] == [
        ticket.reference
    ]
    disposal.dispose(db.session, ticket, None, now, attachment_folder(app))
    db.session.commit()
    db.session.expire_all()
    assert left_in(everything_stored()) == []
    assert reports.service_levels(db.session, [month], now=now).rows == before
    kept = db.session.get(Ticket, ticket.id)
    assert kept.contact_id is None and kept.client_id == client.id
    assert disposal.past_retention(db.session, now) == []


def test_nothing_personal_goes_back_on_a_disposed_case_through_any_door(old_case, make, auth):
    complaint = old_case["complaint"]
    disposal.dispose(db.session, complaint, None, utcnow(), old_case["folder"])
    db.session.commit()
    # A script or import.
    complaint.description = "Zelda Quixotic again"
    with pytest.raises(RuleViolation, match="was disposed of"):
        db.session.flush()
    db.session.rollback()
    improvements.record(
        db.session,
        complaint,
        None,
        description="Another change",
        made_by="Policy Unit",
        made_at=utcnow() - timedelta(days=1),
    )
    with pytest.raises(RuleViolation, match="was disposed of"):
        db.session.flush()
    db.session.rollback()
    # The edit form.
    from tests.admin_forms import form_values

    make.user("admin", "administrator")
    auth.login("admin")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    form["summary"] = "Zelda Quixotic"
    page = auth.client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "was disposed of" in page
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).summary == "(removed on disposal)"
    # Other fields still change: the case's facts are not personal content.
    assert left_in(everything_stored()) == []
