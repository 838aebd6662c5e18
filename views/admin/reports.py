"""The report pages: service levels, complaint timeliness, outcomes and reviews, trends and
the annual publication, each a table and a chart of the same numbers, downloadable as CSV
and XLSX.

Thin: the figures come from services.reports, counted over the rows the user's report
scope reaches (rules.permissions.REPORT_GRANTS through services.access); this module
reads the period the user picked, and draws. Every picker is a plain GET form; a period
or grouping the page does not know gets a message on the page, never an error page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from models import Participant, Ticket, db, utcnow
from rules import periods as period_rules
from rules import permissions
from rules.confidentiality import MASK
from rules.vocabulary import TICKET_SEVERITIES
from services import access, reports
from services.exports import FORMATS, export_response
from services.localtime import ticket_timezone

from ..context import calendar_zones, current_actor, visibility, zone_settings
from . import charts, localtime

# How far back each picker reaches, in periods of its kind (the current one included).
PICKER_LENGTH = {period_rules.MONTH: 24, period_rules.QUARTER: 12, period_rules.FINANCIAL_YEAR: 6}
# The service-level table compares the chosen period with the ones before it.
SERVICE_LEVEL_PERIODS = 4
TREND_QUARTERS = 8


class BadChoice(ValueError):
    """A report parameter the page cannot use: its message is shown to the user."""


def cell_text(value) -> str:
    """A table cell as the page shows it: percentages and medians to one decimal place."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def file_value(value):
    """A cell as the downloads hold it: the same rounding as the page, still a number."""
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass(frozen=True, slots=True)
class Choice:
    """What the user picked: a period (and its kind) and, for timeliness, a grouping."""

    kind: str
    period: period_rules.Period
    by: str | None = None
    # The annual publication's cut-off day (figures as at the end of it), if one was asked.
    as_at: date | None = None
    # The client organisation a client's service report is of (its participant id).
    client: int | None = None


