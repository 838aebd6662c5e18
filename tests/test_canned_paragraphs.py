"""Canned paragraphs: administrators write, edit and switch them off on their screen; the
reply form offers the active ones of the case's kind; the demo brings a sensible set."""

import pytest
from sqlalchemy import func, select

from models import CannedParagraph, db
from tests.admin_forms import form_values
from tests.test_workflow_screens import client_for, text

ONCE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def people(make):
    make.user("boss", "administrator")
    make.user("coord", "coordinator")


def paragraph(title) -> CannedParagraph | None:
    db.session.expire_all()
    return db.session.scalar(select(CannedParagraph).filter_by(title=title))


@ONCE
def test_an_administrator_writes_edits_and_switches_off_a_paragraph(app, people):
    admin = client_for(app, "boss")
    page = admin.get("/admin/canned/new/")
    assert page.status_code == 200
    values = form_values(page.get_data(as_text=True))
    values.update(
        title="  Apology   for the delay ",
        case_kind="complaint",
        body="We apologise for the delay in responding to you.",
        active="y",
    )
    response = admin.post("/admin/canned/new/", data=values, follow_redirects=True)
    assert response.status_code == 200
    # A screen that says nothing of its own about a new record keeps the generic message.
    assert "Record was successfully created." in response.get_data(as_text=True)
    row = paragraph("Apology for the delay")
    assert row is not None and row.case_kind == "complaint" and row.active
    edit = admin.get(f"/admin/canned/edit/?id={row.id}")
    values = form_values(edit.get_data(as_text=True))
    values.update(case_kind="")
    values.pop("active", None)  # unticked: switched off
    response = admin.post(f"/admin/canned/edit/?id={row.id}", data=values, follow_redirects=True)
    assert response.status_code == 200
    row = paragraph("Apology for the delay")
    assert row.case_kind is None and row.active is False
    listing = text(admin.get("/admin/canned/"))
    assert "Apology for the delay" in listing and "Any case" in listing
    # Switched off, never deleted.
    assert admin.post("/admin/canned/delete/", data={"id": str(row.id)}).status_code in (403, 405)
    assert paragraph("Apology for the delay") is not None


@ONCE
def test_a_paragraph_without_its_text_is_refused_in_words(app, people):
    admin = client_for(app, "boss")
    values = form_values(admin.get("/admin/canned/new/").get_data(as_text=True))
    values.update(title="Empty", body="")
    response = admin.post("/admin/canned/new/", data=values, follow_redirects=True)
    assert "This field is required." in text(response)
    assert paragraph("Empty") is None


@ONCE
def test_only_administrators_reach_the_paragraphs(app, people):
    coordinator = client_for(app, "coord")
    assert coordinator.get("/admin/canned/").status_code == 403
    assert coordinator.get("/admin/canned/new/").status_code == 403
    assert app.test_client().get("/admin/canned/").status_code == 302


@ONCE
def test_the_demo_paragraphs_load_once_and_leave_nothing_to_fill_in(make):
    from seed.demo.paragraphs import CANNED_PARAGRAPHS, load_canned_paragraphs

    assert load_canned_paragraphs(db.session) == len(CANNED_PARAGRAPHS)
    assert load_canned_paragraphs(db.session) == 0
    rows = db.session.scalars(select(CannedParagraph)).all()
    assert db.session.scalar(select(func.count(CannedParagraph.id))) == len(CANNED_PARAGRAPHS)
    assert {row.case_kind for row in rows} == {None, "complaint", "ticket", "internal_review"}
    for row in rows:
        assert "{" not in row.body and "[" not in row.body and "<" not in row.body
