"""The "How it went" satisfaction report: figures worked out by hand on a small register of
surveys, the service function other reports call, and the report page with its chart,
CSV and XLSX and who may read it."""

import pytest
from sqlalchemy import select

from models import Division, SurveyInvitation, SurveyResponse, Ticket, db
from rules import periods
from rules.confidentiality import MASK
from services.reports import satisfaction
from services.reports.satisfaction import satisfaction_of, satisfaction_report
from tests.test_report_pages import assert_files_match_page, downloads, opened, row_of, table
from tests.test_reports import brisbane, client_organisation, complaint, ticket

SATISFACTION = "/admin/reports/satisfaction/"
Q2 = periods.parse("2026-Q2")
SEVERITY_2 = "Severity 2: a function or some users affected"


def survey(case, sent_at, score=None, in_time=True, fair=True):
    db.session.flush()
    invitation = SurveyInvitation(
        case_kind="ticket" if hasattr(case, "severity") else "complaint",
        complaint_id=None if hasattr(case, "severity") else case.id,
        ticket_id=case.id if hasattr(case, "severity") else None,
        created_at=sent_at,
        sent_at=sent_at,
    )
    db.session.add(invitation)
    db.session.flush()
    if score is not None:
        db.session.add(
            SurveyResponse(
                invitation_id=invitation.id,
                satisfaction=score,
                handled_in_time=in_time,
                fair=fair,
                comment="A comment never shown in a report",
                answered_at=sent_at,
            )
        )
    return invitation


@pytest.fixture
def surveyed(make):
    """Surveys sent in the June quarter 2026 (and two that do not count in it).

    North division: 3 complaints surveyed, answered 5 and 2 (one unanswered).
    South division: 1 complaint surveyed, answered 4 (not in time, not fair).
    Acme: 2 severity-2 tickets surveyed, one answered 3; 1 severity-1 ticket, unanswered.
    Not counted in the quarter: a North complaint surveyed in March (answered 1), and one
    whose email has not gone yet.
    """
    north = make.division("North")
    south = make.division("South")
    acme = client_organisation(make)
    april = brisbane(2026, 4, 10, 9, 0)
    received = brisbane(2026, 3, 2, 9, 0)

    def case(division, category="fees", classification="standard"):
        return complaint(
            make, division, received, category=category, classification=classification
        )

    north_cases = [
        case(north),
        case(north, "staff_conduct"),
        case(north, classification="complex"),
    ]
    survey(north_cases[0], april, 5)
    survey(north_cases[1], april, 2, in_time=False)
    survey(north_cases[2], april)
    south_case = case(south)
    survey(south_case, brisbane(2026, 6, 30, 23, 0), 4, in_time=False, fair=False)
    march = case(north)
    survey(march, brisbane(2026, 3, 31, 23, 0), 1)
    unsent = case(north)
    db.session.flush()
    db.session.add(
        SurveyInvitation(case_kind="complaint", complaint_id=unsent.id, created_at=april)
    )
    tickets = [ticket(acme, "2", april), ticket(acme, "2", april), ticket(acme, "1", april)]
    survey(tickets[0], april, 3)
    survey(tickets[1], april)
    survey(tickets[2], april)
    db.session.commit()
    return {
        "north": [c.id for c in north_cases],
        "march": march.id,
        "tickets": [t.id for t in tickets],
        "acme": acme,
    }


def figures(row):
    return (row.sent, row.answered, row.response_rate, row.mean)


def test_satisfaction_by_kind_of_case_worked_out_by_hand(surveyed):
    report = satisfaction_report(db.session, Q2, "kind")
    complaints = report.row("Complaints")
    assert figures(complaints) == (4, 3, pytest.approx(75.0), pytest.approx(11 / 3))
    assert complaints.scores == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert complaints.in_time == 1 and complaints.fair == 2
    tickets = report.row("Service-desk tickets")
    assert figures(tickets) == (3, 1, pytest.approx(100 / 3), 3.0)
    assert figures(report.total) == (7, 4, pytest.approx(400 / 7), 3.5)
    assert report.total.satisfied_percent == 50.0
    assert report.total.in_time_percent == 50.0 and report.total.fair_percent == 75.0


def test_satisfaction_by_division_puts_the_tickets_in_a_row_of_their_own(surveyed):
    report = satisfaction_report(db.session, Q2, "division")
    assert [r.label for r in report.rows] == ["North", "South", "Service-desk tickets"]
    assert figures(report.row("North")) == (3, 2, pytest.approx(200 / 3), 3.5)
    assert figures(report.row("South")) == (1, 1, 100.0, 4.0)
    assert figures(report.total) == (7, 4, pytest.approx(400 / 7), 3.5)