class ReportView(BaseView):
    """A report page: the picker, the chart, the table and the download links."""

    screen: str = ""
    template = "admin/reports/report.html"
    title = ""
    intro = ""
    kinds: Sequence[str] = tuple(period_rules.KINDS)
    default_kind = period_rules.QUARTER

    # --- who may open it ----------------------------------------------------------------

    def may(self, action: str) -> bool:
        return permissions.allowed(access.capacity_codes(current_actor()), self.screen, action)

    def is_accessible(self):
        return current_user.is_authenticated and self.may("list")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    def report_scope(self):
        """The where-clause that keeps the figures to the cases the user's scope reaches."""
        condition = access.rows(current_actor(), self.screen, "list")
        return None if access.is_everything(condition) else condition

    @property
    def zone(self) -> str:
        return localtime.default_timezone()

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        return self.now().astimezone(localtime.zone(self.zone)).date()

    # --- what the user picked -----------------------------------------------------------

    def default_period(self, kind: str) -> period_rules.Period:
        return period_rules.period_containing(kind, self.today())

    def choose(self, args) -> Choice:
        kind = (args.get("kind") or "").strip()
        key = (args.get("period") or "").strip()
        if key:
            try:
                period = period_rules.parse(key)
            except ValueError as error:
                raise BadChoice(str(error)) from None
            if period.kind not in self.kinds:
                raise BadChoice(
                    f"{key!r} is a {period_rules.KINDS[period.kind].lower()}: "
                    f"{self.title.lower()} is reported {self.kinds_in_words()}."
                )
            return Choice(period.kind, period)
        kind = kind or self.default_kind
        if kind not in self.kinds:
            raise BadChoice(
                f"{kind!r} is not a kind of period this report knows: "
                f"it is made {self.kinds_in_words()}."
            )
        return Choice(kind, self.default_period(kind))

    def kinds_in_words(self) -> str:
        names = [period_rules.KINDS[kind].lower() for kind in self.kinds]
        if len(names) == 1:
            return f"per {names[0]}"
        return "per " + ", ".join(names[:-1]) + " or " + names[-1]

    def period_options(self, choice: Choice | None) -> list[period_rules.Period]:
        kind = choice.kind if choice else self.default_kind
        latest = self.default_period(kind)
        options = [period_rules.shift(latest, -offset) for offset in range(PICKER_LENGTH[kind])]
        if choice and choice.period not in options:
            options.append(choice.period)
            options.sort(key=lambda p: p.start, reverse=True)
        return options

    def query_args(self, choice: Choice) -> dict:
        args = {"kind": choice.kind, "period": choice.period.key}
        if choice.by:
            args["by"] = choice.by
        if choice.as_at:
            args["as_at"] = choice.as_at.isoformat()
        return args

    # --- the report ---------------------------------------------------------------------

    def build(self, choice: Choice):
        raise NotImplementedError

    def table(self, report) -> reports.TableData:
        return report.as_table()

    def chart(self, report, choice: Choice) -> charts.Chart:
        raise NotImplementedError

    def extra(self, report, choice: Choice) -> dict:
        """Anything else the page shows beside the table and the chart."""
        return {}

    def filename(self, choice: Choice) -> str:
        return f"{self.endpoint.replace('_', '-')}-{choice.period.key}"

    def page(self, *, choice=None, report=None, message=None, status=200):
        table = self.table(report) if report is not None else None
        context = {
            "view": self,
            "title": self.title,
            "intro": self.intro,
            "choice": choice,
            "message": message,
            "kinds": [(kind, period_rules.KINDS[kind]) for kind in self.kinds],
            "options": self.period_options(choice),
            "report": report,
            "table": table,
            "cell_text": cell_text,
            "chart": self.chart(report, choice) if report is not None else None,
            "downloads": [],
        }
        if report is not None:
            context.update(self.extra(report, choice))
            if self.may("export"):
                context["downloads"] = [
                    (
                        fmt.upper(),
                        self.get_url(".export", export_format=fmt, **self.query_args(choice)),
                    )
                    for fmt in FORMATS
                ]
        return self.render(self.template, **context), status

    @expose("/")
    def index(self):
        try:
            choice = self.choose(request.args)
        except BadChoice as error:
            return self.page(message=str(error), status=400)
        return self.page(choice=choice, report=self.build(choice))

    @expose("/export/<export_format>/")
    def export(self, export_format):
        if not self.may("export"):
            abort(403)
        if export_format not in FORMATS:
            abort(404)
        try:
            choice = self.choose(request.args)
        except BadChoice as error:
            return self.page(message=str(error), status=400)
        table = self.table(self.build(choice))
        rows = [tuple(file_value(cell) for cell in row) for row in table.rows]
        return export_response(
            export_format, self.filename(choice), table.headers, rows, sheet=self.title
        )


# --- service levels ---------------------------------------------------------------------


