"""Saved views: the grid's current filters, search, sort and columns kept under a name.

*Save this view* under each grid (templates/admin/_save_view.html) posts here; *Saved
views* in the menu lists the views the user sees (their own, and those shared with their
division) with their counts, counted for the user who reads them (views.admin.grid_counts),
and lets the owner rename or delete theirs. Opening a view goes to its grid with its
arguments, where the grid's own scope applies. services/saved_views.py keeps the rules.
"""

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from models import db
from rules.errors import RuleViolation
from services import saved_views

from ..context import current_actor
from .fields import EXPIRED_FORM
from .grid_counts import GridCounts, grid_of


class SaveViewForm(SecureForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Name the view: a few words you will recognise in the menu."),
            Length(max=saved_views.NAME_LIMIT),
        ],
    )
    shared = BooleanField("Share with my division")
    screen = HiddenField()
    query = HiddenField()


class RenameViewForm(SecureForm):
    name = StringField(
        "New name",
        validators=[
            DataRequired("Name the view: a few words you will recognise in the menu."),
            Length(max=saved_views.NAME_LIMIT),
        ],
    )


class DeleteViewForm(SecureForm):
    pass


def save_view_form(grid):
    """The form under a grid that saves its current arguments (None when not signed in)."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    form = SaveViewForm()
    form.screen.data = grid.screen
    form.query.data = saved_views.grid_arguments(request.query_string.decode("latin-1"))
    return form


def may_share_views():
    return saved_views.may_share(current_actor())


def _flash_errors(form):
    if "csrf_token" in form.errors:
        flash(EXPIRED_FORM, "error")
        return
    for name, errors in form.errors.items():
        flash(f"{form[name].label.text}: {' '.join(errors)}", "error")


def counted_views(admin, actor, counts: GridCounts):
    """The views the user sees, each with its grid's name, its address and its count for
    them (filled in when `counts` runs: call `count_of` on each row afterwards)."""
    rows = []
    for view in saved_views.visible(db.session, actor):
        grid = grid_of(admin, view.screen)
        wanted = counts.add(view.screen, dict(parse_qsl(view.query))) if grid else None
        if wanted is None:
            continue  # a grid the user may not list: nothing to show them
        rows.append(
            {
                "view": view,
                "grid_name": grid.name,
                "wanted": wanted,
                "url": grid_address(grid, view),
                "mine": view.owner_id == actor.id,
            }
        )
    return rows


def grid_address(grid, view) -> str:
    """The grid with the view's arguments: the rows the view's count counts."""
    url = url_for(f"{grid.endpoint}.index_view")
    return f"{url}?{view.query}" if view.query else url


def count_of(row):
    row["count"] = row.pop("wanted").count
    return row


class SavedViewsView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        actor = current_actor()
        counts = GridCounts(self.admin, actor)
        views = counted_views(self.admin, actor, counts)
        counts.run()
        return self.render(
            "admin/saved_views.html",
            views=[count_of(row) for row in views],
            rename_form=RenameViewForm,
            delete_form=DeleteViewForm(),
        )

    @expose("/save/", methods=("POST",))
    def save(self):
        form = SaveViewForm(request.form)
        grid = grid_of(self.admin, form.screen.data or "")
        back = url_for(f"{grid.endpoint}.index_view") if grid is not None else url_for(".index")
        if grid is None or not grid.may("list"):
            abort(404)
        if form.query.data:
            back += "?" + saved_views.grid_arguments(form.query.data)
        if not form.validate():
            _flash_errors(form)
            return redirect(back)
        try:
            view = saved_views.save(
                db.session,
                current_actor(),
                name=form.name.data,
                screen=grid.screen,
                query=form.query.data,
                shared=form.shared.data,
            )
            db.session.commit()
        except RuleViolation as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(back)
        whose = "your division" if view.division_id is not None else "you"
        flash(f"Saved the view “{view.name}” for {whose}: it is under Saved views.", "success")
        return redirect(back)

    @expose("/<int:view_id>/")
    def open_view(self, view_id):
        view = saved_views.find(db.session, current_actor(), view_id)
        grid = grid_of(self.admin, view.screen) if view is not None else None
        if grid is None:
            abort(404)
        return redirect(grid_address(grid, view))

    @expose("/<int:view_id>/rename/", methods=("POST",))
    def rename(self, view_id):
        view = saved_views.find(db.session, current_actor(), view_id, owned=True)
        if view is None:
            abort(404)
        form = RenameViewForm(request.form)
        if not form.validate():
            _flash_errors(form)
            return redirect(url_for(".index"))
        old = view.name
        try:
            saved_views.rename(db.session, current_actor(), view, form.name.data)
            db.session.commit()
        except RuleViolation as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for(".index"))
        flash(f"Renamed the view “{old}” to “{view.name}”.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:view_id>/delete/", methods=("POST",))
    def delete(self, view_id):
        view = saved_views.find(db.session, current_actor(), view_id, owned=True)
        if view is None:
            abort(404)
        form = DeleteViewForm(request.form)
        if not form.validate():
            _flash_errors(form)
            return redirect(url_for(".index"))
        name = view.name
        saved_views.delete(db.session, current_actor(), view)
        db.session.commit()
        flash(f"Deleted the view “{name}”.", "success")
        return redirect(url_for(".index"))


def init_app(app):
    app.add_template_global(save_view_form, "save_view_form")
    app.add_template_global(may_share_views, "may_share_views")
