"""Saved views: a grid's filters, search, sort and columns under a name, for oneself or
(coordinators, administrators) shared with one's division; each count and each list of
rows worked out for whoever reads it, never for the owner."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from models import Complaint, SavedView, db
from rules.errors import RuleViolation
from tests.conftest import csrf_token, login

LISTED = re.compile(r'class="nav-link active">List(?:\s*\((\d+)\))?</a>')
SAVED_ON_HOME = re.compile(
    r'<a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*" data-count="saved:(\d+)">'
    r"(\d+)</span>"
)


@pytest.fixture
def office(app, make):
    """Two divisions. In A: a coordinator, an administrator and two managers; in B, a
    coordinator. A's complaints: two the first manager manages (one of them confidential,
    from Zed), one nobody manages; and one in B."""
    a, b = make.division("Customer Services"), make.division("Licensing")
    make.user("coord", "coordinator", division=a)
    make.user("boss", "administrator", division=a)
    manager = make.user("manager", "complaint_manager", division=a).participant
    make.user("other", "complaint_manager", division=a)
    make.user("coord_b", "coordinator", division=b)
    zed = make.complainant("Zedmore")
    cases = {
        "managed": make.complaint(division=a, manager=manager),
        "confidential": make.complaint(
            division=a, manager=manager, complainant=zed, confidential=True
        ),
        "unmanaged": make.complaint(division=a),
        "elsewhere": make.complaint(division=b),
    }
    return {"a": a, "b": b, "cases": cases}


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def save(client, grid_url, name, shared=False, token=True):
    """Open a grid and send its *Save this view* form, as a browser would."""
    page = client.get(grid_url).get_data(as_text=True)
    form = re.search(
        r'<form method="POST" action="/admin/saved-views/save/".*?</form>', page, re.S
    )
    assert form, "the grid offers no Save this view form"
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', form.group(0))
    fields = dict(
        re.search(r'name="(\w+)"[^>]*value="([^"]*)"', tag).groups()
        for tag in hidden
        if 'value="' in tag
    )
    fields = {key: unescape(value) for key, value in fields.items()}
    if not token:
        fields.pop("csrf_token", None)
    fields["name"] = name
    if shared:
        fields["shared"] = "y"
    return client.post("/admin/saved-views/save/", data=fields, follow_redirects=True)


def home_views(client):
    page = client.get("/admin/").get_data(as_text=True)
    return {
        unescape(label): (int(count), unescape(url))
        for url, label, _, count in SAVED_ON_HOME.findall(page)
    }


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    found = LISTED.search(response.get_data(as_text=True))
    return int(found.group(1) or 0) if found else None


def saved_views():
    db.session.expire_all()
    return db.session.scalars(select(SavedView).order_by(SavedView.id)).all()


def test_a_saved_view_keeps_the_grids_filters_search_and_sort_and_counts_its_rows(app, office):
    coord = client_for(app, "coord")
    grid = "/admin/complaint/?flt0_state_is=open&sort=1&desc=1&page=2"
    page = save(coord, grid, "  Open,   newest first ").get_data(as_text=True)
    assert "Saved the view “Open, newest first” for you:" in page
    (view,) = saved_views()
    # The page it was on is not kept.
    assert parse_qs(view.query) == {"flt0_state_is": ["open"], "sort": ["1"], "desc": ["1"]}
    assert view.division_id is None and view.screen == "complaint"
    count, url = home_views(coord)["Open, newest first"]
    assert count == 3 == listed(coord, url)
    opened = coord.get(f"/admin/saved-views/{view.id}/")
    assert opened.status_code == 302
    assert urlsplit(opened.location).query == view.query


def test_a_view_shared_with_the_division_is_counted_for_each_reader_in_their_own_scope(
    app, office
):
    coord = client_for(app, "coord")
    save(coord, "/admin/complaint/?flt0_state_is=open", "Everything open", shared=True)
    (view,) = saved_views()
    assert view.division_id == office["a"].id
    assert home_views(coord)["Everything open"][0] == 3
    # The manager of two of them sees the view, and only their own two rows.
    manager = client_for(app, "manager")
    count, url = home_views(manager)["Everything open"]
    assert count == 2 == listed(manager, url)
    page = manager.get(url).get_data(as_text=True)
    assert office["cases"]["unmanaged"].reference not in page
    # A manager of none sees the view with nothing in it.
    other = client_for(app, "other")
    count, url = home_views(other)["Everything open"]
    assert count == 0 == listed(other, url)
    # On the Saved views page too, counted for the reader.
    listing = other.get("/admin/saved-views/").get_data(as_text=True)
    assert re.search(rf'data-count="saved:{view.id}">0<', listing)
    assert "Saved by coord" in listing


def test_a_view_is_invisible_to_another_division_and_to_other_people(app, office):
    coord = client_for(app, "coord")
    save(coord, "/admin/complaint/?flt0_state_is=open", "Shared", shared=True)
    save(coord, "/admin/complaint/?flt0_state_is=closed", "Mine only")
    shared, mine = saved_views()
    coord_b = client_for(app, "coord_b")
    assert home_views(coord_b) == {}
    listing = coord_b.get("/admin/saved-views/").get_data(as_text=True)
    assert "Shared" not in listing and "Mine only" not in listing
    for view in (shared, mine):
        assert coord_b.get(f"/admin/saved-views/{view.id}/").status_code == 404
    # In the same division, a view kept for oneself stays one's own.
    manager = client_for(app, "manager")
    assert set(home_views(manager)) == {"Shared"}
    assert manager.get(f"/admin/saved-views/{mine.id}/").status_code == 404


def test_search_in_a_shared_view_matches_a_confidential_name_only_for_those_who_may_see_it(
    app, office
):
    coord = client_for(app, "coord")
    save(coord, "/admin/complaint/?search=Zedmore", "Zed", shared=True)
    assert home_views(coord)["Zed"][0] == 1
    # The administrator reaches every complaint but may not see who this complainant is.
    boss = client_for(app, "boss")
    count, url = home_views(boss)["Zed"]
    assert count == 0 == listed(boss, url)


def test_only_coordinators_and_administrators_share_whatever_the_door(app, office, make):
    manager = client_for(app, "manager")
    page = save(manager, "/admin/complaint/", "All mine")
    assert "Share with my division" not in manager.get("/admin/complaint/").get_data(as_text=True)
    assert "Saved the view" in page.get_data(as_text=True)
    # Sharing posted by hand is refused, and nothing is saved.
    refused = save(manager, "/admin/complaint/", "Pushed on everyone", shared=True)
    assert "Only coordinators and administrators share views" in refused.get_data(as_text=True)
    assert [view.name for view in saved_views()] == ["All mine"]
    # Straight into the database (an import, a script): the flush refuses it too.
    owner = make.user("plain", "complaint_manager", division=office["a"])
    db.session.add(
        SavedView(owner_id=owner.id, name="Sneaky", screen="complaint", query="", division_id=1)
    )
    with pytest.raises(RuleViolation, match="only be shared by a coordinator"):
        db.session.flush()
    db.session.rollback()
    # A coordinator shares only with their own division.
    coordinator = make.user("coord2", "coordinator", division=office["a"])
    db.session.add(
        SavedView(
            owner_id=coordinator.id,
            name="Theirs",
            screen="complaint",
            query="",
            division_id=office["b"].id,
        )
    )
    with pytest.raises(RuleViolation):
        db.session.commit()
    db.session.rollback()
    assert [view.name for view in saved_views()] == ["All mine"]


def test_the_owner_renames_and_deletes_and_nobody_else_can(app, office):
    coord = client_for(app, "coord")
    save(coord, "/admin/complaint/?flt0_state_is=open", "Open", shared=True)
    save(coord, "/admin/complaint/?flt0_state_is=closed", "Closed")
    opened, closed = saved_views()
    listing = coord.get("/admin/saved-views/").get_data(as_text=True)
    token = csrf_token(listing)
    # A name already taken is refused, and nothing changes.
    page = coord.post(
        f"/admin/saved-views/{opened.id}/rename/",
        data={"csrf_token": token, "name": "Closed"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You already have a view called “Closed”" in page
    assert saved_views()[0].name == "Open"
    page = coord.post(
        f"/admin/saved-views/{opened.id}/rename/",
        data={"csrf_token": token, "name": "Open in the division"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Renamed the view “Open” to “Open in the division”" in page
    # Someone it is shared with may open it, not rename or delete it.
    manager = client_for(app, "manager")
    other_token = csrf_token(manager.get("/admin/complaint/").get_data(as_text=True))
    for action, data in (("rename", {"name": "Hijacked"}), ("delete", {})):
        response = manager.post(
            f"/admin/saved-views/{opened.id}/{action}/", data={"csrf_token": other_token, **data}
        )
        assert response.status_code == 404
    assert saved_views()[0].name == "Open in the division"
    # Without the form's token nothing happens.
    coord.post(f"/admin/saved-views/{closed.id}/delete/", data={}, follow_redirects=True)
    assert len(saved_views()) == 2
    page = coord.post(
        f"/admin/saved-views/{closed.id}/delete/",
        data={"csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Deleted the view “Closed”" in page
    assert [view.name for view in saved_views()] == ["Open in the division"]


def test_saving_without_the_forms_token_or_a_name_saves_nothing(app, office):
    coord = client_for(app, "coord")
    page = save(coord, "/admin/complaint/", "No token", token=False).get_data(as_text=True)
    assert "This form has expired" in page or "expired" in page
    page = save(coord, "/admin/complaint/", "   ").get_data(as_text=True)
    assert "Name the view" in page
    assert saved_views() == []
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 0


def test_columns_chosen_on_the_grid_are_kept_by_the_view(app, office):
    coord = client_for(app, "coord")
    chosen = coord.get(
        "/admin/complaint/?flt0_state_is=open&column=&column=reference&column=status"
    )
    assert chosen.status_code == 302
    assert parse_qs(urlsplit(chosen.location).query) == {
        "flt0_state_is": ["open"],
        "columns": ["reference,status"],
    }
    page = coord.get(chosen.location).get_data(as_text=True)
    headers = re.findall(r'<th class="column-header col-([\w-]+)">', page)
    assert headers == ["reference", "status"]
    save(coord, chosen.location, "Short list")
    (view,) = saved_views()
    assert parse_qs(view.query)["columns"] == ["reference,status"]
    count, url = home_views(coord)["Short list"]
    assert count == 3 == listed(coord, url)
    # Every box unticked: every column again.
    back = coord.get("/admin/complaint/?columns=reference&column=")
    assert "columns" not in back.location


def test_a_view_of_a_grid_the_reader_may_not_list_is_not_shown_to_them(app, office, make):
    coord = client_for(app, "coord")
    save(coord, "/admin/ticket/", "Desk", shared=True)
    # A complaint manager may not list tickets: the shared view is not offered to them.
    manager = client_for(app, "manager")
    assert "Desk" not in home_views(manager)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 4