class ServiceLevelReportView(ReportView):
    screen = permissions.SERVICE_LEVEL_REPORT
    template = "admin/reports/service_levels.html"
    title = "Service levels"
    intro = (
        "Service-desk tickets resolved in each period, by severity: how many met their first "
        "response and resolution targets, against the severity's service level. The chosen "
        "period is compared with the three before it."
    )
    default_kind = period_rules.MONTH

    def build(self, choice):
        periods = [
            period_rules.shift(choice.period, -offset)
            for offset in range(SERVICE_LEVEL_PERIODS - 1, -1, -1)
        ]
        return reports.service_levels(
            db.session, periods, now=self.now(), scope=self.report_scope(), tz=self.zone
        )

    def chart(self, report, choice):
        rows = [r for r in report.rows if r.period == choice.period]
        return charts.bar_chart(
            "service-levels",
            f"Tickets meeting their targets, {choice.period.label}",
            ("First response met", "Resolution met"),
            [(r.severity_label, (r.first_response_percent, r.resolution_percent)) for r in rows],
            unit="%",
            targets=[
                float(r.resolution_target_percent)
                if r.resolution_target_percent is not None
                else None
                for r in rows
            ],
            target_name="resolution target",
            empty="no tickets",
        )

    def extra(self, report, choice):
        if report.current is None:
            return {"forecasts": (), "at_risk": ()}
        return {"forecasts": report.forecasts, "at_risk": self.at_risk_rows(report.at_risk)}

    def at_risk_rows(self, at_risk):
        """The tickets at risk, with their client (masked if hidden) and local due time."""
        if not at_risk:
            return []
        facts = {
            row.id: row
            for row in db.session.execute(
                select(
                    Ticket.id,
                    Participant.id.label("client_id"),
                    Participant.organisation_name,
                    Participant.given_name,
                    Participant.family_name,
                    Participant.calendar_id,
                )
                .outerjoin(Participant, Participant.id == Ticket.client_id)
                .where(Ticket.id.in_([t.id for t in at_risk]))
            )
        }
        hidden = visibility().hidden_among(fact.client_id for fact in facts.values())
        settings, calendars = zone_settings(), calendar_zones()
        may_open = permissions.allowed(access.capacity_codes(current_actor()), "ticket", "view")
        rows = []
        for ticket in at_risk:
            fact = facts.get(ticket.id)
            client = ""
            if fact is not None and fact.client_id is not None:
                if fact.client_id in hidden:
                    client = MASK
                else:
                    client = fact.organisation_name or " ".join(
                        part for part in (fact.given_name, fact.family_name) if part
                    )
            # The row carries the client's calendar_id: the ticket's zone without loading it.
            zone = ticket_timezone(fact, settings, calendars)
            rows.append(
                {
                    "ticket": ticket,
                    "severity": TICKET_SEVERITIES.get(ticket.severity, ticket.severity),
                    "client": client,
                    "deadline": ticket.deadline,
                    "due": localtime.local_text(ticket.due_at or ticket.resolution_due_at, zone),
                    # The column says whose time it is; each cell names its zone on hover.
                    "zone": localtime.zone_label(zone, ticket.due_at or ticket.resolution_due_at),
                    "url": url_for("ticket.details_view", id=ticket.id) if may_open else None,
                }
            )
        return rows


# --- a client organisation's service report ---------------------------------------------


class ClientReportView(ReportView):
    """One client organisation's report: the figures its nominated contacts are mailed
    each month (flask reports send-client-reports), for any month or quarter."""

    screen = permissions.CLIENT_REPORT
    template = "admin/reports/client.html"
    title = "Client service report"
    intro = (
        "One client organisation's tickets: per severity, those resolved in the period and "
        "how many were responded to and resolved in time, against the severity's service "
        "level; the tickets it lodged; its tickets open at the end of the period (or now, "
        "for the period under way), with the day each was lodged and its next due time; and "
        "satisfaction with the tickets resolved, from the “How it went” surveys. The "
        "client's nominated contacts are mailed this report for each month."
    )
    kinds = (period_rules.MONTH, period_rules.QUARTER)
    default_kind = period_rules.MONTH

    def default_period(self, kind):
        # The last complete period: what the client was mailed.
        return period_rules.previous(super().default_period(kind))

    def clients(self):
        return reports.client_organisations(db.session)

    def client_label(self, client) -> str:
        if client.id in visibility().hidden_person_ids():
            return f"{MASK} ({client.id})"
        return reports.client_name(client)

    def choose(self, args):
        choice = super().choose(args)
        text = (args.get("client") or "").strip()
        clients = self.clients()
        if not text:
            if not clients:
                raise BadChoice(
                    "There are no client organisations yet: add one under People, kind "
                    "“Client organisation”, and its report appears here."
                )
            return Choice(choice.kind, choice.period, client=clients[0].id)
        if not text.isdigit() or not any(c.id == int(text) for c in clients):
            raise BadChoice(
                f"{text!r} is not a client organisation: choose one from the Client list."
            )
        return Choice(choice.kind, choice.period, client=int(text))

    def query_args(self, choice):
        return {"kind": choice.kind, "period": choice.period.key, "client": choice.client}

    def client_of(self, choice):
        return db.session.get(Participant, choice.client)

    def build(self, choice):
        return reports.client_report(
            db.session,
            self.client_of(choice),
            choice.period,
            now=self.now(),
            scope=self.report_scope(),
            tz=self.zone,
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "client-report",
            f"Tickets in time, {choice.period.label}",
            ("Responded in time", "Resolved in time"),
            [
                (r.severity_label, (r.first_response_percent, r.resolution_percent))
                for r in report.rows
            ],
            unit="%",
            targets=[
                float(r.resolution_target_percent)
                if r.resolution_target_percent is not None
                else None
                for r in report.rows
            ],
            target_name="service level",
            empty="no tickets",
        )

    def extra(self, report, choice):
        may_open = permissions.allowed(access.capacity_codes(current_actor()), "ticket", "view")
        open_rows = [
            {
                "ticket": ticket,
                "lodged": localtime.local_text(ticket.reported_at, report.zone),
                "due": localtime.local_text(ticket.next_due_at, report.zone)
                if ticket.next_due_at is not None
                else "",
                "url": url_for("ticket.details_view", id=ticket.id) if may_open else None,
            }
            for ticket in report.open_tickets
        ]
        return {
            "title": f"{self.title}: {self.client_label(self.client_of(choice))}",
            "open_rows": open_rows,
            "zone_name": localtime.zone_label(report.zone, report.as_at),
            "as_at": localtime.local_text(report.as_at, report.zone),
            "satisfaction": reports.client_satisfaction(db.session, report),
        }

    def render(self, template, **kwargs):
        if template == self.template:
            kwargs["client_options"] = [(c.id, self.client_label(c)) for c in self.clients()]
        return super().render(template, **kwargs)

    def filename(self, choice):
        return f"client-report-{choice.client}-{choice.period.key}"


