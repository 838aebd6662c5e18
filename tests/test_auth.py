import pytest

from models import User, db
from tests.conftest import csrf_token

WRONG = "The username or password is not right."


def test_login_page_has_a_labelled_form_with_a_csrf_token(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label for="username">' in html and '<label for="password">' in html
    assert csrf_token(html)
    assert "bootstrap4/css/bootstrap.min.css" in html


def test_signing_in_goes_to_the_admin_home_and_records_the_time(app, make, auth):
    make.user("coord", "coordinator")
    response = auth.login("coord")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    db.session.expire_all()
    user = db.session.execute(db.select(User).filter_by(username="coord")).scalar_one()
    assert user.last_login_at is not None
    home = auth.client.get("/admin/")
    assert home.status_code == 200
    assert "coord" in home.get_data(as_text=True)


def test_wrong_password_and_unknown_username_get_the_same_message(app, make, auth):
    make.user("coord", "coordinator")
    wrong_password = auth.login("coord", password="not the password")
    unknown_user = auth.login("nobody")
    for response in (wrong_password, unknown_user):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert WRONG in html
        assert "unknown" not in html.lower()
    assert auth.client.get("/admin/").status_code == 302


def test_a_post_without_the_csrf_token_does_not_sign_in(app, make, client):
    make.user("coord", "coordinator")
    response = client.post(
        "/login", data={"username": "coord", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_switched_off_account_is_refused(app, make, auth):
    user = make.user("gone", "coordinator")
    user.active = False
    db.session.commit()
    response = auth.login("gone")
    assert response.status_code == 200
    assert "switched off" in response.get_data(as_text=True)
    assert auth.client.get("/admin/").status_code == 302


def test_an_account_switched_off_while_signed_in_is_signed_out(app, make, auth):
    user = make.user("coord", "coordinator")
    auth.login("coord")
    assert auth.client.get("/admin/").status_code == 200
    user.active = False
    db.session.commit()
    response = auth.client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_next_on_this_site_is_honoured(app, make, client):
    make.user("coord", "coordinator")
    page = client.get("/login?next=/admin/complaint/")
    response = client.post(
        "/login?next=/admin/complaint/",
        data={
            "username": "coord",
            "password": "correct horse battery staple",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/admin/complaint/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "admin/",
        "/admin/\r\nSet-Cookie: x=1",
    ],
)
def test_next_pointing_off_site_is_ignored(app, make, client, target):
    make.user("coord", "coordinator")
    page = client.get("/login", query_string={"next": target})
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "coord",
            "password": "correct horse battery staple",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_signing_out_ends_the_session(app, make, auth):
    make.user("coord", "coordinator")
    auth.login("coord")
    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert auth.client.get("/admin/").status_code == 302


def test_the_site_root_leads_to_the_portal_and_from_there_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert "/login" in client.get("/", follow_redirects=True).request.path


def test_a_new_password_is_kept_as_an_argon2id_hash_with_owasps_parameters(app, make, auth):
    user = make.user("coord", "coordinator")
    user.set_password("a long enough passphrase")
    db.session.commit()
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password("a long enough passphrase")
    assert not user.check_password("a long enough passphrasE")
    assert auth.login("coord", password="a long enough passphrase").status_code == 302


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:600000"])
def test_an_older_kind_of_hash_still_signs_in_and_is_made_argon2id(app, make, auth, method):
    from werkzeug.security import generate_password_hash

    user = make.user("coord", "coordinator")
    user.password_hash = generate_password_hash("the old passphrase", method=method)
    db.session.commit()
    assert auth.login("coord", password="wrong").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).password_hash.startswith("$argon2")  # unchanged
    assert auth.login("coord", password="the old passphrase").status_code == 302
    db.session.expire_all()
    rehashed = db.session.get(User, user.id)
    assert rehashed.password_hash.startswith("$argon2id$")
    assert rehashed.check_password("the old passphrase")
    auth.logout()
    assert auth.login("coord", password="the old passphrase").status_code == 302
