"""A second factor: administrators set one up at their first sign-in and then sign in
with a code from their app (each code once), or a recovery code (each once); others may
choose one, or be required to by an administrator; a lost phone is reset by an
administrator; wrong codes count against the sign-in limits."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from models import User, db, utcnow
from tests.admin_forms import form_values
from tests.conftest import csrf_token, login
from tests.test_security import limited_app

HOME = "/admin/"


@pytest.fixture
def required_for_administrators(app):
    app.config["SECOND_FACTOR_REQUIRED"] = "administrators"
    return app


def step_later(seconds=31):
    """A moment when the app shows its next code."""
    return time_machine.travel(utcnow() + timedelta(seconds=seconds), tick=False)


def enrol(client, page_html):
    """Scan the QR code (read the key printed beside it) and type the app's code."""
    secret = re.search(r'<code[^>]*id="secret"[^>]*>([^<]+)</code>', page_html).group(1)
    secret = secret.replace(" ", "")
    done = client.post(
        "/account/second-factor/set-up",
        data={"csrf_token": csrf_token(page_html), "code": pyotp.TOTP(secret).now()},
    )
    return secret, done


def recovery_codes(html):
    return re.findall(r"<li>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</li>", html)


def code_step(client, code):
    page = client.get("/login/second-factor").get_data(as_text=True)
    return client.post("/login/second-factor", data={"csrf_token": csrf_token(page), "code": code})


def test_an_administrator_sets_up_a_second_factor_at_first_sign_in_then_needs_it(
    required_for_administrators, make
):
    app = required_for_administrators
    make.user("root", "administrator")
    client = app.test_client()
    first = login(client, "root")
    assert first.headers["Location"].endswith("/account/second-factor/set-up")
    # Half signed in is not signed in.
    assert "/login" in client.get(HOME).headers["Location"]
    page = client.get("/account/second-factor/set-up").get_data(as_text=True)
    assert "<svg" in page and 'aria-label="QR code' in page
    secret, done = enrol(client, page)
    codes = recovery_codes(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(HOME).status_code == 200
    user = db.session.scalar(select(User).filter_by(username="root"))
    db.session.refresh(user)
    assert user.totp_secret == secret and user.totp_enrolled_at is not None
    # Only hashes of the recovery codes are kept.
    assert all(
        code.replace("-", "") not in str(rc.code_hash)
        for rc in user.recovery_codes
        for code in codes
    )

    client.get("/logout")
    with step_later():
        assert login(client, "root").headers["Location"].endswith("/login/second-factor")
        wrong = code_step(client, "000000")
        assert "That code is not right" in wrong.get_data(as_text=True)
        code = pyotp.TOTP(secret).now()
        assert code_step(client, code).headers["Location"] == HOME
        assert client.get(HOME).status_code == 200
        # The same code a second time (a code seen over a shoulder) is refused.
        client.get("/logout")
        login(client, "root")
        assert "That code is not right" in code_step(client, code).get_data(as_text=True)
    with step_later(62):
        assert code_step(client, pyotp.TOTP(secret).now()).headers["Location"] == HOME

    # A recovery code works once.
    client.get("/logout")
    login(client, "root")
    used = code_step(client, codes[0].upper().replace("-", " "))
    assert used.headers["Location"] == HOME
    assert "9 left" in client.get(HOME, follow_redirects=True).get_data(as_text=True)
    client.get("/logout")
    login(client, "root")
    assert "That code is not right" in code_step(client, codes[0]).get_data(as_text=True)


def test_a_sign_in_waiting_for_its_code_expires_after_five_minutes(
    required_for_administrators, make
):
    app = required_for_administrators
    make.user("root", "administrator")
    client = app.test_client()
    login(client, "root")
    with step_later(6 * 60):
        page = client.get("/account/second-factor/set-up")
        assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_others_may_choose_a_second_factor_and_turn_it_off_again(
    required_for_administrators, make
):
    app = required_for_administrators
    make.user("coord", "coordinator")
    client = app.test_client()
    assert login(client, "coord").headers["Location"] == HOME  # not required of them
    account = client.get("/account/second-factor").get_data(as_text=True)
    assert "signs in with a password only" in account
    secret, done = enrol(
        client, client.get("/account/second-factor/set-up").get_data(as_text=True)
    )
    assert len(recovery_codes(done.get_data(as_text=True))) == 10
    client.get("/logout")
    assert login(client, "coord").headers["Location"].endswith("/login/second-factor")
    with step_later():
        code_step(client, pyotp.TOTP(secret).now())
        page = client.get("/account/second-factor").get_data(as_text=True)
        assert "Recovery codes left: <strong>10</strong>" in page
    with step_later(62):
        off = client.post(
            "/account/second-factor",
            data={
                "csrf_token": csrf_token(page),
                "code": pyotp.TOTP(secret).now(),
                "do": "turn_off",
            },
        )
    assert off.headers["Location"].endswith("/login")
    assert login(client, "coord").headers["Location"] == HOME


def test_an_administrator_requires_it_of_a_person_and_resets_a_lost_phone(
    required_for_administrators, make
):
    app = required_for_administrators
    app.config["SECOND_FACTOR_REQUIRED"] = "off"  # the administrator signs in as in the demo
    make.user("root", "administrator")
    make.user("coord", "coordinator")
    admin = app.test_client()
    login(admin, "root")
    coord_id = db.session.scalar(select(User.id).filter_by(username="coord"))
    values = form_values(admin.get(f"/admin/user/edit/?id={coord_id}").get_data(as_text=True))
    values["second_factor_required"] = "y"
    assert admin.post(f"/admin/user/edit/?id={coord_id}", data=values).status_code == 302

    coord = app.test_client()
    assert login(coord, "coord").headers["Location"].endswith("/account/second-factor/set-up")
    secret, _done = enrol(coord, coord.get("/account/second-factor/set-up").get_data(as_text=True))
    assert coord.get(HOME).status_code == 200
    # Required of them: the page offers no way to turn it off, and refuses a forged post.
    page = coord.get("/account/second-factor").get_data(as_text=True)
    assert "turn_off" not in page
    with step_later():
        refused = coord.post(
            "/account/second-factor",
            data={
                "csrf_token": csrf_token(page),
                "code": pyotp.TOTP(secret).now(),
                "do": "turn_off",
            },
        )
    assert "cannot be turned off" in refused.get_data(as_text=True)

    grid = admin.get("/admin/user/").get_data(as_text=True)
    reset = admin.post(
        "/admin/user/action/",
        data={
            "action": "reset_second_factor",
            "rowid": [str(coord_id)],
            "csrf_token": csrf_token(grid),
        },
        follow_redirects=True,
    )
    assert "Second factor removed: coord" in reset.get_data(as_text=True)
    assert "/login" in coord.get(HOME).headers["Location"]  # signed out everywhere
    assert login(coord, "coord").headers["Location"].endswith("/account/second-factor/set-up")


def test_wrong_codes_count_against_the_sign_in_limits(database):
    app = limited_app(database, SECOND_FACTOR_REQUIRED="everyone")
    client = app.test_client()
    login(client, "coord")
    page = client.get("/account/second-factor/set-up").get_data(as_text=True)
    statuses = []
    for _ in range(4):
        statuses.append(
            client.post(
                "/account/second-factor/set-up",
                data={"csrf_token": csrf_token(page), "code": "123456"},
            ).status_code
        )
    assert statuses == [200, 200, 200, 429]
    with app.app_context():
        db.engine.dispose()
