"""The complaints grid sorts by category and division through names kept on each complaint
(services/sort_names.py): set whichever door saves the complaint (the admin form sets the
category, the API and the import its id), changed with it, rewritten when a category or
division is renamed, and never shown in the history."""

import re

from sqlalchemy import select

from models import Category, Complaint, Division, HistoryEntry, db
from tests.admin_forms import form_values
from tests.test_api import lodge, team, token_for  # noqa: F401 (team: the fixture)


def kept(complaint):
    db.session.expire_all()
    row = db.session.get(Complaint, complaint.id)
    return row.category_name, row.division_name


def category(name):
    found = Category(code=re.sub(r"\W", "-", name.lower())[:20], name=name, sort_order=99)
    db.session.add(found)
    db.session.commit()
    return found


def test_every_door_keeps_the_names_and_a_rename_rewrites_them(client, team, make, auth):  # noqa: F811
    zebra, aardvark = category("Zebra crossings"), category("Aardvark permits")
    # The API names the category by its code: its id is what the complaint is given.
    response = lodge(client, token_for(team.coordinator), division=team.division,
                     category=zebra.code)  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    by_api = db.session.scalars(
        select(Complaint).where(Complaint.reference == response.get_json()["reference"])
    ).one()
    home = db.session.scalars(select(Division).where(Division.code == team.division)).one()
    assert kept(by_api) == ("Zebra crossings", home.name)

    # The admin form sets the category itself.
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={by_api.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["category"] = str(aardvark.id)
    assert client.post(url, data=data).status_code == 302
    assert kept(by_api) == ("Aardvark permits", home.name)

    # An object-level change (a step, a command) that sets the id.
    by_api = db.session.get(Complaint, by_api.id)
    by_api.category_id = zebra.id
    db.session.commit()
    assert kept(by_api) == ("Zebra crossings", home.name)

    # Renaming the category or the division rewrites every complaint of it.
    zebra = db.session.get(Category, zebra.id)
    zebra.name = "Pedestrian crossings"
    home = db.session.get(Division, home.id)
    home.name = "Customer Service Centre"
    db.session.commit()
    assert kept(by_api) == ("Pedestrian crossings", "Customer Service Centre")

    # The kept names are not changes anyone made: the history does not list them.
    changes = db.session.scalars(
        select(HistoryEntry.changes).where(
            HistoryEntry.record_type == "Complaint", HistoryEntry.record_id == by_api.id
        )
    ).all()
    assert not [c for c in changes if c and ("category_name" in c or "division_name" in c)]


def test_the_grid_sorted_by_category_lists_the_names_in_order(client, make, auth):
    make.user("admin", "administrator")
    names = ["Noise", "Accessibility", "Waste", "Licensing"]
    for name in names:
        make.complaint(category=category(name))
    make.complaint()  # no category
    auth.login("admin")
    page = client.get("/admin/complaint/").get_data(as_text=True)
    link = re.search(r'href="(/admin/complaint/\?sort=\d+[^"]*)" title="Sort by Category"', page)
    assert link, "no sortable Category heading"
    url = link.group(1).replace("&amp;", "&")

    def order(html):
        rows = html[html.index('class="col-category"') :]
        return sorted(names, key=rows.index)

    assert order(client.get(url).get_data(as_text=True)) == sorted(names)
    descending = order(client.get(url + "&desc=1").get_data(as_text=True))
    assert descending == sorted(names, reverse=True)
