"""Grid exports: CSV and XLSX of exactly the rows a grid shows, as it shows them.

Cells a spreadsheet would run are neutralised, no HTML reaches a cell, a confidential
complainant stays masked for whoever the grid masks them for, the user's scope, filters
and search narrow the rows, and a large export streams in batches.
"""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from models import Channel, Complaint, Participant, Ticket, db, utcnow
from rules import permissions
from rules.confidentiality import MASK
from tests import scoped_world
from tests.scoped_world import account
from views.admin.base import ScopedModelView

FORMATS = ("csv", "xlsx")
DANGEROUS = ["=1+1", "+61 7 3000 0000", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"]
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 19:00 in Brisbane


def table(response, export_format):
    """The export's rows, headings first, every cell as text ("" when empty)."""
    assert response.status_code == 200, response.status_code
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'.{export_format}"')
    if export_format == "csv":
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [[from_xlsx(cell.value) for cell in row] for row in sheet.rows]


def from_xlsx(value):
    if value is None:
        return ""
    # XLSX escapes a carriage return as _x000D_; Excel reads it back, openpyxl does not.
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def records(rows):
    """The rows as dicts keyed by heading."""
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def export(client, screen, export_format, query=""):
    return records(
        table(client.get(f"/admin/{screen}/export/{export_format}/{query}"), export_format)
    )


def bulk_complaints(division, count, start=1, **values):
    """Many complaints at once (Core insert: no flush hooks), each with its own complainant."""
    people = db.session.execute(
        Participant.__table__.insert().returning(Participant.id),
        [
            {"kind": "complainant", "given_name": "Sam", "family_name": f"Bulk{n}"}
            for n in range(start, start + count)
        ],
    ).scalars()
    db.session.execute(
        Complaint.__table__.insert(),
        [
            {
                "reference": f"CM-BULK-{n:05d}",
                "kind": "complaint",
                "status": "received",
                "summary": f"Bulk complaint {n}",
                "division_id": division.id,
                "complainant_id": person,
                "channel_id": values.get("channel_id"),
                "received_at": RECEIVED + timedelta(minutes=n),
            }
            for n, person in zip(range(start, start + count), people, strict=True)
        ],
    )
    db.session.commit()


@pytest.fixture
def office(app, make):
    """Two divisions, a coordinator of the first, an administrator, and officers without
    the export grant (accounts with a cheap password hash: signing in costs nothing)."""
    home, other = make.home_division(), make.division("Licensing")
    for username, capacity in (
        ("coord", "coordinator"),
        ("boss", "administrator"),
        ("manager", "complaint_manager"),
        ("agent", "support_agent"),
    ):
        account(username, [capacity], make.staff(username.title(), division=home))
    db.session.commit()
    return {"home": home.id, "other": other.id}


def test_the_complaints_grid_exports_its_columns_in_local_time(app, make, auth, client, office):
    complaint = make.complaint(
        summary="Counter staff were rude",
        received_at=RECEIVED,
        complainant=make.complainant("Nguyen"),
    )
    auth.login("coord")
    for export_format in FORMATS:
        [row] = export(client, "complaint", export_format)
        assert row["Reference"] == complaint.reference
        assert row["Complainant"] == "Sam Nguyen"
        assert row["Summary"] == "Counter staff were rude"
        assert row["Status"] == "Received"
        assert row["Division"] == "Home division"
    # Brisbane, ten hours ahead of UTC: text in CSV, a typed date and time in XLSX.
    assert export(client, "complaint", "csv")[0]["Received"] == "02/03/2026 19:00"
    assert export(client, "complaint", "xlsx")[0]["Received"] == datetime(2026, 3, 2, 19, 0)


def test_the_tickets_grid_exports_its_rows(app, make, auth, client, office):
    client_organisation = Participant(kind="client", organisation_name="Acme Pty Ltd")
    ticket = Ticket(
        severity="2",
        summary="Reports page times out",
        client=client_organisation,
        reported_at=RECEIVED,
    )
    db.session.add(ticket)
    db.session.commit()
    auth.login("agent")
    for export_format in FORMATS:
        [row] = export(client, "ticket", export_format)
        assert row["Reference"] == ticket.reference
        assert row["Client"] == "Acme Pty Ltd"
        assert row["Summary"] == "Reports page times out"
    # The service desk's own time, Melbourne (daylight saving in March: UTC+11).
    assert export(client, "ticket", "csv")[0]["Reported"] == "02/03/2026 20:00"
    assert export(client, "ticket", "xlsx")[0]["Reported"] == datetime(2026, 3, 2, 20, 0)


