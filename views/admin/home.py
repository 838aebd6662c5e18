"""The admin home: what is on my plate today, each count a link to the filtered grid.

First the queues of each capacity the user holds (QUEUES): the work that is theirs, a
count and a link to the grid filtered to exactly those rows; beside them the saved views
the user sees (their own and their division's), counted for the user. Then a panel per register the
user may list: the cases assigned to me (open, due within two business days in each
case's own calendar, overdue, waiting on the complainant), for coordinators and
administrators the same for their division, and all open cases they may see.

Every count is the grid's own count for its link's arguments (views.admin.grid_counts:
the grid's filters, the user's row scope), so it equals the rows the link shows; the
counts of one grid are summed in one statement.
"""

from dataclasses import dataclass

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from sqlalchemy import or_

from models import kinds
from rules import permissions
from rules.vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)
from services import access

from ..context import current_actor
from .grid_counts import GridCounts
from .saved_views import count_of, counted_views

DUE_SOON_DAYS = 2
# The grid filters' URL arguments (Flask-Admin's named filter URLs).
ASSIGNED = "assigned_to_me_is"
DIVISION = "in_my_division_is"
OPEN = "state_is"
OVERDUE = "overdue_is"
DUE_SOON = f"due_within_{DUE_SOON_DAYS}_business_days_is"
AWAITING_MY_DECISION = "extension_request_awaiting_my_decision_is"
MANAGED_BY_ME = "managed_by_me_is"
WAITING = "waiting_on_the_complainant_is"
TO_REGISTER = "lodged_online_to_register_is"
UNASSIGNED = "unassigned_is"
REPLY_RECEIVED = "reply_received_unanswered_is"
DECISION_AWAITING_ME = "awaiting_my_decision_is"
SEVERITY = "severity_is"
FIRST_RESPONSE_DUE = "first_response_due_is"


@dataclass(frozen=True)
class Queue:
    """One piece of a capacity's work: the grid it lives in and the filters that find it."""

    key: str
    label: str
    endpoint: str
    # The grid's named filters and their values, in the order the link gives them.
    filters: tuple[tuple[str, str], ...]
    urgent: bool = False

    def args(self) -> dict[str, str]:
        return {f"flt{n}_{name}": value for n, (name, value) in enumerate(self.filters)}