# --- complaint timeliness ---------------------------------------------------------------


class TimelinessReportView(ReportView):
    screen = "timeliness_report"
    template = "admin/reports/timeliness.html"
    title = "Complaint timeliness"
    intro = (
        "Complaints acknowledged and finalised in the period: the share on time, business "
        "days from receipt to finalisation (median and 90th percentile, on the division's "
        "calendar), and extensions."
    )

    def choose(self, args):
        choice = super().choose(args)
        by = (args.get("by") or "division").strip()
        if by not in reports.DIMENSIONS:
            raise BadChoice(
                f"Timeliness cannot be grouped by {by!r}: choose "
                + ", ".join(name.lower() for name in reports.DIMENSIONS.values())
                + "."
            )
        return Choice(choice.kind, choice.period, by)

    def build(self, choice):
        return reports.complaint_timeliness(
            db.session, choice.period, choice.by, scope=self.report_scope(), tz=self.zone
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "timeliness",
            f"Complaints on time by {reports.DIMENSIONS[choice.by].lower()}, "
            f"{choice.period.label}",
            ("Acknowledged on time", "Finalised within timeframe"),
            [
                (r.label, (r.acknowledged_on_time_percent, r.finalised_in_time_percent))
                for r in (*report.rows, report.total)
            ],
            unit="%",
            empty="none due",
        )

    def extra(self, report, choice):
        return {"dimensions": reports.DIMENSIONS}

    def filename(self, choice):
        return f"complaint-timeliness-{choice.by}-{choice.period.key}"


# --- outcomes and reviews ---------------------------------------------------------------


class OutcomesReportView(ReportView):
    screen = "outcomes_report"
    template = "admin/reports/outcomes.html"
    title = "Outcomes and reviews"
    intro = (
        "Complaints finalised in the period by outcome, internal reviews requested and "
        "completed (and whether the outcome changed), complaints taken to an external body, "
        "and matters referred to other processes."
    )

    def build(self, choice):
        return reports.outcomes_and_reviews(
            db.session, choice.period, scope=self.report_scope(), tz=self.zone
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "outcomes",
            f"Outcomes and reviews, {choice.period.label}",
            ("Complaints",),
            [(f"{measure}: {what}", (count,)) for measure, what, count in report.as_table().rows],
        )

    def filename(self, choice):
        return f"outcomes-and-reviews-{choice.period.key}"


