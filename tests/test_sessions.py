"""A session can be ended: a cookie copied before sign-out, a new password, an account
switched off or an administrator's "sign out everywhere" opens nothing afterwards; idle and
long sessions end by themselves."""

from datetime import timedelta

import time_machine

from models import User, db, utcnow
from tests.admin_forms import form_values
from tests.conftest import csrf_token, login

GRID = "/admin/complaint/"


def signed_in(app, make, username="coord"):
    make.user(username, "coordinator")
    client = app.test_client()
    assert login(client, username).status_code == 302
    assert client.get(GRID).status_code == 200
    return client


def copy_of(app, client):
    """A second browser holding the same session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def asks_to_sign_in(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app, make):
    client = signed_in(app, make)
    thief = copy_of(app, client)
    assert thief.get(GRID).status_code == 200

    client.get("/logout")
    assert asks_to_sign_in(thief.get(GRID))
    # Nor does the copied CSRF token let it post anything.
    assert asks_to_sign_in(thief.post("/admin/complaint/new/", data={}))
    # Signing in again works, with a fresh session.
    assert login(client, "coord").status_code == 302
    assert client.get(GRID).status_code == 200
    assert asks_to_sign_in(thief.get(GRID))


def test_a_new_password_ends_every_session_through_the_form_and_the_command(app, make, runner):
    victim = signed_in(app, make, "victim")
    make.user("admin", "administrator")
    admin = app.test_client()
    login(admin, "admin")
    user_id = db.session.execute(db.select(User.id).filter_by(username="victim")).scalar_one()
    form = admin.get(f"/admin/user/edit/?id={user_id}").get_data(as_text=True)
    values = form_values(form)
    values["new_password"] = "a brand new password"
    saved = admin.post(f"/admin/user/edit/?id={user_id}", data=values)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert asks_to_sign_in(victim.get(GRID))
    assert admin.get(GRID).status_code == 200  # the administrator is not signed out

    again = app.test_client()
    assert login(again, "victim", password="a brand new password").status_code == 302
    assert again.get(GRID).status_code == 200
    result = runner.invoke(
        args=["users", "set-password", "victim", "--password", "another new password"]
    )
    assert result.exit_code == 0, result.output
    assert asks_to_sign_in(again.get(GRID))


def test_switching_an_account_off_ends_its_sessions(app, make, runner):
    client = signed_in(app, make)
    result = runner.invoke(args=["users", "deactivate", "coord"])
    assert result.exit_code == 0, result.output
    assert asks_to_sign_in(client.get(GRID))


def test_an_administrator_signs_an_account_out_everywhere(app, make):
    first = signed_in(app, make, "coord")
    second = app.test_client()
    login(second, "coord")
    make.user("admin", "administrator")
    admin = app.test_client()
    login(admin, "admin")
    user_id = db.session.execute(db.select(User.id).filter_by(username="coord")).scalar_one()
    grid = admin.get("/admin/user/").get_data(as_text=True)
    done = admin.post(
        "/admin/user/action/",
        data={
            "action": "sign_out_everywhere",
            "rowid": [str(user_id)],
            "csrf_token": csrf_token(grid),
        },
        follow_redirects=True,
    )
    assert "Signed out everywhere: coord." in done.get_data(as_text=True)
    assert asks_to_sign_in(first.get(GRID)) and asks_to_sign_in(second.get(GRID))
    page = first.get("/login").get_data(as_text=True)
    assert "You were signed out (your account was signed out everywhere" in page
    # Not something anyone else may do.
    assert login(first, "coord").status_code == 302
    refused = first.post(
        "/admin/user/action/",
        data={"action": "sign_out_everywhere", "rowid": [str(user_id)]},
    )
    assert refused.status_code in (302, 403) and first.get(GRID).status_code == 200


def test_an_idle_session_ends_after_the_idle_minutes_and_any_after_the_longest(app, make):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=2)
    client = signed_in(app, make)
    start = utcnow()
    # Used every 20 minutes, it stays signed in; two hours after signing in it ends.
    for minutes in (20, 40, 60, 80, 100):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(GRID).status_code == 200, minutes
    with time_machine.travel(start + timedelta(minutes=121), tick=False):
        assert asks_to_sign_in(client.get(GRID))
        assert "after 2 hours signed in" in client.get("/login").get_data(as_text=True)

    client = signed_in(app, make, "other")
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(GRID).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        assert asks_to_sign_in(client.get(GRID))
        assert "after 30 minutes without activity" in client.get("/login").get_data(as_text=True)
