"""The main menu is rendered once per set of capacities and screen, and kept: what is kept
is what a fresh render gives, each user sees the screens their own capacities list, and
the screen shown is the one marked active."""

import re

from flask import current_app


def menu_of(html: str) -> str:
    found = re.search(
        r'<ul class="nav navbar-nav mr-auto">(.*?)</ul>\s*<ul class="nav', html, re.S
    )
    assert found, "no main menu on the page"
    return found.group(1)


def links(menu: str) -> set[str]:
    return set(re.findall(r'href="(/admin/[^"]*)"', menu))


def test_each_user_gets_the_menu_of_their_own_capacities_kept_once(app, make, auth, client):
    make.user("admin", "administrator")
    make.user("coord", "coordinator")
    make.user("marsh", "complaint_manager")
    kept = app.extensions.setdefault("kept_fragments", {})
    kept.clear()

    auth.login("marsh")
    manager_menu = menu_of(client.get("/admin/complaint/").get_data(as_text=True))
    assert "/admin/complaint/" in links(manager_menu)
    assert "/admin/user/" not in links(manager_menu)
    assert len(kept) == 1
    again = menu_of(client.get("/admin/complaint/?page=1").get_data(as_text=True))
    assert again == manager_menu and len(kept) == 1  # kept: not rendered again
    auth.logout()

    auth.login("admin")
    admin_menu = menu_of(client.get("/admin/complaint/").get_data(as_text=True))
    assert "/admin/user/" in links(admin_menu)
    assert len(kept) == 2
    # Another screen marks its own item active.
    other = menu_of(client.get("/admin/user/").get_data(as_text=True))
    assert other != admin_menu and links(other) == links(admin_menu)
    assert re.search(r'class="dropdown-item active[^"]*" href="/admin/user/"', other)
    # What is kept is what a fresh render gives.
    kept.clear()
    assert menu_of(client.get("/admin/user/").get_data(as_text=True)) == other


def test_the_store_starts_again_when_full(app):
    from views.admin import fragments

    with app.test_request_context():
        kept = current_app.extensions.setdefault("kept_fragments", {})
        kept.clear()
        for number in range(fragments.MOST_KEPT):
            fragments.kept_fragment("part", number, caller=lambda: "x")
        assert len(kept) == fragments.MOST_KEPT
        calls = []
        shown = fragments.kept_fragment("part", "new", caller=lambda: calls.append(1) or "<b>")
        assert str(shown) == "<b>" and len(kept) == 1 and calls == [1]
        assert str(fragments.kept_fragment("part", "new", caller=lambda: "other")) == "<b>"


def test_fixed_addresses_are_built_once_and_follow_where_the_portal_is_mounted(
    app, make, auth, client
):
    """Static files and the top bar's links: the page gives the addresses a fresh build
    gives, under the prefix the portal is served at."""
    make.user("coord", "coordinator")
    kept = app.extensions.setdefault("kept_urls", {})
    kept.clear()
    auth.login("coord")
    html = client.get("/admin/complaint/").get_data(as_text=True)
    with app.test_request_context():
        from flask import url_for

        expected = [
            url_for("static", filename="portal.css"),
            url_for("admin.static", filename="vendor/jquery.min.js", v="3.5.1"),
            url_for("auth.logout"),
        ]
    for address in expected:
        assert f'"{address}"' in html.replace("&amp;", "&"), address
    built = len(kept)
    assert built >= 3
    client.get("/admin/complaint/?page=1")
    assert len(kept) == built  # kept: not built again
    # Mounted under a prefix (a reverse proxy's SCRIPT_NAME): its own addresses.
    mounted = client.get("/admin/complaint/", environ_overrides={"SCRIPT_NAME": "/portal"})
    assert mounted.status_code == 200
    assert '"/portal/static/portal.css"' in mounted.get_data(as_text=True)
    assert len(kept) > built