# --- trends and systemic issues ---------------------------------------------------------


class TrendsReportView(ReportView):
    screen = "trends_report"
    template = "admin/reports/trends.html"
    title = "Trends and systemic issues"
    intro = (
        "Complaints received in each of eight quarters, by category and by division, with "
        "the largest rises into the last quarter called out."
    )
    kinds = (period_rules.QUARTER,)

    def default_period(self, kind):
        # The last complete quarter: a part quarter against whole ones would show a fall.
        return period_rules.previous(super().default_period(kind))

    def quarters(self, choice):
        return period_rules.last_n(period_rules.QUARTER, TREND_QUARTERS, choice.period.start)

    def build(self, choice):
        return reports.complaint_trends(
            db.session, self.quarters(choice), scope=self.report_scope(), tz=self.zone
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "trends",
            f"Complaints received per quarter, {report.periods[0].label} to "
            f"{report.periods[-1].label}",
            ("Complaints received",),
            [(p.label, (count,)) for p, count in zip(report.periods, report.totals, strict=True)],
        )

    def extra(self, report, choice):
        return {
            "rises": rises_in_words(report),
            "rise_links": self.rise_links(report),
            "cell_links": self.cell_links(report),
        }

    def filename(self, choice):
        return f"complaint-trends-to-{choice.period.key}"

    # --- each figure a link to the complaints behind it ------------------------------------

    def may_open_grid(self) -> bool:
        return permissions.allowed(access.capacity_codes(current_actor()), "complaint", "list")

    def grid_url(self, period, by: str | None = None, key=None) -> str | None:
        """The complaints grid filtered to the complaints a figure counts: received in the
        period (local days), of kind complaint, of the category or division."""
        if by is not None and key is None:
            return None  # "Not recorded": the grid has no filter for an empty value
        filters = [("kind_is", "complaint")]
        if by is not None:
            filters.append((f"{by}_is", key))
        filters += [
            ("received_on_or_after", period.start.isoformat()),
            ("received_before", period.end.isoformat()),
        ]
        args = {f"flt{n}_{name}": value for n, (name, value) in enumerate(filters)}
        return url_for("complaint.index_view", **args)

    def cell_links(self, report) -> list[list[str | None]]:
        """Per table row, per cell: the grid link of each period's figure (else None)."""
        if not self.may_open_grid():
            return []
        lines = [("category", row) for row in report.by_category]
        lines += [("division", row) for row in report.by_division]
        links = [
            [None, None, *(self.grid_url(p, by, row.key) for p in report.periods), None]
            for by, row in lines
        ]
        links.append([None, None, *(self.grid_url(p) for p in report.periods), None])
        return links

    def rise_links(self, report) -> list[str | None]:
        """The grid link of each rise sentence: the last quarter's complaints of that line."""
        if not self.may_open_grid() or len(report.periods) < 2:
            return []
        last = report.periods[-1]
        rows = [("category", r) for r in report.rises_by_category]
        rows += [("division", r) for r in report.rises_by_division]
        return [self.grid_url(last, by, row.key) for by, row in rows]


def _rise(row: reports.TrendRow, what: str) -> str:
    before, after = row.counts[-2], row.counts[-1]
    percent = row.change_percent
    share = f", {percent:+.0f}%" if percent is not None else ""
    return f"{what} {row.label}: up {row.change} (from {before} to {after}{share})"


def rises_in_words(report: reports.TrendReport) -> list[str]:
    """The largest rises between the last two quarters, one sentence each."""
    if len(report.periods) < 2:
        return []
    before, last = report.periods[-2].label, report.periods[-1].label
    lines = [_rise(row, "Category") for row in report.rises_by_category]
    lines += [_rise(row, "Division") for row in report.rises_by_division]
    if not lines:
        return [f"No category or division received more complaints in {last} than in {before}."]
    return [f"Largest rises from {before} to {last}:"] + lines


# --- the annual publication -------------------------------------------------------------