ON = "1"
# Per capacity: the heading of its queues, and the queues, in the order they are worked.
# Every queue is of open cases (the "open" filter last), so that one grid's counts share
# that condition and are counted through the index of open cases (views/admin/grid_counts).
QUEUES: tuple[tuple[str, str, tuple[Queue, ...]], ...] = (
    (
        COORDINATOR,
        "My division's complaints",
        (
            Queue(
                "to_register",
                "Lodged online, to register",
                "complaint",
                ((TO_REGISTER, ON), (DIVISION, ON), (OPEN, "open")),
            ),
            Queue(
                "unassigned",
                "Unassigned",
                "complaint",
                ((UNASSIGNED, ON), (DIVISION, ON), (OPEN, "open")),
            ),
            Queue(
                "due",
                f"Due within {DUE_SOON_DAYS} business days",
                "complaint",
                ((DUE_SOON, ON), (DIVISION, ON), (OPEN, "open")),
            ),
            Queue(
                "overdue",
                "Overdue",
                "complaint",
                ((OVERDUE, ON), (DIVISION, ON), (OPEN, "open")),
                urgent=True,
            ),
            Queue(
                "replies",
                "Replies received",
                "complaint",
                ((REPLY_RECEIVED, ON), (DIVISION, ON), (OPEN, "open")),
            ),
        ),
    ),
    (
        COMPLAINT_MANAGER,
        "Complaints I manage",
        (
            Queue(
                "assigned",
                "Assigned to me",
                "complaint",
                ((MANAGED_BY_ME, ON), (OPEN, "open")),
            ),
            Queue(
                "waiting",
                "Waiting on the complainant",
                "complaint",
                ((MANAGED_BY_ME, ON), (WAITING, ON), (OPEN, "open")),
            ),
            Queue(
                "replies",
                "Replies received",
                "complaint",
                ((MANAGED_BY_ME, ON), (REPLY_RECEIVED, ON), (OPEN, "open")),
            ),
        ),
    ),
    (
        DECISION_MAKER,
        "Complaints I decide",
        (
            Queue(
                "awaiting",
                "Awaiting my decision",
                "complaint",
                ((DECISION_AWAITING_ME, ON), (OPEN, "open")),
            ),
        ),
    ),
    (
        INTERNAL_REVIEWER,
        "Internal reviews",
        (
            Queue(
                "mine",
                "My reviews",
                "internal_review",
                ((ASSIGNED, ON), (OPEN, "open")),
            ),
        ),
    ),
    (
        SUPPORT_AGENT,
        "Service desk",
        (
            Queue(
                "severity_1",
                "Severity 1 open",
                "ticket",
                ((SEVERITY, "1"), (OPEN, "open")),
                urgent=True,
            ),
            Queue(
                "unassigned",
                "Unassigned tickets",
                "ticket",
                ((UNASSIGNED, ON), (OPEN, "open")),
            ),
            Queue(
                "first_response",
                "First response due",
                "ticket",
                ((FIRST_RESPONSE_DUE, ON), (OPEN, "open")),
            ),
        ),
    ),
)


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
        actor = current_actor()
        codes = access.capacity_codes(actor)
        counts = GridCounts(self.admin, actor)
        queues = self._queues(codes, counts)
        panels = [
            self._panel(register, codes, counts)
            for register in REGISTERS
            if permissions.allowed(codes, register.screen, "list")
        ]
        saved = counted_views(self.admin, actor, counts)
        counts.run()
        for row in _rows(queues, panels):
            row["count"] = row.pop("wanted").count
        saved = [count_of(row) for row in saved]
        return self.render("admin/home.html", queues=queues, panels=panels, saved=saved)

    def _queues(self, codes, counts):
        groups = []
        for capacity, title, queues in QUEUES:
            if capacity not in codes:
                continue
            rows = []
            for queue in queues:
                wanted = counts.add(queue.endpoint, queue.args())
                if wanted is None:
                    continue
                rows.append(
                    {
                        "label": queue.label,
                        "key": f"queue:{capacity}:{queue.key}",
                        "overdue": queue.urgent,
                        "wanted": wanted,
                        "url": url_for(f"{queue.endpoint}.index_view", **queue.args()),
                    }
                )
            if rows:
                groups.append({"title": title, "key": capacity, "rows": rows})
        return groups

    def _panel(self, register: Register, codes, counts):
        endpoint = f"{register.screen}.index_view"
        work = (
            ("Open", "open", {}),
            (f"Due within {DUE_SOON_DAYS} business days", "due", {DUE_SOON: ON}),
            ("Overdue", "overdue", {OVERDUE: ON}),
            (register.waiting_label, "waiting", {_slug(register.waiting_label): ON}),
        )

        def row(label, key, filters, overdue=False):
            args = {f"flt{n}_{name}": value for n, (name, value) in enumerate(filters.items())}
            return {
                "label": label,
                "key": key,
                "overdue": overdue,
                "wanted": counts.add(register.screen, args),
                "url": url_for(endpoint, **args),
            }

        def section(title, key, link_filter):
            rows = [
                row(
                    label,
                    f"{key}:{kind}",
                    {link_filter: ON, OPEN: "open", **extra},
                    kind == "overdue",
                )
                for label, kind, extra in work
            ]
            return {"title": title, "key": key, "rows": rows}

        sections = [section("Assigned to me", "mine", ASSIGNED)]
        division = access.division_id(current_actor())
        if register.has_division and division is not None and codes & {COORDINATOR, ADMINISTRATOR}:
            sections.append(section("My division", "division", DIVISION))
        if register.kind.extended and codes & {DECISION_MAKER, COORDINATOR}:
            # A case that can be extended: the extension requests waiting for whoever may
            # approve them to decide.
            sections.append(
                {
                    "title": "Extension requests",
                    "key": "extensions",
                    "rows": [
                        row(
                            "Awaiting my decision",
                            "extensions:awaiting",
                            {AWAITING_MY_DECISION: ON, OPEN: "open"},
                        )
                    ],
                }
            )
        all_open = row("All open", "all:open", {OPEN: "open"})
        return {"title": register.title, "sections": sections, "all_open": all_open}


def _rows(queues, panels):
    for group in queues:
        yield from group["rows"]
    for panel in panels:
        for section in panel["sections"]:
            yield from section["rows"]
        yield panel["all_open"]
