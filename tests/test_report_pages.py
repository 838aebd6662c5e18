"""The report pages with known data: every figure on the page, in its chart and in its
CSV and XLSX downloads; who may open which report, and whose cases it counts; bad
parameters answered with a message.

The figures themselves are proved in tests/test_reports.py; these tests prove the pages
show them. The page's clock is stopped where a test needs a period under way.
"""

import csv
import html as html_lib
import io
import re

import openpyxl
import pytest

from models import ExternalReview, InternalReview, Ticket, db
from tests.test_reports import (
    LATE,
    ON_TIME,
    brisbane,
    client_organisation,
    complaint,
    publication_year,  # noqa: F401 - the fixture year the publication's pages share
    quarter_register,  # noqa: F401 - a fixture the timeliness pages share
    set_service_level,
    ticket,
)

SERVICE_LEVELS = "/admin/reports/service-levels/"
TIMELINESS = "/admin/reports/timeliness/"
OUTCOMES = "/admin/reports/outcomes/"
TRENDS = "/admin/reports/trends/"
ANNUAL = "/admin/reports/annual/"
SATISFACTION = "/admin/reports/satisfaction/"
REPORT_PAGES = (SERVICE_LEVELS, TIMELINESS, OUTCOMES, TRENDS, ANNUAL, SATISFACTION)
DASH = "\u2013"
SEVERITY_1 = "1: major outage, service unusable"
SEVERITY_2 = "2: a function or some users affected"


def stop_clock(time_machine, instant):
    """Stop the suite's clock (the one seam, time-machine) at `instant` for this test."""
    time_machine.move_to(instant, tick=False)


def opened(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _cells(row_html):
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, re.S)
    ]