class AnnualReportView(ReportView):
    screen = "annual_report"
    template = "admin/reports/annual.html"
    title = "Annual publication"
    intro = (
        "A financial year's customer complaint figures (1 July to 30 June) as the Public "
        "Sector Act 2022 (Qld) s 264 asks a department to publish them: complaints received, "
        "resulting in further action and resulting in no further action; with the "
        "human-rights complaints and their outcomes the Human Rights Act 2019 (Qld) s 97 asks "
        "for in the annual report. Print this page for a clean copy: the menu and controls "
        "are left off."
    )
    kinds = (period_rules.FINANCIAL_YEAR,)
    default_kind = period_rules.FINANCIAL_YEAR

    def default_period(self, kind):
        # The last complete financial year: the one a department publishes.
        return period_rules.previous(super().default_period(kind))

    def choose(self, args):
        choice = super().choose(args)
        text = (args.get("as_at") or "").strip()
        if not text:
            return choice
        try:
            as_at = date.fromisoformat(text)
        except ValueError:
            raise BadChoice(
                f"{text!r} is not a date: write the cut-off as year-month-day, for example "
                f"{choice.period.end.year}-09-30."
            ) from None
        if as_at < choice.period.start:
            raise BadChoice(
                f"The figures cannot be counted as at {as_at:%d %B %Y}: the financial year "
                f"{choice.period.label} begins on {choice.period.start:%d %B %Y}."
            )
        if as_at > self.today():
            raise BadChoice(
                f"The figures cannot be counted as at {as_at:%d %B %Y}: that day has not "
                "come yet. Leave the date empty for the figures as they stand now."
            )
        return Choice(choice.kind, choice.period, as_at=as_at)

    def cut_off(self, choice) -> datetime:
        """The end of the chosen day (never later than now), or now."""
        now = self.now()
        if choice.as_at is None:
            return now
        return min(now, period_rules.local_midnight(choice.as_at + timedelta(days=1), self.zone))

    def build(self, choice):
        return reports.annual_publication(
            db.session,
            choice.period,
            as_at=self.cut_off(choice),
            scope=self.report_scope(),
            tz=self.zone,
        )

    def chart(self, report, choice):
        figures = [
            ("Received", report.received),
            ("Resulting in further action", report.further_action),
            ("Resulting in no further action", report.no_further_action),
            ("Still open", report.still_open),
            ("Human-rights complaints received", report.human_rights_received),
        ]
        return charts.bar_chart(
            "annual",
            f"Customer complaints, {choice.period.label}",
            ("Complaints",),
            [(label, (count,)) for label, count in figures],
        )

    def extra(self, report, choice):
        return {"as_at": choice.as_at}

    def filename(self, choice):
        name = f"annual-complaints-{choice.period.key}"
        return f"{name}-as-at-{choice.as_at.isoformat()}" if choice.as_at else name


# --- improvements -----------------------------------------------------------------------


class ImprovementsReportView(ReportView):
    screen = "improvements_report"
    template = "admin/reports/improvements.html"
    title = "Improvements"
    intro = (
        "Changes to the department's policies, procedures or practices that complaints led "
        "to, made in the period (by the date each change was made), by division; and the "
        "complaints received in the period recorded as revealing a systemic issue."
    )

    def build(self, choice):
        # Figures reach the report's scope (a division); a complaint is named only to those
        # who may open it.
        named = access.rows(current_actor(), "complaint", "view")
        return reports.improvements_made(
            db.session,
            choice.period,
            scope=self.report_scope(),
            named=None if access.is_everything(named) else named,
            tz=self.zone,
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "improvements",
            f"Improvements made by division, {choice.period.label}",
            ("Improvements",),
            [(c.label, (c.count,)) for c in report.by_division],
            empty="no improvements",
        )

    def extra(self, report, choice):
        return {
            "improvement_rows": list(zip(report.lines, self.table(report).rows, strict=True)),
            "complaint_links": {
                line.id: url_for("complaint.details_view", id=line.complaint_id)
                for line in report.lines
                if line.reference is not None
            },
        }

    def filename(self, choice):
        return f"improvements-{choice.period.key}"