def test_satisfaction_by_category_classification_severity_and_client(surveyed):
    by_category = satisfaction_report(db.session, Q2, "category")
    assert figures(by_category.row("Fees and charges")) == (3, 2, pytest.approx(200 / 3), 4.5)
    assert figures(by_category.row("Staff conduct or behaviour")) == (1, 1, 100.0, 2.0)
    by_class = satisfaction_report(db.session, Q2, "classification")
    assert [r.label for r in by_class.rows] == [
        "Formal, standard",
        "Formal, complex",
        "Service-desk tickets",
    ]
    assert figures(by_class.row("Formal, complex")) == (1, 0, 0.0, None)
    by_severity = satisfaction_report(db.session, Q2, "severity")
    assert [r.label for r in by_severity.rows][-1] == "Complaints"
    assert figures(by_severity.row(SEVERITY_2)) == (2, 1, 50.0, 3.0)
    assert figures(by_severity.row("Severity 1: major outage, service unusable")) == (
        1,
        0,
        0.0,
        None,
    )
    by_client = satisfaction_report(db.session, Q2, "client")
    assert figures(by_client.row("Acme Training")) == (3, 1, pytest.approx(100 / 3), 3.0)
    # Every grouping adds up to the same total.
    for report in (by_category, by_class, by_severity, by_client):
        assert figures(report.total) == (7, 4, pytest.approx(400 / 7), 3.5)


def test_a_hidden_client_is_masked_and_no_comment_is_in_the_table(surveyed):
    report = satisfaction_report(db.session, Q2, "client", hidden_people={surveyed["acme"].id})
    assert [r.label for r in report.rows] == [MASK, "Complaints"]
    flat = [str(cell) for row in report.as_table().rows for cell in row]
    assert "Acme Training" not in flat
    assert not any("comment" in cell.lower() for cell in flat)


def test_a_reader_without_the_tickets_sees_the_complaints_only(surveyed):
    report = satisfaction_report(db.session, Q2, "kind", tickets=False)
    assert [r.label for r in report.rows] == ["Complaints"]
    assert report.total.sent == 4


def test_an_unknown_grouping_is_refused(make):
    with pytest.raises(ValueError, match="cannot be grouped by 'officer'"):
        satisfaction_report(db.session, Q2, "officer")


def test_satisfaction_of_some_cases_for_other_reports(surveyed):
    two_tickets = surveyed["tickets"][:2]
    assert satisfaction_of(db.session, ticket_ids=two_tickets) == {
        "sent": 2,
        "answered": 1,
        "mean": 3.0,
    }
    assert satisfaction_of(db.session, complaint_ids=surveyed["north"]) == {
        "sent": 3,
        "answered": 2,
        "mean": 3.5,
    }
    assert satisfaction_of(db.session, complaint_ids=[surveyed["march"]], ticket_ids=[]) == {
        "sent": 1,
        "answered": 1,
        "mean": 1.0,
    }
    # Every case: the quarter's seven and March's one; the unsent invitation is not counted.
    assert satisfaction_of(db.session) == {"sent": 8, "answered": 5, "mean": 3.0}
    assert satisfaction_of(db.session, ticket_ids=[]) == {"sent": 0, "answered": 0, "mean": None}
    # A client's tickets, as a select of their ids.
    acme_tickets = select(Ticket.id).where(Ticket.client_id == surveyed["acme"].id)
    assert satisfaction_of(db.session, ticket_ids=acme_tickets) == {
        "sent": 3,
        "answered": 1,
        "mean": 3.0,
    }
    assert satisfaction.DIMENSIONS["client"] == "Client organisation"


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def boss(make, auth):
    make.user("boss", "administrator")
    auth.login("boss")


def test_the_page_shows_the_figures_in_its_table_chart_and_downloads(surveyed, boss, client):
    url = SATISFACTION + "?kind=quarter&period=2026-Q2&by=division"
    page, as_csv, as_xlsx = downloads(client, url)
    rows = table(page)
    assert row_of(rows, "North")[1:5] == ["3", "2", "66.7", "3.5"]
    assert row_of(rows, "South")[1:5] == ["1", "1", "100.0", "4.0"]
    assert row_of(rows, "All")[1:5] == ["7", "4", "57.1", "3.5"]
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert as_csv[0][:5] == [
        "Division",
        "Surveys sent",
        "Answered",
        "Response rate %",
        "Mean satisfaction (1–5)",
    ]
    assert 'class="report-chart"' in page and "Response rate" in page
    assert "A comment never shown in a report" not in page


def test_the_page_is_in_the_reports_menu(surveyed, boss, client):
    assert 'href="/admin/reports/satisfaction/"' in opened(client, "/admin/")


def test_a_manager_sees_their_division_and_no_tickets(surveyed, make, auth, client):
    north_division = db.session.scalar(db.select(Division).filter_by(name="North"))
    make.user("manager", "complaint_manager", division=north_division)
    auth.login("manager")
    rows = table(opened(client, SATISFACTION + "?period=2026-Q2&by=kind"))
    assert [row[:3] for row in rows] == [["Complaints", "3", "2"], ["All", "3", "2"]]


def test_readers_without_the_report_are_refused(make, auth, client):
    make.user("reviewer", "internal_reviewer", level="AO8")
    auth.login("reviewer")
    assert client.get(SATISFACTION).status_code == 403
    assert client.get(SATISFACTION + "export/csv/").status_code == 403


def test_a_bad_grouping_gets_a_message(boss, client):
    response = client.get(SATISFACTION + "?by=officer")
    assert response.status_code == 400
    assert "Satisfaction cannot be grouped by" in response.get_data(as_text=True)