def test_the_participants_grid_masks_a_hidden_confidential_complainant(
    app, make, auth, client, office
):
    make.complaint(confidential=True, complainant=make.complainant("Papadopoulos"))
    make.complaint(complainant=make.complainant("Okafor"))
    auth.login("boss")
    for export_format in FORMATS:
        rows = export(client, "participant", export_format)
        families = [row["Family Name"] for row in rows]
        assert "Okafor" in families and MASK in families
        assert "Papadopoulos" not in str(rows)
        masked = next(row for row in rows if row["Family Name"] == MASK)
        assert masked["Email"] == "" and masked["Phone"] == ""


def test_every_cell_a_spreadsheet_would_run_is_neutralised(app, make, auth, client, office):
    for number, dangerous in enumerate(DANGEROUS):
        person = make.complainant(f"Smith{number}")
        person.given_name = dangerous
        make.complaint(summary=dangerous, complainant=person)
    auth.login("boss")
    for export_format in FORMATS:
        complaints = {row["Summary"]: row for row in export(client, "complaint", export_format)}
        people = {row["Given Name"]: row for row in export(client, "participant", export_format)}
        for number, dangerous in enumerate(DANGEROUS):
            row = complaints["'" + dangerous]
            assert row["Complainant"] == f"'{dangerous} Smith{number}"
            assert people["'" + dangerous]["Family Name"] == f"Smith{number}"


def test_no_html_reaches_a_cell(app, make, auth, client, office):
    complaint = make.complaint()
    complaint.next_due_at = utcnow() - timedelta(days=1)  # the grid marks it Overdue
    db.session.commit()
    auth.login("coord")
    grid = client.get("/admin/complaint/").get_data(as_text=True)
    assert '<span class="badge badge-danger">Overdue</span>' in grid
    for export_format in FORMATS:
        [row] = export(client, "complaint", export_format)
        assert not any("<" in str(value) or "badge" in str(value) for value in row.values())
        assert row["Next due"]


def test_a_confidential_complainant_is_masked_unless_the_user_may_see_them(
    app, make, auth, client, office
):
    make.complaint(confidential=True, complainant=make.complainant("Papadopoulos"))
    # An administrator is not among those who may see them (docs/domain.md, "Confidentiality").
    auth.login("boss")
    for export_format in FORMATS:
        [row] = export(client, "complaint", export_format)
        assert row["Complainant"] == MASK
    auth.logout()
    # The coordinator of the complaint's division may.
    auth.login("coord")
    for export_format in FORMATS:
        [row] = export(client, "complaint", export_format)
        assert row["Complainant"] == "Sam Papadopoulos"


def test_a_coordinator_never_gets_another_divisions_complaints(app, make, auth, client, office):
    ours = make.complaint()
    theirs = make.complaint(division=db.session.get(type(ours.division), office["other"]))
    # Asking for the other division by its filter finds nothing, not their rows.
    other_division = f"?flt0_division_is={office['other']}"
    auth.login("coord")
    for export_format in FORMATS:
        references = [row["Reference"] for row in export(client, "complaint", export_format)]
        assert references == [ours.reference]
        assert export(client, "complaint", export_format, other_division) == []
    auth.logout()
    auth.login("boss")
    for export_format in FORMATS:
        references = {row["Reference"] for row in export(client, "complaint", export_format)}
        assert references == {ours.reference, theirs.reference}


def test_the_export_follows_the_grids_filters_search_and_sort(app, make, auth, client, office):
    received = make.complaint(summary="Parking fine dispute", received_at=RECEIVED)
    make.complaint(summary="Library noise", received_at=RECEIVED + timedelta(days=1))
    closed = make.complaint(summary="Parking meter broken", received_at=RECEIVED)
    closed.status = "closed"
    db.session.commit()
    auth.login("coord")
    for export_format in FORMATS:

        def references(query, export_format=export_format):
            return [row["Reference"] for row in export(client, "complaint", export_format, query)]

        found = export(client, "complaint", export_format, "?search=parking")
        assert {row["Summary"] for row in found} == {
            "Parking fine dispute",
            "Parking meter broken",
        }
        assert references("?search=parking&flt0_status_is=received") == [received.reference]
        # Sorted by the grid's first column (reference), one way then the other.
        ascending, descending = references("?sort=0"), references("?sort=0&desc=1")
        assert ascending == sorted(ascending) and len(ascending) == 3
        assert descending == ascending[::-1]