# --- how it went: satisfaction surveys -------------------------------------------------


class SatisfactionReportView(ReportView):
    screen = "satisfaction_report"
    template = "admin/reports/satisfaction.html"
    title = "How it went: satisfaction"
    intro = (
        "The satisfaction surveys sent in the period (after a complaint was finalised or a "
        "ticket resolved): how many were answered, the mean satisfaction score from 1 to 5 "
        "and how many gave each score, and whether the case was handled in time and the "
        "process fair, in the complainant's or client's view. A survey counts in the period "
        "it was sent in; its answer counts with it whenever it came."
    )
    default_kind = period_rules.QUARTER

    def choose(self, args):
        choice = super().choose(args)
        by = (args.get("by") or "kind").strip()
        if by not in reports.satisfaction.DIMENSIONS:
            raise BadChoice(
                f"Satisfaction cannot be grouped by {by!r}: choose "
                + ", ".join(name.lower() for name in reports.satisfaction.DIMENSIONS.values())
                + "."
            )
        return Choice(choice.kind, choice.period, by)

    def kind_scope(self, screen: str):
        """Whether the reader's figures hold this kind of case, and which of its cases:
        complaints as the complaint reports count them, tickets as the service-level one."""
        actor = current_actor()
        if not permissions.allowed(access.capacity_codes(actor), screen, "list"):
            return False, None
        condition = access.rows(actor, screen, "list")
        return True, None if access.is_everything(condition) else condition

    def build(self, choice):
        complaints, complaint_scope = self.kind_scope("timeliness_report")
        tickets, ticket_scope = self.kind_scope(permissions.SERVICE_LEVEL_REPORT)
        return reports.satisfaction_report(
            db.session,
            choice.period,
            choice.by,
            complaints=complaints,
            tickets=tickets,
            complaint_scope=complaint_scope,
            ticket_scope=ticket_scope,
            hidden_people=visibility().hidden_person_ids(),
            tz=self.zone,
        )

    def chart(self, report, choice):
        return charts.bar_chart(
            "satisfaction",
            f"Surveys answered and satisfied, by "
            f"{reports.satisfaction.DIMENSIONS[choice.by].lower()}, {choice.period.label}",
            ("Response rate", "Satisfied (4 or 5)"),
            [
                (r.label, (r.response_rate, r.satisfied_percent))
                for r in (*report.rows, report.total)
            ],
            unit="%",
            empty="no surveys sent",
        )

    def extra(self, report, choice):
        return {"dimensions": reports.satisfaction.DIMENSIONS}

    def filename(self, choice):
        return f"satisfaction-{choice.by}-{choice.period.key}"


REPORTS = "Reports"


def build_report_views():
    """Fresh report views for the "Reports" menu."""
    return [
        ServiceLevelReportView(
            name="Service levels",
            category=REPORTS,
            endpoint="service_level_report",
            url="/admin/reports/service-levels",
        ),
        ClientReportView(
            name="Client service report",
            category=REPORTS,
            endpoint="client_report",
            url="/admin/reports/clients",
        ),
        TimelinessReportView(
            name="Complaint timeliness",
            category=REPORTS,
            endpoint="timeliness_report",
            url="/admin/reports/timeliness",
        ),
        OutcomesReportView(
            name="Outcomes and reviews",
            category=REPORTS,
            endpoint="outcomes_report",
            url="/admin/reports/outcomes",
        ),
        TrendsReportView(
            name="Trends",
            category=REPORTS,
            endpoint="trends_report",
            url="/admin/reports/trends",
        ),
        AnnualReportView(
            name="Annual publication",
            category=REPORTS,
            endpoint="annual_report",
            url="/admin/reports/annual",
        ),
        ImprovementsReportView(
            name="Improvements",
            category=REPORTS,
            endpoint="improvements_report",
            url="/admin/reports/improvements",
        ),
        SatisfactionReportView(
            name="How it went",
            category=REPORTS,
            endpoint="satisfaction_report",
            url="/admin/reports/satisfaction",
        ),
    ]
