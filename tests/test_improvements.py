"""Systemic issues and improvements: recorded on the complaint's page, kept in its history,
counted as further action in the annual publication by the date each change was made, and
listed by period and division in the improvements report."""

import csv
import io
import json
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Category, Complaint, HistoryEntry, Improvement, InternalReview, Outcome, db
from rules.errors import RuleViolation
from rules.periods import financial_year, quarter
from services import improvements, reports
from tests.admin_forms import form_values

BRISBANE = ZoneInfo("Australia/Brisbane")


def brisbane(*args):
    return datetime(*args, tzinfo=BRISBANE)


def category(code):
    return db.session.execute(select(Category).filter_by(code=code)).scalar_one()


def categories(n=2):
    found = db.session.scalars(select(Category).order_by(Category.id).limit(n)).all()
    assert len(found) == n
    return found


def history_of(record_type, record_id):
    return db.session.scalars(
        select(HistoryEntry)
        .filter_by(record_type=record_type, record_id=record_id)
        .order_by(HistoryEntry.id)
    ).all()


def test_the_complaint_form_records_several_issues_a_systemic_issue_and_its_root_cause(
    app, make, auth
):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="Fees explained badly")
    first, second = categories(2)
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    page = auth.client.get(url).get_data(as_text=True)
    assert 'name="issues"' in page and 'name="systemic_issue"' in page
    form = form_values(page)
    assert "root_cause" in form
    form["issues"] = [str(first.id), str(second.id)]
    form["systemic_issue"] = "y"
    form["root_cause"] = "The fee schedule was never published in plain words."
    assert auth.client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, complaint.id)
    assert {c.id for c in saved.issues} == {first.id, second.id}
    assert saved.systemic_issue is True
    assert saved.root_cause.startswith("The fee schedule")
    changes = json.loads(history_of("Complaint", complaint.id)[-1].changes)
    assert sorted(changes["issues"][1]) == sorted([first.name, second.name])
    assert changes["systemic_issue"] == [False, True]
    page = auth.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert "Issues and improvements" in page and first.name in page
    assert "The fee schedule was never published" in page


