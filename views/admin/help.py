"""Help: how to work the desk with fewer clicks (keyboard shortcuts, bulk steps, the
one-form registration, the pickers), for every signed-in officer, from the menu."""

from flask import redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

# The shortcuts static/desk.js answers: (keys, what they do).
SHORTCUTS = (
    ("/", "Search: puts the cursor in the grid's search box (Esc leaves it)."),
    ("j", "Next row of the grid."),
    ("k", "Previous row of the grid."),
    ("Enter", "Open the row chosen with j or k (its details page)."),
)


class HelpView(BaseView):
    """The help page, reached from the menu."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        return self.render("admin/help.html", shortcuts=SHORTCUTS)
