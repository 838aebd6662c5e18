"""A staff member's notifications: the list (unread first, read or not, each linking to its
case), mark read, mark all read, and their preferences (which events also come by email;
whether they are on duty for severity 1 alerts). Every signed-in staff account has them;
each sees only their own. The bell in the navigation bar (templates/admin/portal_base.html)
shows the unread count through the `unread_notifications` global."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField

from models import Notification, db, kinds
from rules import notifications as rules
from rules.errors import RuleViolation
from services import notifications
from services.localtime import case_timezone, settings_in_force, zoned_text

from .fields import EXPIRED_FORM

PAGE_SIZE = 50
FILTERS = {"unread": "Unread", "read": "Read", "all": "All"}


def unread_notifications() -> int | None:
    """The signed-in person's unread count, for the bell (None when nobody is signed in)."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    return notifications.unread_count(db.session, current_user.id)


class ActionForm(SecureForm):
    """Mark read / mark all read: only the CSRF token."""


def preferences_form(emailed, on_duty, data=None):
    fields = {
        f"email_{code}": BooleanField(label, default=code in emailed)
        for code, label in rules.EVENTS.items()
    }
    fields["on_duty"] = BooleanField(
        "On duty: alert me of severity 1 tickets (support agents)", default=on_duty
    )
    form_class = type("PreferencesForm", (SecureForm,), fields)
    return form_class(data)


class NotificationsView(BaseView):
    """Hidden from the menu: the bell in the navigation bar leads here."""

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    def create_blueprint(self, admin):
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(unread_notifications, "unread_notifications")
        return blueprint

    @expose("/")
    def index(self):
        shown = request.args.get("show", "all")
        if shown not in FILTERS:
            shown = "all"
        query = select(Notification).where(Notification.user_id == current_user.id)
        if shown == "unread":
            query = query.where(Notification.read_at.is_(None))
        elif shown == "read":
            query = query.where(Notification.read_at.is_not(None))
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        rows = db.session.scalars(
            query.order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
            .order_by(Notification.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        zones = settings_in_force()

        def zone_of(row):
            # Shown in the local time of the case's calendar.
            case = db.session.get(kinds.by_name(row.case_type).model, row.case_id)
            return case_timezone(case, zones) if case is not None else zones.display_timezone

        items = [
            {
                "id": row.id,
                "title": row.title,
                "event": rules.EVENTS.get(row.event, row.event),
                "at": zoned_text(row.created_at, zone_of(row)),
                "read": row.read_at is not None,
                "emailed": row.emailed,
                "url": url_for(".open_case", notification_id=row.id),
            }
            for row in rows
        ]
        return self.render(
            "admin/notifications.html",
            items=items,
            shown=shown,
            filters=FILTERS,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            unread=notifications.unread_count(db.session, current_user.id),
            form=ActionForm(),
        )

    def _own(self, notification_id) -> Notification:
        row = db.session.get(Notification, notification_id)
        if row is None or row.user_id != current_user.id:
            abort(404)
        return row

    @expose("/<int:notification_id>/open")
    def open_case(self, notification_id):
        """Marks it read and opens its case."""
        row = self._own(notification_id)
        if row.read_at is None:
            notifications.mark_read(db.session, current_user.id, [row.id])
        return redirect(kinds.by_name(row.case_type).page_of(row.case_id))

    @expose("/<int:notification_id>/read", methods=("POST",))
    def mark_one(self, notification_id):
        self._own(notification_id)
        if not ActionForm(request.form).validate():
            flash(EXPIRED_FORM, "error")
        else:
            notifications.mark_read(db.session, current_user.id, [notification_id])
            flash("Marked as read.", "success")
        return redirect(url_for(".index", show=request.args.get("show", "all")))

    @expose("/read-all", methods=("POST",))
    def mark_all(self):
        if not ActionForm(request.form).validate():
            flash(EXPIRED_FORM, "error")
        else:
            count = notifications.mark_read(db.session, current_user.id)
            flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
        return redirect(url_for(".index"))

    @expose("/preferences/", methods=("GET", "POST"))
    def preferences(self):
        emailed, on_duty = notifications.preferences_of(db.session, current_user.id)
        form = preferences_form(
            emailed, on_duty, request.form if request.method == "POST" else None
        )
        if request.method == "POST":
            if not form.validate():
                flash(EXPIRED_FORM, "error")
            else:
                chosen = [code for code in rules.EVENTS if getattr(form, f"email_{code}").data]
                try:
                    notifications.save_preferences(
                        db.session, current_user.id, chosen, form.on_duty.data
                    )
                except RuleViolation as refused:
                    db.session.rollback()
                    flash(str(refused), "error")
                else:
                    flash("Your notification preferences are saved.", "success")
                    return redirect(url_for(".preferences"))
        return self.render(
            "admin/notification_preferences.html",
            form=form,
            events=rules.EVENTS,
        )