def test_an_improvement_is_recorded_changed_and_removed_on_the_complaint_page(app, make, auth):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="Letters unsigned")
    auth.login("coord")
    page = auth.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert "Record an improvement" in page
    url = f"/admin/complaint/improvement/?id={complaint.id}"
    form = form_values(auth.client.get(url).get_data(as_text=True))
    # Nothing said: refused in words, nothing saved.
    html = auth.client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "say what was changed" in html
    assert db.session.scalar(select(Improvement.id)) is None
    form.update(
        description="Letters now carry the officer's name and position.",
        made_by="Customer Service Branch",
        made_at="10/03/2026 09:00",
    )
    assert auth.client.post(url, data=form).status_code == 302
    db.session.expire_all()
    made = db.session.scalars(select(Improvement)).one()
    assert made.complaint_id == complaint.id
    assert made.made_at == datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc)
    assert made.recorded_by.username == "coord"
    created = history_of("Improvement", made.id)
    assert [e.action for e in created] == ["create"]
    # A date ahead of now is refused.
    change_url = f"/admin/complaint/improvement/?id={complaint.id}&improvement={made.id}"
    form = form_values(auth.client.get(change_url).get_data(as_text=True))
    assert form["made_by"] == "Customer Service Branch"
    form["made_at"] = "01/01/2099 09:00"
    html = auth.client.post(change_url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "in the future" in html
    form["made_by"] = "Records Unit"
    form["made_at"] = "11/03/2026 09:00"
    assert auth.client.post(change_url, data=form).status_code == 302
    entries = history_of("Improvement", made.id)
    made_by = json.loads(entries[-1].changes)["made_by"]
    assert made_by == ["Customer Service Branch", "Records Unit"]
    # The complaint's page shows the improvement and its history.
    page = auth.client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert "Records Unit" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    removed = auth.client.post(
        f"/admin/complaint/improvement/remove/?id={complaint.id}&improvement={made.id}",
        data={"csrf_token": token},
    )
    assert removed.status_code == 302
    assert db.session.scalar(select(Improvement.id)) is None
    assert history_of("Improvement", made.id)[-1].action == "delete"


def test_an_officer_who_may_only_read_the_complaint_records_no_improvement(app, make, auth):
    reviewer = make.user("rev", "internal_reviewer")
    complaint = make.complaint()
    db.session.add(
        InternalReview(
            complaint=complaint,
            requested_at=brisbane(2026, 3, 10, 9),
            reviewer=reviewer.participant,
        )
    )
    db.session.commit()
    auth.login("rev")
    page = auth.client.get(f"/admin/complaint/details/?id={complaint.id}")
    assert page.status_code == 200
    assert "Record an improvement" not in page.get_data(as_text=True)
    assert auth.client.get(f"/admin/complaint/improvement/?id={complaint.id}").status_code == 403


def test_the_service_refuses_an_improvement_without_who_made_it(app, make):
    complaint = make.complaint()
    improvements.record(
        db.session,
        complaint,
        None,
        description="Signage fixed",
        made_by=" ",
        made_at=brisbane(2026, 3, 10, 9),
    )
    with pytest.raises(RuleViolation, match="who made the change"):
        db.session.flush()
    db.session.rollback()


# --- the annual publication ---------------------------------------------------------------


@pytest.fixture
def improved_year(app, make):
    """Financial year 2025-26, computed by hand:

    - "early": received 1 Aug 2025, finalised, improvement made 1 Oct 2025: further action.
    - "later": received 15 Jan 2026, finalised, improvement made 15 Sep 2026 (after year end).
    - "plain": received 1 Mar 2026, finalised with no further action.
    - "open": received 1 Jun 2026, still open.
    - "next_year": received 2 Jul 2026 with an improvement: another year.
    """
    outcome = db.session.execute(select(Outcome).filter_by(code="upheld")).scalar_one()

    def finalised(received, done):
        return make.complaint(
            received_at=received,
            registered_at=received,
            acknowledged_at=received,
            finalised_at=done,
            status="finalised",
            outcome=outcome,
            classification="standard",
            commit=False,
        )

    made = {
        "early": finalised(brisbane(2025, 8, 1, 9), brisbane(2025, 9, 1, 9)),
        "later": finalised(brisbane(2026, 1, 15, 9), brisbane(2026, 2, 1, 9)),
        "plain": finalised(brisbane(2026, 3, 1, 9), brisbane(2026, 3, 20, 9)),
        "open": make.complaint(received_at=brisbane(2026, 6, 1, 9), commit=False),
        "next_year": make.complaint(received_at=brisbane(2026, 7, 2, 9), commit=False),
    }
    db.session.flush()
    for key, when in (
        ("early", brisbane(2025, 10, 1, 9)),
        ("later", brisbane(2026, 9, 15, 9)),
        ("next_year", brisbane(2026, 8, 1, 9)),
    ):
        improvements.record(
            db.session,
            made[key],
            None,
            description=f"Change after {key}",
            made_by="Policy Unit",
            made_at=when,
        )
    db.session.commit()
    return made


def test_an_improvement_is_further_action_by_the_date_it_was_made(improved_year):
    year = financial_year(2025)
    # Published at year end: only the early change had been made.
    at_year_end = reports.annual_publication(db.session, year, as_at=brisbane(2026, 7, 1, 0, 0))
    assert (at_year_end.received, at_year_end.further_action) == (4, 1)
    assert (at_year_end.no_further_action, at_year_end.still_open) == (2, 1)
    assert at_year_end.change_made == 1
    # A cut-off at the instant of the later change is before it; a minute after, it counts
    # in the year the complaint was received (never in 2026-27).
    before = reports.annual_publication(db.session, year, as_at=brisbane(2026, 9, 15, 9, 0))
    after = reports.annual_publication(db.session, year, as_at=brisbane(2026, 9, 15, 9, 1))
    assert (before.further_action, before.no_further_action) == (1, 2)
    assert (after.further_action, after.no_further_action, after.change_made) == (2, 1, 2)
    next_year = reports.annual_publication(db.session, financial_year(2026))
    assert (next_year.received, next_year.further_action) == (1, 1)


# --- the improvements report ----------------------------------------------------------------


def test_the_improvements_report_lists_changes_by_the_period_they_were_made(improved_year, make):
    q = quarter(2026, 3)  # July to September 2026
    found = reports.improvements_made(db.session, q)
    assert [line.reference for line in found.lines] == [
        improved_year["next_year"].reference,
        improved_year["later"].reference,
    ]
    assert found.total == 2 and found.complaints == 2
    assert [(c.label, c.count) for c in found.by_division] == [
        (improved_year["later"].division.name, 2)
    ]
    table = found.as_table()
    assert table.headers[:3] == ("Division", "Complaint", "Made on")
    assert table.rows[1][2] == "15/09/2026"
    # Scoped: a where-clause on the complaint keeps others out.
    other = make.division("Elsewhere")
    scoped = reports.improvements_made(db.session, q, scope=Complaint.division_id == other.id)
    assert scoped.total == 0


def test_the_improvements_report_page_draws_and_downloads_the_same_rows(improved_year, make, auth):
    make.user("admin", "administrator")
    auth.login("admin")
    page = auth.client.get("/admin/reports/improvements/?kind=quarter&period=2026-Q3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert improved_year["later"].reference in html
    assert 'data-figure="improvements">2<' in html
    assert f"/admin/complaint/details/?id={improved_year['later'].id}" in html
    exported = auth.client.get(
        "/admin/reports/improvements/export/csv/?kind=quarter&period=2026-Q3"
    )
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Division", "Complaint", "Made on"]
    assert {row[1] for row in rows[1:]} == {
        improved_year["later"].reference,
        improved_year["next_year"].reference,
    }
    xlsx = auth.client.get("/admin/reports/improvements/export/xlsx/?kind=quarter&period=2026-Q3")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_api_shows_the_issues_and_improvements_of_a_complaint(app, make, client):
    from tests.test_api import token_for

    admin = make.user("apiadmin", "administrator")
    complaint = make.complaint(summary="Fee notice unclear")
    first, second = categories(2)
    complaint.issues = [first, second]
    complaint.systemic_issue = True
    complaint.root_cause = "Two fee tables"
    improvements.record(
        db.session,
        complaint,
        None,
        description="One fee table",
        made_by="Policy Unit",
        made_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
    )
    db.session.commit()
    headers = token_for(admin)
    shown = client.get(f"/api/v1/complaints/{complaint.reference}", headers=headers).get_json()
    assert sorted(shown["issues"]) == sorted([first.code, second.code])
    assert shown["systemic_issue"] is True and shown["root_cause"] == "Two fee tables"
    assert shown["improvements"][0]["made_by"] == "Policy Unit"
    assert shown["improvements"][0]["made_at"].startswith("2026-03-10T09:00")
    assert shown["disposed_at"] is None
    listed = client.get("/api/v1/complaints", headers=headers).get_json()
    assert listed["items"][0]["improvements"][0]["description"] == "One fee table"


def test_a_complaint_manager_sees_the_divisions_improvements_but_names_only_their_own_cases(
    improved_year, make, auth
):
    """Reports reach a complaint manager's division; a complaint they may not open is
    counted and described, never named or linked, on the page or in the download."""
    manager = make.user("manager", "complaint_manager")
    mine = make.complaint(received_at=brisbane(2026, 7, 6, 9), manager=manager.participant)
    improvements.record(
        db.session,
        mine,
        None,
        description="Change after mine",
        made_by="Contact Centre",
        made_at=brisbane(2026, 8, 3, 9),
    )
    db.session.commit()
    theirs = improved_year["next_year"]
    auth.login("manager")
    period = "?kind=quarter&period=2026-Q3"
    html = auth.client.get(f"/admin/reports/improvements/{period}").get_data(as_text=True)
    assert 'data-figure="improvements">3<' in html
    assert mine.reference in html and f"/admin/complaint/details/?id={mine.id}" in html
    assert theirs.reference not in html and f"/admin/complaint/details/?id={theirs.id}" not in html
    assert "Change after next_year" in html and "(not one of your cases)" in html
    exported = auth.client.get(f"/admin/reports/improvements/export/csv/{period}")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    unnamed = "(not one of your cases)"
    assert sorted(row[1] for row in rows[1:]) == sorted([mine.reference, unnamed, unnamed])
