"""The admin home: what is on my plate today, each count a link to the filtered grid.

A panel per register the user may list. In it, the cases assigned to me: open, due within
two business days (in each case's own calendar), overdue, and waiting on the complainant;
for coordinators and administrators the same for their division; and all open cases they
may see. Every count uses the grid's own filter conditions (services.dashboard and
views.admin.filters) within the user's row scope, so it equals the rows its link shows.
"""

from dataclasses import dataclass

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from sqlalchemy import func, or_, select

from models import db, kinds, utcnow
from rules import permissions
from rules.vocabulary import (
    ADMINISTRATOR,
    COORDINATOR,
    DECISION_MAKER,
)
from services import access, dashboard

from ..context import current_actor
from .filters import awaiting_my_decision

DUE_SOON_DAYS = 2
# The grid filters' URL arguments (Flask-Admin's named filter URLs).
ASSIGNED = "assigned_to_me_is"
DIVISION = "in_my_division_is"
OPEN = "state_is"
OVERDUE = "overdue_is"
DUE_SOON = f"due_within_{DUE_SOON_DAYS}_business_days_is"
AWAITING_MY_DECISION = "extension_request_awaiting_my_decision_is"


def _count(statement) -> int:
    return db.session.execute(statement).scalar_one()


@dataclass(frozen=True)
class Register:
    """What the home page needs to know about one register to count its work: the kind
    of case it lists (its screen, model, statuses and due column) and the panel's words."""

    kind: kinds.CaseKind
    title: str
    # The officer columns that make a case "assigned to me" (as the grid's filter).
    assigned: tuple[str, ...]
    waiting_label: str
    has_division: bool

    @property
    def screen(self) -> str:
        return self.kind.name

    @property
    def case_type(self) -> str:
        return self.kind.name

    @property
    def model(self) -> type:
        return self.kind.model

    @property
    def status(self):
        return self.model.status

    @property
    def closed(self) -> frozenset:
        return self.kind.closed_statuses

    @property
    def due(self):
        return self.kind.next_due_column

    @property
    def paused(self):
        return self.model.paused_since

    def is_open(self):
        return self.status.notin_(self.closed)

    def mine(self, me):
        return or_(*(getattr(self.model, column) == me for column in self.assigned))


REGISTERS = (
    Register(
        kinds.COMPLAINT,
        "Complaints",
        ("manager_id", "decision_maker_id"),
        "Waiting on the complainant",
        True,
    ),
    Register(
        kinds.INTERNAL_REVIEW,
        "Internal reviews",
        ("reviewer_id",),
        "Waiting on the complainant",
        True,
    ),
    Register(
        kinds.TICKET,
        "Service-desk tickets",
        ("agent_id",),
        "Waiting on the client",
        False,
    ),
)


def _slug(label: str) -> str:
    return label.lower().replace(" ", "_") + "_is"


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        codes = access.capacity_codes(current_actor())
        panels = [
            self._panel(register)
            for register in REGISTERS
            if permissions.allowed(codes, register.screen, "list")
        ]
        return self.render("admin/home.html", panels=panels)

    def _panel(self, register: Register):
        endpoint = f"{register.screen}.index_view"
        count = select(func.count()).select_from(register.model)
        reachable = access.rows(current_actor(), register.screen, "list")
        if not access.is_everything(reachable):
            count = count.where(reachable)
        now = utcnow()
        work = (
            ("Open", None, register.is_open(), {}),
            (
                f"Due within {DUE_SOON_DAYS} business days",
                "due",
                dashboard.due_within_business_days(
                    db.session,
                    register.case_type,
                    register.due,
                    register.paused,
                    now,
                    DUE_SOON_DAYS,
                ),
                {DUE_SOON: 1},
            ),
            ("Overdue", "overdue", register.due < now, {OVERDUE: 1}),
            (
                register.waiting_label,
                "waiting",
                dashboard.waiting(register.case_type, register.status),
                {_slug(register.waiting_label): 1},
            ),
        )

        def section(title, key, condition, link_filter):
            rows = []
            for label, kind, measure, extra in work:
                filters = {link_filter: 1, OPEN: "open", **extra}
                args = {f"flt{n}_{name}": value for n, (name, value) in enumerate(filters.items())}
                rows.append(
                    {
                        "label": label,
                        "key": f"{key}:{kind or 'open'}",
                        "overdue": kind == "overdue",
                        "count": _count(count.where(register.is_open(), condition, measure))
                        if condition is not None
                        else 0,
                        "url": url_for(endpoint, **args),
                    }
                )
            return {"title": title, "key": key, "rows": rows}

        me = access.participant_id(current_actor())
        sections = [
            section(
                "Assigned to me",
                "mine",
                register.mine(me) if me is not None else None,
                ASSIGNED,
            )
        ]
        division = access.division_id(current_actor())
        codes = access.capacity_codes(current_actor())
        if register.has_division and division is not None and codes & {COORDINATOR, ADMINISTRATOR}:
            sections.append(
                section(
                    "My division",
                    "division",
                    dashboard.in_division(register.case_type, division),
                    DIVISION,
                )
            )
        if register.kind.extended and codes & {DECISION_MAKER, COORDINATOR}:
            # A case that can be extended: the extension requests waiting for whoever may
            # approve them to decide.
            sections.append(
                {
                    "title": "Extension requests",
                    "key": "extensions",
                    "rows": [
                        {
                            "label": "Awaiting my decision",
                            "key": "extensions:awaiting",
                            "overdue": False,
                            "count": _count(count.where(awaiting_my_decision())),
                            "url": url_for(endpoint, **{f"flt0_{AWAITING_MY_DECISION}": 1}),
                        }
                    ],
                }
            )
        all_open = {
            "label": "All open",
            "key": "all:open",
            "overdue": False,
            "count": _count(count.where(register.is_open())),
            "url": url_for(endpoint, flt0_state_is="open"),
        }
        return {"title": register.title, "sections": sections, "all_open": all_open}
