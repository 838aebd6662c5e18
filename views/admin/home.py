"""The admin home: what is on my plate today, each count a link to the filtered grid."""

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from sqlalchemy import func, or_, select

from models import Complaint, Ticket, db, utcnow
from rules.vocabulary import COMPLAINT_CLOSED_STATUSES, TICKET_CLOSED_STATUSES

from . import localtime, scope
from .capacities import REGISTER, TICKETS


def _count(statement) -> int:
    return db.session.execute(statement).scalar_one()


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        start, end = localtime.day_bounds(localtime.today())
        me = scope.my_participant_id()
        panels = []
        if scope.may_use(REGISTER):
            panels.append(
                self._panel(
                    "Complaints",
                    "complaint.index_view",
                    scope.complaints(select(func.count()).select_from(Complaint)),
                    Complaint.status.notin_(COMPLAINT_CLOSED_STATUSES),
                    Complaint.next_due_at,
                    or_(Complaint.manager_id == me, Complaint.decision_maker_id == me),
                    start,
                    end,
                )
            )
        if scope.may_use(TICKETS):
            panels.append(
                self._panel(
                    "Service-desk tickets",
                    "ticket.index_view",
                    select(func.count()).select_from(Ticket),
                    Ticket.status.notin_(TICKET_CLOSED_STATUSES),
                    Ticket.next_due_at,
                    Ticket.agent_id == me,
                    start,
                    end,
                )
            )
        return self.render("admin/home.html", panels=panels)

    def _panel(self, title, endpoint, count, is_open, due, mine, start, end):
        return {
            "title": title,
            "rows": [
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
                (
                    "Due today",
                    _count(count.where(is_open, due >= start, due < end)),
                    url_for(endpoint, flt0_due_today_is=1),
                ),
                (
                    "All open",
                    _count(count.where(is_open)),
                    url_for(endpoint, flt0_state_is="open"),
                ),
            ],
        }
