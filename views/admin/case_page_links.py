"""The coordinator's side of a case's own page: the personal links on the case's details
page (how many, last used, revoke them all), the late internal review requests made from
the page (accept or decline with reasons, on the complaint's page), and a screen listing
those waiting, so a coordinator can find them."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy import select
from wtforms import HiddenField, TextAreaField

from models import Complaint, LateReviewRequest, Ticket, db
from rules.errors import RuleViolation
from rules.vocabulary import ADMINISTRATOR, COORDINATOR
from services import access, case_contents, case_links, case_page
from services.localtime import local_text

from ..context import case_timezone, current_actor
from .fields import EXPIRED_FORM

# Who looks after a case's personal links and decides late review requests.
COORDINATING = frozenset({COORDINATOR, ADMINISTRATOR})


class RevokeLinksForm(SecureForm):
    reason = TextAreaField("Why (kept in the case's history)")


class DecideLateReviewForm(SecureForm):
    request_id = HiddenField()
    decision = HiddenField()
    reason = TextAreaField("Reasons")


def coordinates() -> bool:
    return bool(access.capacity_codes(current_actor()) & COORDINATING)


class CasePageLinks:
    """Mix into the complaint and ticket views: the case page panel on details, and its
    endpoints (revoke the links, decide a late review request)."""

    def case_page_panel(self, model) -> dict | None:
        if not isinstance(model, (Complaint, Ticket)):
            return None
        zone = case_timezone(model)
        links = (
            []
            if case_contents.known_empty_of(model, "case_link")
            else case_links.links_of(db.session, model)
        )
        live = [link for link in links if link.revoked_at is None]
        used = [link.last_used_at for link in links if link.last_used_at is not None]
        expires = case_links.expires_at(model)
        may_act = coordinates()
        late = []
        if isinstance(model, Complaint) and not case_contents.known_empty_of(
            model, "late_review_request"
        ):
            late = db.session.scalars(
                select(LateReviewRequest)
                .where(LateReviewRequest.complaint_id == model.id)
                .order_by(LateReviewRequest.requested_at.desc())
            ).all()
        token = SecureForm().csrf_token.current_token if may_act else None
        return {
            "live": len(live),
            "revoked": len(links) - len(live),
            "last_used": local_text(max(used), zone) if used else "",
            "expires": local_text(expires, zone) if expires else "",
            "revoke_url": self.get_url(".revoke_case_links_view", id=model.id)
            if may_act and live
            else None,
            "send_url": self.get_url(".send_case_link_view", id=model.id) if may_act else None,
            "csrf_token": token,
            "late": [
                {
                    "id": item.id,
                    "requested_at": local_text(item.requested_at, zone),
                    "grounds": item.grounds,
                    "status": item.status,
                    "decided_at": local_text(item.decided_at, zone),
                    "decided_by": str(item.decided_by or ""),
                    "reason": item.decision_reason or "",
                }
                for item in late
            ],
            "decide_url": self.get_url(".decide_late_review_view", id=model.id)
            if may_act
            else None,
        }

    def details_context(self, model):
        context = super().details_context(model)
        context["case_page"] = self.case_page_panel(model)
        return context

    @expose("/case-links/revoke/", methods=("POST",))
    def revoke_case_links_view(self):
        model = self.get_one(request.args.get("id"))
        if model is None:
            abort(404)
        details = self.get_url(".details_view", id=model.id)
        if not coordinates():
            flash("Only a coordinator or an administrator may revoke the case's links.", "error")
            return redirect(details)
        form = RevokeLinksForm(request.form)
        if not form.validate():
            flash(EXPIRED_FORM, "error")
            return redirect(details)
        try:
            count = case_links.revoke(db.session, model, current_user, reason=form.reason.data)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return redirect(details)
        flash(
            f"Revoked {count} personal link{'s' if count != 1 else ''} to the page of "
            f"{model.reference}: they open nothing now. The next letter carries a new one.",
            "success",
        )
        return redirect(details)

    @expose("/case-links/send/", methods=("POST",))
    def send_case_link_view(self):
        model = self.get_one(request.args.get("id"))
        if model is None:
            abort(404)
        details = self.get_url(".details_view", id=model.id)
        if not coordinates():
            flash("Only a coordinator or an administrator may send a fresh link.", "error")
            return redirect(details)
        if not SecureForm(request.form).validate():
            flash(EXPIRED_FORM, "error")
            return redirect(details)
        try:
            refusal = case_links.send_fresh(db.session, model, current_user)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return redirect(details)
        if refusal:
            flash(refusal, "error")
        else:
            flash(
                f"A fresh link to the page of {model.reference} is in the outbox: it goes "
                "with the next mail run.",
                "success",
            )
        return redirect(details)

    @expose("/late-review/decide/", methods=("POST",))
    def decide_late_review_view(self):
        model = self.get_one(request.args.get("id"))
        if model is None or not isinstance(model, Complaint):
            abort(404)
        details = self.get_url(".details_view", id=model.id)
        if not coordinates():
            flash("Only a coordinator or an administrator may decide a late request.", "error")
            return redirect(details)
        form = DecideLateReviewForm(request.form)
        if not form.validate():
            flash(EXPIRED_FORM, "error")
            return redirect(details)
        try:
            late = db.session.get(LateReviewRequest, int(form.request_id.data or 0))
        except ValueError:
            late = None
        if late is None or late.complaint_id != model.id:
            flash("That late request is not one of this complaint's.", "error")
            return redirect(details)
        if form.decision.data not in ("accept", "decline"):
            flash("Choose to accept or to decline the late request.", "error")
            return redirect(details)
        try:
            words = case_page.decide_late_request(
                db.session, late, current_user, form.decision.data == "accept", form.reason.data
            )
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return redirect(details)
        flash(f"{model.reference}: {words}", "success")
        return redirect(details)


class LateReviewRequestsView(BaseView):
    """The late internal review requests waiting for a coordinator, in the user's scope."""

    def is_accessible(self):
        return current_user.is_authenticated and coordinates()

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    @expose("/")
    def index(self):
        scope = access.rows(current_actor(), "complaint", "view")
        waiting = db.session.execute(
            select(LateReviewRequest, Complaint)
            .join(Complaint, LateReviewRequest.complaint_id == Complaint.id)
            .where(LateReviewRequest.status == "pending", scope)
            .order_by(LateReviewRequest.requested_at)
        ).all()
        rows = [
            {
                "reference": complaint.reference,
                "url": url_for("complaint.details_view", id=complaint.id),
                "requested_at": local_text(late.requested_at, case_timezone(complaint)),
                "window_ended": local_text(
                    complaint.review_request_due_at, case_timezone(complaint)
                ),
                "grounds": late.grounds,
            }
            for late, complaint in waiting
        ]
        return self.render("admin/late_review_requests.html", rows=rows)