@pytest.mark.parametrize(
    ("username", "screen"),
    [("manager", "complaint"), ("coord", "participant"), ("agent", "participant")],
)
def test_a_user_without_the_export_grant_gets_403_and_no_file(
    app, make, auth, client, office, username, screen
):
    make.complaint()
    auth.login(username)
    for export_format in FORMATS:
        response = client.get(f"/admin/{screen}/export/{export_format}/")
        assert response.status_code == 403
        assert "Content-Disposition" not in response.headers
    # Nor does the grid offer the button.
    grid = client.get(f"/admin/{screen}/").get_data(as_text=True)
    assert "/export/" not in grid


def test_the_grid_offers_both_formats_to_those_who_may_export(app, make, auth, client, office):
    auth.login("coord")
    grid = client.get("/admin/complaint/?search=rude").get_data(as_text=True)
    assert "/admin/complaint/export/csv/?search=rude" in grid
    assert "/admin/complaint/export/xlsx/?search=rude" in grid


def test_booleans_read_yes_and_no(app, auth, client, office):
    db.session.execute(db.update(Channel).where(Channel.code == "email").values(active=False))
    db.session.commit()
    auth.login("boss")
    for export_format in FORMATS:
        rows = export(client, "channel", export_format)
        assert {row["Offered in forms"] for row in rows} == {"Yes", "No"}


def test_a_large_csv_export_streams_in_batches_and_is_complete(
    app, make, auth, client, office, monkeypatch
):
    bulk_complaints(make.home_division(), 3000)
    consumed = []
    export_rows = ScopedModelView.export_rows

    def counted(self, query, export_format):
        for row in export_rows(self, query, export_format):
            consumed.append(row)
            yield row

    monkeypatch.setattr(ScopedModelView, "export_rows", counted)
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    auth.login("coord")
    try:
        response = client.get("/admin/complaint/export/csv/")
        chunks = response.iter_encoded()
        first = next(chunks)
        assert first.startswith("\ufeffReference".encode())
        assert 0 < len(consumed) < 3000  # the first rows left before the rest were read
        rest = b"".join(chunks)
        response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    rows = list(csv.reader(io.StringIO((first + rest).decode("utf-8-sig"))))
    assert len(rows) == 3001
    assert {row[0] for row in rows[1:]} == {f"CM-BULK-{n:05d}" for n in range(1, 3001)}
    # Complainants, divisions, categories and channels come with the rows: no query per row.
    assert len(statements) < 20, statements


def test_a_large_xlsx_export_is_complete(app, make, auth, client, office):
    bulk_complaints(make.home_division(), 3000)
    auth.login("coord")
    rows = table(client.get("/admin/complaint/export/xlsx/"), "xlsx")
    assert len(rows) == 3001
    complainant = rows[0].index("Complainant")
    assert {row[complainant] for row in rows[1:]} == {f"Sam Bulk{n}" for n in range(1, 3001)}


def test_the_export_reads_its_rows_in_batches(app, make, auth, client, office):
    bulk_complaints(make.home_division(), 30)
    auth.login("coord")
    with app.test_request_context("/admin/complaint/export/csv/"):
        view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "complaint")
        query = view.export_query()
    # yield_per: a server-side cursor on PostgreSQL, fetchmany on SQLite.
    assert query.load_options._yield_per == view.export_batch_size == 1000


def test_every_exportable_screen_gives_the_same_rows_in_csv_and_xlsx(app, make, auth, client):
    from tests.test_permissions_walk import walk_disposal

    scoped_world.build()
    walk_disposal()
    auth.login("administrator")
    admin = app.extensions["admin"][0]
    screens = [view for view in admin._views if isinstance(view, ScopedModelView)]
    exported = 0
    for view in screens:
        if "export" not in view.offers or not permissions.allowed(
            {"administrator"}, view.screen, "export"
        ):
            continue
        url = f"/admin/{view.endpoint}/export/"
        as_csv = table(client.get(f"{url}csv/"), "csv")
        as_xlsx = table(client.get(f"{url}xlsx/"), "xlsx")
        assert as_xlsx[0] == as_csv[0], view.endpoint
        assert len(as_xlsx) == len(as_csv) > 1, view.endpoint
        exported += 1
    assert exported >= 15
