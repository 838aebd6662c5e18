"""Parts of every staff page that depend only on who may see what, rendered once per
process and kept: the main menu asks each of some forty screens whether the signed-in
user may list it and builds its address, the same answer for everyone holding the same
capacities on the same screen.

In a template, around the part to keep:

    {% call kept_fragment("menu", menu_key(admin_view)) %}{{ layout.menu() }}{% endcall %}

The part is rendered (`caller()`) only when nothing is kept under its key yet.

Fixed addresses are kept the same way (`kept_url`: static files, through
admin/static.html, which every Flask-Admin template imports as `admin_static`).
"""

from flask import current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from services import access

from ..context import current_actor

# Enough for every combination of capacities a department uses on every screen; past it
# the store starts again (a menu costs a few milliseconds to render).
MOST_KEPT = 2_000


def kept_fragment(name: str, key, caller) -> Markup:
    kept = current_app.extensions.setdefault("kept_fragments", {})
    found = kept.get((name, key))
    if found is None:
        found = Markup(caller())
        if len(kept) >= MOST_KEPT:
            kept.clear()
        kept[(name, key)] = found
    return found


def menu_key(admin_view) -> tuple:
    """What the main menu depends on: the user's capacities (the screens they may list),
    the screen shown (marked active) and where the portal is mounted."""
    capacities = (
        tuple(sorted(access.capacity_codes(current_actor())))
        if current_user.is_authenticated
        else None
    )
    return capacities, admin_view.endpoint, request.script_root


def kept_url(endpoint: str, **values) -> str:
    """An address that is the same on every request to where the portal is mounted (a
    stylesheet, a script, the sign-out page), built once per process: some twenty a page."""
    kept = current_app.extensions.setdefault("kept_urls", {})
    key = (endpoint, tuple(sorted(values.items())), request.script_root)
    found = kept.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(kept) >= MOST_KEPT:
            kept.clear()
        kept[key] = found
    return found


def init_app(app):
    app.add_template_global(kept_fragment, "kept_fragment")
    app.add_template_global(menu_key, "menu_key")
    app.add_template_global(kept_url, "kept_url")