def table(page, css_class="report-table"):
    """The rows of a table on the page, as the text of their cells."""
    found = re.search(rf'<table class="[^"]*{css_class}[^"]*".*?</table>', page, re.S)
    assert found, f"no {css_class} on the page"
    body = re.search(r"<tbody>(.*?)</tbody>", found.group(0), re.S).group(1)
    return [_cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def row_of(rows, *first):
    """The row whose first cells are these."""
    return next(row for row in rows if tuple(row[: len(first)]) == first)


def chart(page):
    found = re.search(r"<svg class=\"report-chart\".*?</svg>", page, re.S)
    assert found, "no chart on the page"
    return found.group(0)


def downloads(client, url):
    """The page's CSV and XLSX downloads, each as a list of rows (headers first)."""
    page = opened(client, url)
    links = dict(re.findall(r'href="([^"]+)" data-download="(\w+)"', page))
    by_format = {name: html_lib.unescape(link) for link, name in links.items()}
    assert set(by_format) == {"CSV", "XLSX"}
    response = client.get(by_format["CSV"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.csv"')
    text = response.get_data(as_text=True).lstrip("\ufeff")
    as_csv = list(csv.reader(io.StringIO(text)))
    response = client.get(by_format["XLSX"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    as_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    return page, as_csv, as_xlsx


def same_number(shown: str, value) -> bool:
    """A page cell and a file cell say the same thing."""
    if shown == "—":
        return value in (None, "")
    if isinstance(value, int | float):
        return float(shown.replace(",", "")) == pytest.approx(value)
    try:
        return float(shown.replace(",", "")) == pytest.approx(float(value))
    except (TypeError, ValueError):
        return shown == value


def assert_files_match_page(page_rows, as_csv, as_xlsx):
    assert as_csv[0] == [str(h) for h in as_xlsx[0]]
    assert len(as_csv) - 1 == len(as_xlsx) - 1 == len(page_rows)
    for shown, from_csv, from_xlsx in zip(page_rows, as_csv[1:], as_xlsx[1:], strict=True):
        for cell, csv_cell, xlsx_cell in zip(shown, from_csv, from_xlsx, strict=True):
            assert same_number(cell, csv_cell), (shown, from_csv)
            assert same_number(cell, xlsx_cell), (shown, from_xlsx)
        # Numbers stay numbers in the workbook.
        assert all(not isinstance(c, str) or not re.fullmatch(r"[\d.]+", c) for c in from_xlsx)


@pytest.fixture
def boss(make, auth):
    make.user("boss", "administrator")
    auth.login("boss")


# --- service levels ---------------------------------------------------------------------


@pytest.fixture
def june_desk(make, time_machine):
    """Service-desk tickets of the June quarter 2026, seen at noon on 15 June."""
    set_service_level("ticket.resolution.2", 75)
    client = client_organisation(make)
    june_first = brisbane(2026, 6, 1, 9, 0)
    for resolved in (ON_TIME,) * 5 + (LATE,):
        ticket(client, "2", june_first, responded=ON_TIME, resolved=resolved)
    overdue = ticket(client, "2", june_first, responded=ON_TIME)
    ticket(client, "2", june_first, responded=ON_TIME, status="waiting_on_client")
    ticket(client, "2", brisbane(2026, 6, 15, 9, 0), responded=ON_TIME)
    ticket(client, "2", brisbane(2026, 6, 15, 9, 0))
    ticket(client, "2", brisbane(2026, 6, 26, 9, 0))
    ticket(client, "2", brisbane(2026, 3, 2, 9, 0), responded=ON_TIME, resolved=LATE)
    for resolved in (ON_TIME, LATE):
        ticket(client, "1", june_first, responded=ON_TIME, resolved=resolved)
    db.session.commit()
    stop_clock(time_machine, brisbane(2026, 6, 15, 12, 0))
    return {"overdue": overdue}


def test_the_service_level_page_shows_each_severity_against_its_target(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-Q2")
    assert f"Service levels, Apr{DASH}Jun 2026" in page
    rows = table(page)
    # The chosen quarter and the three before it, four severities each.
    assert [row[0] for row in rows[::4]] == [
        f"Jul{DASH}Sep 2025",
        f"Oct{DASH}Dec 2025",
        f"Jan{DASH}Mar 2026",
        f"Apr{DASH}Jun 2026",
    ]
    june = f"Apr{DASH}Jun 2026"
    assert row_of(rows, june, SEVERITY_2)[2:] == [
        "6", "6", "0", "100.0", "5", "1", "83.3", "75", "Yes"
    ]  # fmt: skip
    assert row_of(rows, june, SEVERITY_1)[2:] == [
        "2", "2", "0", "100.0", "1", "1", "50.0", "98", "No"
    ]  # fmt: skip
    assert row_of(rows, f"Jan{DASH}Mar 2026", SEVERITY_2)[2:9] == [
        "1", "1", "0", "100.0", "0", "1", "0.0"
    ]  # fmt: skip

    drawn = chart(page)
    assert "Tickets meeting their targets, Apr" in drawn
    assert (
        f"{SEVERITY_2}: First response met 100%, Resolution met 83.3%, resolution target 75%."
        in drawn
    )
    assert ">83.3% (resolution target 75%)</text>" in drawn
    assert 'stroke-dasharray="5 3"' in drawn  # the target line, dashed
    assert "url(#service-levels-hatched)" in drawn  # the second series is hatched


def test_the_forecast_and_the_tickets_at_risk_of_the_period_under_way(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-Q2")
    assert f"Forecast for Apr{DASH}Jun 2026, the period under way" in page
    forecast = table(page, "report-forecast")
    # Severity 2: 6 resolved, 1 missed, 4 open due in the quarter, 1 overdue: 75% of 10
    # allows 2 misses, both used.
    assert row_of(forecast, SEVERITY_2) == [SEVERITY_2, "75", "6", "1", "4", "1", "2", "0 more"]
    # Severity 1: 98% of 2 allows none; one missed already.
    assert row_of(forecast, SEVERITY_1) == [
        SEVERITY_1, "98", "2", "1", "0", "0", "0", "Out of reach by 1"
    ]  # fmt: skip
    at_risk = table(page, "report-at-risk")
    overdue = june_desk["overdue"]
    assert [row[0] for row in at_risk] == [overdue.reference]
    assert at_risk[0][1:3] == [SEVERITY_2, "Acme Training"]
    assert at_risk[0][-1] == "Overdue"
    assert f'href="/admin/ticket/details/?id={overdue.id}"' in page


def test_a_past_period_has_no_forecast(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-Q1")
    assert "report-forecast" not in page
    assert "The forecast and the tickets at risk are shown for the period under way." in page


def test_the_service_level_downloads_hold_the_page_numbers(june_desk, boss, client):
    page, as_csv, as_xlsx = downloads(client, SERVICE_LEVELS + "?kind=quarter&period=2026-Q2")
    assert as_csv[0][:3] == ["Period", "Severity", "Resolved"]
    assert_files_match_page(table(page), as_csv, as_xlsx)
    june = row_of(as_xlsx, f"Apr{DASH}Jun 2026", SEVERITY_2)
    assert june[2:] == [6, 6, 0, 100, 5, 1, 83.3, 75, "Yes"]
    assert row_of(as_csv, f"Apr{DASH}Jun 2026", SEVERITY_2)[8] == "83.3"


@pytest.fixture
def new_year_2027(time_machine):
    stop_clock(time_machine, brisbane(2027, 1, 1, 9, 0))


def test_service_levels_split_at_the_financial_year(make, new_year_2027, boss, client):
    desk = client_organisation(make)
    reported = brisbane(2026, 6, 22, 10, 0)
    ticket(desk, "3a", reported, responded=ON_TIME, resolved=brisbane(2026, 6, 30, 23, 59))
    ticket(desk, "3a", reported, responded=ON_TIME, resolved=brisbane(2026, 7, 1, 0, 0))
    ticket(desk, "3a", reported, responded=ON_TIME, resolved=brisbane(2026, 7, 1, 0, 1))
    db.session.commit()
    documentation = "3a: documentation or nuisance bug"

    page, as_csv, as_xlsx = downloads(client, SERVICE_LEVELS + "?kind=financial_year")
    assert f"Service levels, 2026{DASH}27" in page
    rows = table(page)
    assert row_of(rows, f"2025{DASH}26", documentation)[2] == "1"
    assert row_of(rows, f"2026{DASH}27", documentation)[2] == "2"
    assert row_of(as_xlsx, f"2025{DASH}26", documentation)[2] == 1
    assert row_of(as_csv, f"2026{DASH}27", documentation)[2] == "2"
    # The kind picker marks the kind shown.
    assert re.search(
        r'class="nav-link active" aria-current="page"\s+href="[^"]*kind=financial_year', page
    )


def test_the_service_level_report_defaults_to_the_month_under_way(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS)
    assert "Service levels, June 2026" in page
    assert '<option value="2026-06" selected>June 2026</option>' in page
    assert "Forecast for June 2026" in page


@pytest.fixture
def mid_june(time_machine):
    # Before signing in: a session signed later than "now" is not accepted.
    stop_clock(time_machine, brisbane(2026, 6, 15, 12, 0))


def test_an_unanswered_severity_1_is_listed_with_its_overdue_first_response(
    make, mid_june, boss, client
):
    acme = client_organisation(make)
    late = ticket(acme, "1", brisbane(2026, 6, 15, 11, 0), status="new")
    db.session.commit()
    page = opened(client, SERVICE_LEVELS + "?period=2026-06")
    (row,) = table(page, "report-at-risk")
    assert row[0] == late.reference
    assert row[1] == SEVERITY_1
    assert row[4:] == ["First response", "15/06/2026 11:30", "Overdue"]


def test_a_confidential_client_is_masked_in_the_tickets_at_risk(make, mid_june, boss, client):
    person = make.complainant("Whistleblower")
    make.complaint(complainant=person, confidential=True)
    ticket(person, "2", brisbane(2026, 6, 1, 9, 0))
    db.session.commit()
    page = opened(client, SERVICE_LEVELS + "?period=2026-06")
    at_risk = table(page, "report-at-risk")
    assert at_risk[0][2] == "Confidential complainant"
    assert "Whistleblower" not in page


# --- complaint timeliness ---------------------------------------------------------------


def test_the_timeliness_page_by_division(quarter_register, boss, client):  # noqa: F811
    page, as_csv, as_xlsx = downloads(client, TIMELINESS + "?period=2026-Q1&by=division")
    assert f"Complaint timeliness, Jan{DASH}Mar 2026" in page
    rows = table(page)
    assert [row[0] for row in rows] == ["Queensland Operations", "Victorian Operations", "All"]
    assert row_of(rows, "Queensland Operations")[1:] == [
        "8", "3", "50.0", "6", "83.3", "3.0", "13.0", "1"
    ]  # fmt: skip
    assert row_of(rows, "Victorian Operations")[1:] == [
        "1", "1", "100.0", "1", "100.0", "2.0", "2.0", "0"
    ]  # fmt: skip
    assert row_of(rows, "All")[1:] == ["9", "4", "66.7", "7", "85.7", "2.0", "11.4", "1"]
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert row_of(as_xlsx, "All")[1:] == [9, 4, 66.7, 7, 85.7, 2, 11.4, 1]

    drawn = chart(page)
    assert (
        "Queensland Operations: Acknowledged on time 50%, Finalised within timeframe 83.3%."
        in (drawn)
    )
    assert ">66.7%</text>" in drawn


def test_the_timeliness_page_by_category_and_by_channel(quarter_register, boss, client):  # noqa: F811
    page = opened(client, TIMELINESS + "?period=2026-Q1&by=category")
    assert '<option value="category" selected>Category</option>' in page
    rows = table(page)
    assert [row[0] for row in rows] == [
        "Delay or timeliness",
        "Quality of service",
        "Staff conduct or behaviour",
        "Not recorded",
        "All",
    ]
    assert row_of(rows, "Delay or timeliness")[4:] == ["2", "100.0", "4.5", "4.9", "1"]
    assert row_of(rows, "Not recorded")[4:7] == ["1", "0.0", "21.0"]
    by_channel = table(opened(client, TIMELINESS + "?period=2026-Q1&by=channel"))
    assert [(row[0], row[1], row[4]) for row in by_channel] == [
        ("Email", "8", "6"),
        ("Telephone", "1", "1"),
        ("All", "9", "7"),
    ]
    by_classification = table(opened(client, TIMELINESS + "?period=2026-Q1&by=classification"))
    assert row_of(by_classification, "Formal, complex")[4:7] == ["1", "100.0", "5.0"]


# --- outcomes and reviews ---------------------------------------------------------------


@pytest.fixture
def june_quarter_outcomes(make):
    division = make.division("Operations")
    march, may = brisbane(2026, 3, 2, 9, 0), brisbane(2026, 5, 11, 9, 0)

    def finalised(outcome, at=may):
        return complaint(
            make, division, march, status="finalised", finalised_at=at, outcome=outcome
        )

    upheld = finalised("upheld")
    finalised("upheld")
    reviewed = finalised("not_upheld")
    finalised("withdrawn")
    finalised("declined", at=brisbane(2026, 3, 31, 23, 59))  # the quarter before
    complaint(
        make,
        division,
        march,
        status="referred",
        referral_target="privacy_breach",
        closed_at=brisbane(2026, 6, 30, 23, 59),
    )
    db.session.flush()
    db.session.add_all(
        [
            InternalReview(
                complaint=reviewed,
                requested_at=brisbane(2026, 5, 12, 9, 0),
                status="completed",
                outcome="decision_changed",
                completed_at=brisbane(2026, 6, 1, 9, 0),
            ),
            InternalReview(complaint=upheld, requested_at=brisbane(2026, 6, 2, 9, 0)),
            ExternalReview(
                complaint=reviewed, body="ombudsman", notified_at=brisbane(2026, 6, 20, 9, 0)
            ),
        ]
    )
    db.session.commit()


def test_the_outcomes_page_counts_outcomes_reviews_and_referrals(
    june_quarter_outcomes, boss, client
):
    page, as_csv, as_xlsx = downloads(client, OUTCOMES + "?period=2026-Q2")
    figures = dict(re.findall(r'data-figure="([\w-]+)">(\d+)<', page))
    assert figures == {
        "finalised": "4",
        "reviews-requested": "2",
        "reviews-completed": "1",
        "outcome-changed": "1",
        "external-reviews": "1",
        "referrals": "1",
    }
    rows = table(page)
    assert row_of(rows, "Outcome", "Upheld") == ["Outcome", "Upheld", "2"]
    assert row_of(rows, "Outcome", "Not upheld")[2] == "1"
    assert row_of(rows, "Outcome", "Withdrawn")[2] == "1"
    assert row_of(rows, "Outcome", "Declined to investigate")[2] == "0"
    assert row_of(rows, "Internal review", "Requested")[2] == "2"
    changed = [row for row in rows if row[0] == "Internal review completed" and row[2] == "1"]
    assert len(changed) == 1 and "changed" in changed[0][1].lower()
    assert row_of(rows, "External review", "Queensland Ombudsman")[2] == "1"
    referred = [row for row in rows if row[0] == "Referred to" and row[2] == "1"]
    assert len(referred) == 1 and "privacy" in referred[0][1].lower()
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert row_of(as_xlsx, "Outcome", "Upheld") == ["Outcome", "Upheld", 2]
    assert "Outcome: Upheld: 2." in chart(page)


# --- trends -----------------------------------------------------------------------------


@pytest.fixture
def eight_quarters(make, time_machine):
    north, south = make.division("North"), make.division("South")
    counts = [
        ("service_quality", north, brisbane(2026, 1, 20, 10), 1),
        ("service_quality", south, brisbane(2026, 4, 20, 10), 4),
        ("timeliness", north, brisbane(2026, 1, 21, 10), 2),
        ("timeliness", north, brisbane(2026, 4, 21, 10), 3),
        ("privacy", south, brisbane(2026, 1, 22, 10), 3),
        ("privacy", south, brisbane(2026, 4, 22, 10), 1),
        ("fees", north, brisbane(2024, 7, 1, 0, 0), 1),
        ("fees", north, brisbane(2024, 6, 30, 23, 59), 1),  # before the eight quarters
        ("fees", north, brisbane(2026, 7, 1, 0, 0), 1),  # the quarter under way
    ]
    for category, division, received, how_many in counts:
        for _ in range(how_many):
            complaint(make, division, received, category=category)
    db.session.commit()
    stop_clock(time_machine, brisbane(2026, 8, 14, 9, 0))


def test_the_trends_page_shows_eight_quarters_and_calls_out_the_rises(
    eight_quarters, boss, client
):
    page, as_csv, as_xlsx = downloads(client, TRENDS)
    # The last complete quarter by default, and the seven before it.
    assert f'<option value="2026-Q2" selected>Apr{DASH}Jun 2026</option>' in page
    rows = table(page)
    assert row_of(rows, "All", "All complaints")[2:] == [
        "1", "0", "0", "0", "0", "0", "6", "8", "2"
    ]  # fmt: skip
    assert row_of(rows, "Category", "Quality of service")[2:] == [
        "0", "0", "0", "0", "0", "0", "1", "4", "3"
    ]  # fmt: skip
    assert row_of(rows, "Division", "South")[-3:] == ["3", "5", "2"]
    rises = [
        re.sub(r"<[^>]+>", "", rise) for rise in re.findall(r"<li data-rise>(.*?)</li>", page)
    ]
    assert rises == [
        "Category Quality of service: up 3 (from 1 to 4, +300%)",
        "Category Delay or timeliness: up 1 (from 2 to 3, +50%)",
        "Division South: up 2 (from 3 to 5, +67%)",
    ]
    assert f"Largest rises from Jan{DASH}Mar 2026 to Apr{DASH}Jun 2026:" in page
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert as_xlsx[0][2] == f"Jul{DASH}Sep 2024"
    assert f"Apr{DASH}Jun 2026: 8." in chart(page)


def test_each_trend_figure_opens_the_complaints_it_counts(eight_quarters, boss, client):
    page = opened(client, TRENDS)
    found = re.search(r'<table class="[^"]*report-table.*?</table>', page, re.S).group(0)
    linked = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', found, re.S)
    checked = 0
    for first, cells in linked:
        for url, figure in re.findall(r'<a href="([^"]+)">([^<]+)</a>', cells):
            url = html_lib.unescape(url)
            assert url.startswith("/admin/complaint/?"), url
            grid = opened(client, url)
            references = set(re.findall(r"CTS-\d{4}-\d{6}", grid))
            assert len(references) == int(figure), (first, url, figure)
            checked += 1
    assert checked >= 8 * 3
    # Each rise opens the last quarter's complaints of its line.
    rises = re.findall(r'<li data-rise><a href="([^"]+)"', page)
    assert len(rises) == 3
    south = set(re.findall(r"CTS-\d{4}-\d{6}", opened(client, html_lib.unescape(rises[-1]))))
    assert len(south) == 5


def test_trends_without_a_rise_say_so(eight_quarters, boss, client):
    page = opened(client, TRENDS + "?period=2025-Q2")
    assert f"No category or division received more complaints in Apr{DASH}Jun 2025" in page


# --- the annual publication -------------------------------------------------------------


@pytest.fixture
def two_years(make, time_machine):
    division = make.division("Operations")

    def lodged(received_at, **values):
        return complaint(make, division, received_at, **values)

    lodged(
        brisbane(2025, 6, 30, 23, 59),
        status="finalised",
        finalised_at=brisbane(2025, 7, 10, 9),
        outcome="upheld",
    )
    lodged(
        brisbane(2025, 7, 1, 0, 0),
        status="finalised",
        finalised_at=brisbane(2025, 8, 1, 9),
        outcome="withdrawn",
    )
    lodged(
        brisbane(2025, 9, 1, 9),
        status="referred",
        referral_target="other_department",
        closed_at=brisbane(2025, 9, 3, 9),
    )
    reviewed = lodged(
        brisbane(2025, 10, 1, 9),
        status="finalised",
        finalised_at=brisbane(2025, 11, 3, 9),
        outcome="not_upheld",
    )
    lodged(brisbane(2026, 6, 30, 23, 59))  # still open
    lodged(brisbane(2026, 7, 1, 0, 0))  # the next year
    db.session.flush()
    db.session.add(InternalReview(complaint=reviewed, requested_at=brisbane(2025, 11, 20, 9)))
    db.session.commit()
    stop_clock(time_machine, brisbane(2026, 8, 1, 9, 0))


PUBLIC_SECTOR_ACT = "Public Sector Act 2022 (Qld) s 264"
HUMAN_RIGHTS_ACT = "Human Rights Act 2019 (Qld) s 97"


def test_the_annual_publication_of_the_last_complete_financial_year(two_years, boss, client):
    page, as_csv, as_xlsx = downloads(client, ANNUAL)
    assert f"Annual publication, 2025{DASH}26" in page
    assert "1 July 2025 to 30 June 2026" in page
    rows = table(page, "annual-publication")
    # Received in the year: withdrawn, referred, reviewed, and one still open at 23:59 on
    # 30 June 2026; the review takes one further, withdrawn and referred go no further.
    assert [row[:3] for row in rows[:4]] == [
        [PUBLIC_SECTOR_ACT, "Customer complaints received", "4"],
        [PUBLIC_SECTOR_ACT, "Resulting in further action", "1"],
        [PUBLIC_SECTOR_ACT, "Resulting in no further action", "2"],
        ["Breakdown (not a figure of the Act)", "Still open, not yet counted either way", "1"],
    ]
    assert as_csv[0] == [
        "Reported under",
        f"Customer complaints, financial year 2025{DASH}26 (1 July 2025 to 30 June 2026), "
        "as at 1 August 2026 09:00 (Australia/Brisbane)",
        "Number",
        "How it is counted",
    ]
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert "Received: 4." in chart(page)
    # The year before: the complaint lodged a minute before midnight on 30 June 2025.
    before = table(opened(client, ANNUAL + "?period=FY2024-25"), "annual-publication")
    assert [row[2] for row in before[:3]] == ["1", "0", "1"]


def figure(rows, measure):
    """The number on the line of this measure."""
    return next(row[2] for row in rows if row[1] == measure)


@pytest.fixture
def first_of_august(time_machine):
    # Before signing in: a session signed later than "now" is not accepted.
    stop_clock(time_machine, brisbane(2026, 8, 1, 9, 0))


@pytest.fixture
def first_of_october(time_machine):
    stop_clock(time_machine, brisbane(2026, 10, 1, 9, 0))


def test_the_published_figures_and_their_definitions_on_the_page_and_in_the_files(
    publication_year,  # noqa: F811
    first_of_august,
    boss,
    client,
):
    """The fixture year of tests/test_reports.py, counted by hand there, as at 1 August."""
    page, as_csv, as_xlsx = downloads(client, ANNUAL + "?period=FY2025-26")
    text = html_lib.unescape(page)
    assert "Public Sector Act 2022 (Qld) s 264" in text
    assert "Human Rights Act 2019 (Qld) s 97" in text
    assert 'data-figure="as-at">1 August 2026 09:00 (Australia/Brisbane)<' in page
    rows = table(page, "annual-publication")
    assert [row[1:3] for row in rows[:3]] == [
        ["Customer complaints received", "9"],
        ["Resulting in further action", "4"],
        ["Resulting in no further action", "4"],
    ]
    assert all(row[0] == PUBLIC_SECTOR_ACT for row in rows[:3])
    assert "internal review was requested" in rows[1][3]
    assert "finalised or closed" in rows[2][3]
    for measure, number in (
        ("Still open, not yet counted either way", "1"),
        ("Further action: internal review", "2"),
        ("Further action: external review", "1"),
        ("Further action: change to policies, procedures or practices", "1"),
        ("Not taken further: withdrawn", "1"),
        ("Not taken further: declined", "1"),
        ("Not taken further: referred", "1"),
        ("Human-rights complaints received", "3"),
        ("Outcome: Not upheld", "1"),
        ("Outcome: Declined to investigate", "1"),
        ("Outcome: Not yet finalised", "1"),
        ("Outcome: Upheld", "0"),
        ("Taken to the Human Rights Commissioner", "1"),
    ):
        assert figure(rows, measure) == number, measure
    human_rights = [row for row in rows if row[0] == HUMAN_RIGHTS_ACT]
    assert human_rights[0][1:3] == ["Human-rights complaints received", "3"]
    # The files: the same rows, definitions included, the Act in every row, the period and
    # the cut-off in the heading.
    assert_files_match_page(rows, as_csv, as_xlsx)
    assert f"financial year 2025{DASH}26 (1 July 2025 to 30 June 2026)" in as_csv[0][1]
    assert as_xlsx[1][0] == PUBLIC_SECTOR_ACT and as_xlsx[1][2] == 9
    assert "internal review was requested" in as_xlsx[2][3]


def test_the_publication_as_at_a_chosen_day_reproduces_the_figures_then(
    publication_year,  # noqa: F811
    first_of_october,
    boss,
    client,
):
    # At the end of 30 June the review asked for on 8 July was not there yet.
    url = ANNUAL + "?period=FY2025-26&as_at=2026-06-30"
    page, as_csv, _ = downloads(client, url)
    rows = table(page, "annual-publication")
    assert [row[2] for row in rows[:3]] == ["9", "3", "5"]
    assert 'data-figure="as-at">1 July 2026 00:00 (Australia/Brisbane)<' in page
    assert 'name="as_at"' in page and 'value="2026-06-30"' in page
    assert [row[2] for row in as_csv[1:4]] == ["9", "3", "5"]
    # By 1 October both the review and the change of 15 September are recorded.
    now = table(opened(client, ANNUAL + "?period=FY2025-26"), "annual-publication")
    assert [row[2] for row in now[:3]] == ["9", "5", "3"]


@pytest.mark.parametrize(
    "as_at, message",
    [
        ("30/06/2026", "is not a date: write the cut-off as year-month-day"),
        ("2025-06-30", "the financial year 2025\u201326 begins on 01 July 2025"),
        ("2026-08-02", "that day has not come yet"),
    ],
)
def test_a_cut_off_the_publication_cannot_use_gets_a_message(
    first_of_august, boss, client, as_at, message
):
    for url in (ANNUAL, ANNUAL + "export/csv/"):
        response = client.get(f"{url}?period=FY2025-26&as_at={as_at}")
        assert response.status_code == 400
        assert message in html_lib.unescape(response.get_data(as_text=True))


def test_the_annual_publication_prints_without_the_menu(two_years, boss, client):
    page = opened(client, ANNUAL)
    assert 'class="report-controls' in page
    css = client.get("/static/portal.css").get_data(as_text=True)
    assert "@media print" in css and ".report-controls" in css


# --- who sees what ----------------------------------------------------------------------


@pytest.fixture
def two_divisions(make):
    a, b = make.division("Customer Services"), make.division("Licensing")
    for division, how_many in ((a, 2), (b, 3)):
        for _ in range(how_many):
            complaint(
                make,
                division,
                brisbane(2026, 3, 2, 9, 0),
                status="finalised",
                finalised_at=brisbane(2026, 3, 4, 9, 0),
                outcome="upheld",
            )
    db.session.commit()
    return a, b


@pytest.mark.parametrize("capacity", ["complaint_manager", "decision_maker", "coordinator"])
def test_an_officer_sees_the_figures_of_their_own_division_only(
    two_divisions, make, auth, client, capacity
):
    a, _ = two_divisions
    make.user("officer", capacity, division=a)
    auth.login("officer")
    rows = table(opened(client, TIMELINESS + "?period=2026-Q1&by=division"))
    assert [(row[0], row[1], row[4]) for row in rows] == [
        ("Customer Services", "2", "2"),
        ("All", "2", "2"),
    ]
    outcomes = opened(client, OUTCOMES + "?period=2026-Q1")
    assert 'data-figure="finalised">2<' in outcomes
    annual = table(opened(client, ANNUAL + "?period=FY2025-26"), "annual-publication")
    assert annual[0][1:3] == ["Customer complaints received", "2"]
    trends = table(opened(client, TRENDS + "?period=2026-Q1"))
    assert "Licensing" not in {row[1] for row in trends}
    assert row_of(trends, "All", "All complaints")[-2] == "2"
    _, as_csv, _ = downloads(client, TIMELINESS + "?period=2026-Q1&by=division")
    assert "Licensing" not in {row[0] for row in as_csv}


def test_an_administrator_sees_every_division(two_divisions, boss, client):
    rows = table(opened(client, TIMELINESS + "?period=2026-Q1&by=division"))
    assert [(row[0], row[1]) for row in rows] == [
        ("Customer Services", "2"),
        ("Licensing", "3"),
        ("All", "5"),
    ]


def test_a_reviewer_sees_no_report(make, auth, client):
    make.user("reviewer", "internal_reviewer", level="AO8")
    auth.login("reviewer")
    for url in REPORT_PAGES:
        assert client.get(url).status_code == 403, url
        assert client.get(url + "export/csv/").status_code == 403, url
    assert "Reports" not in opened(client, "/admin/")


def test_a_support_agent_sees_the_service_level_report_only(make, auth, client):
    make.user("agent", "support_agent")
    auth.login("agent")
    menu = opened(client, "/admin/")
    assert 'href="/admin/reports/service-levels/"' in menu
    assert 'href="/admin/reports/timeliness/"' not in menu
    assert client.get(SERVICE_LEVELS).status_code == 200
    assert client.get(SERVICE_LEVELS + "export/xlsx/").status_code == 200
    for url in REPORT_PAGES[1:]:
        assert client.get(url).status_code == 403, url


def test_a_complaint_manager_has_no_service_level_report(make, auth, client):
    make.user("manager", "complaint_manager")
    auth.login("manager")
    assert client.get(SERVICE_LEVELS).status_code == 403
    menu = opened(client, "/admin/")
    assert "Reports" in menu and 'href="/admin/reports/annual/"' in menu


@pytest.mark.parametrize("url", REPORT_PAGES)
def test_a_signed_out_visitor_is_sent_to_sign_in(app, client, url):
    for path in (url, url + "export/csv/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


# --- bad parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        (SERVICE_LEVELS + "?period=2026-13", "does not name a period"),
        (SERVICE_LEVELS + "?period=yesterday", "write a month as 2026-07"),
        (SERVICE_LEVELS + "?kind=fortnight", "is not a kind of period this report knows"),
        (TIMELINESS + "?by=officer", "cannot be grouped by"),
        (TIMELINESS + "?period=FY2025-27", "the years do not follow"),
        (OUTCOMES + "?period=2026-Q5", "does not name a period"),
        (TRENDS + "?period=2026-07", "trends and systemic issues is reported per quarter"),
        (ANNUAL + "?period=2026-Q1", "annual publication is reported per financial year"),
        (ANNUAL + "?kind=month", "is not a kind of period this report knows"),
        (ANNUAL + "export/xlsx/?period=2026-13", "does not name a period"),
        (SATISFACTION + "?by=officer", "Satisfaction cannot be grouped by"),
        (SATISFACTION + "export/csv/?period=2026-Q9", "does not name a period"),
        # The periods compared with year 1 would fall before the first year there is.
        (SERVICE_LEVELS + "?period=0001-01", "choose a year from 1900 to 2200"),
        (TRENDS + "?period=0001-Q1", "choose a year from 1900 to 2200"),
    ],
)
def test_bad_parameters_get_a_message_not_an_error(boss, client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    page = html_lib.unescape(response.get_data(as_text=True))
    assert message in page
    assert 'role="alert"' in page
    assert '<select id="report-period" name="period"' in page  # the picker, to try again


def test_an_unknown_download_format_is_not_found(boss, client):
    assert client.get(SERVICE_LEVELS + "export/pdf/").status_code == 404


# --- the pages keep to the content security policy -------------------------------------


@pytest.mark.parametrize("url", REPORT_PAGES)
def test_report_pages_carry_no_inline_style_or_script(june_desk, boss, client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy.split("style-src")[1].split(";")[0]
    page = response.get_data(as_text=True)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*nonce=)", page)
    svg = chart(page)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_a_figure_with_no_value_lines_up_with_the_numbers_in_its_column(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-Q2")
    table_html = page[page.index('<table class="table table-sm table-striped report-table"') :]
    assert "<td>—</td>" in table_html or '<td class="text-right">—</td>' in table_html
    assert "<td>—</td>" not in table_html


def test_an_open_ticket_in_the_period_links_to_its_page(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-Q2")
    link = re.search(r'href="(/admin/ticket/details/\?id=\d+)"', page).group(1)
    ticket_page = opened(client, html_lib.unescape(link))
    assert june_desk["overdue"].reference in ticket_page


def test_tickets_due_after_the_period_are_not_at_risk_in_it(june_desk, boss, client):
    page = opened(client, SERVICE_LEVELS + "?period=2026-06")
    after = db.session.execute(
        db.select(Ticket).where(Ticket.reported_at == brisbane(2026, 6, 26, 9, 0))
    ).scalar_one()
    assert after.reference not in page
