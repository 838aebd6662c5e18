"""The admin home: what is on my plate today, each count a link to the filtered grid.

A panel per register the user may list, counting only the rows their scope reaches.
"""

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from sqlalchemy import func, or_, select

from models import Complaint, InternalReview, Ticket, db, utcnow
from rules import permissions
from rules.vocabulary import (
    COMPLAINT_CLOSED_STATUSES,
    REVIEW_CLOSED_STATUSES,
    TICKET_CLOSED_STATUSES,
)

from . import localtime, scope


def _count(statement) -> int:
    return db.session.execute(statement).scalar_one()


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        me = scope.my_participant_id()
        codes = scope.capacity_codes()
        panels = []
        if permissions.allowed(codes, "complaint", "list"):
            panels.append(
                self._panel(
                    "Complaints",
                    "complaint",
                    Complaint,
                    Complaint.status.notin_(COMPLAINT_CLOSED_STATUSES),
                    Complaint.next_due_at,
                    or_(Complaint.manager_id == me, Complaint.decision_maker_id == me),
                )
            )
        if permissions.allowed(codes, "internal_review", "list"):
            panels.append(
                self._panel(
                    "Internal reviews",
                    "internal_review",
                    InternalReview,
                    InternalReview.status.notin_(REVIEW_CLOSED_STATUSES),
                    InternalReview.due_at,
                    InternalReview.reviewer_id == me,
                    due_today=False,
                )
            )
        if permissions.allowed(codes, "ticket", "list"):
            panels.append(
                self._panel(
                    "Service-desk tickets",
                    "ticket",
                    Ticket,
                    Ticket.status.notin_(TICKET_CLOSED_STATUSES),
                    Ticket.next_due_at,
                    Ticket.agent_id == me,
                )
            )
        return self.render("admin/home.html", panels=panels)

    def _panel(self, title, screen, model, is_open, due, mine, due_today=True):
        endpoint = f"{screen}.index_view"
        count = select(func.count()).select_from(model)
        reachable = scope.rows(screen, "list")
        if not scope.is_everything(reachable):
            count = count.where(reachable)
        rows = [
            (
                "Open and assigned to me",
                _count(count.where(is_open, mine)) if scope.my_participant_id() else 0,
                url_for(endpoint, flt0_assigned_to_me_is=1, flt1_state_is="open"),
            ),
            (
                "Overdue",
                _count(count.where(is_open, due < utcnow())),
                url_for(endpoint, flt0_overdue_is=1),
            ),
        ]
        if due_today:
            start, end = localtime.day_bounds(localtime.today())
            rows.append(
                (
                    "Due today",
                    _count(count.where(is_open, due >= start, due < end)),
                    url_for(endpoint, flt0_due_today_is=1),
                )
            )
        rows.append(
            ("All open", _count(count.where(is_open)), url_for(endpoint, flt0_state_is="open"))
        )
        return {"title": title, "rows": rows}
