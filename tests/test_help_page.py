"""The Help page: reached from the menu by every signed-in officer, listing the keyboard
shortcuts the pages answer (static/desk.js) and the ways to do more in fewer clicks."""

import pytest

from tests.test_workflow_screens import client_for


@pytest.mark.parametrize(
    "username, capacity", [("coord", "coordinator"), ("marsh", "complaint_manager")]
)
def test_every_officer_reaches_the_help_page_from_the_menu(app, make, username, capacity):
    make.user(username, capacity)
    client = client_for(app, username)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/help/"' in home
    page = client.get("/admin/help/").get_data(as_text=True)
    assert 'lang="en-AU"' in page
    for key in ("/", "j", "k", "Enter"):
        assert f"<kbd>{key}</kbd>" in page
    assert "New person…" in page and "With selected" in page


def test_the_help_page_asks_a_stranger_to_sign_in(client):
    response = client.get("/admin/help/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_the_shortcuts_the_help_page_lists_are_the_ones_the_script_answers(app):
    from pathlib import Path

    from views.admin.help import SHORTCUTS

    script = (Path(app.root_path) / "static" / "desk.js").read_text()
    for key, _ in SHORTCUTS:
        assert f'event.key === "{key}"' in script


def test_the_staff_sign_in_page_is_in_australian_english(client):
    assert '<html lang="en-AU">' in client.get("/login").get_data(as_text=True)
