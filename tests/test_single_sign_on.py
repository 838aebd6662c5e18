"""Single sign-on through the department's OpenID Connect provider (a real one over HTTP,
tests/oidc_provider.py): a verified email signs in the one account whose person has it;
sign-in never makes an account; an unverified address, an unknown one or a tampered
answer signs in nobody; passwords can be kept to administrators' break-glass accounts."""

import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token, login
from tests.oidc_provider import running_provider

HOME = "/admin/"


@pytest.fixture
def provider(app):
    with running_provider() as provider:
        app.config.update(
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID=provider.client_id,
            OIDC_CLIENT_SECRET=provider.client_secret,
            OIDC_PROVIDER_NAME="the Department of Examples account",
            PORTAL_URL="http://localhost",
        )
        yield provider


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def through_the_provider(client, next_url=None):
    """Press the button, let the provider sign the person in, come back."""
    start = client.get("/login/sso" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    opener = urllib.request.build_opener(NoRedirect())
    try:
        opener.open(start.headers["Location"], timeout=10)
        raise AssertionError("the provider did not send the browser back")
    except urllib.error.HTTPError as answer:
        back = answer.headers["Location"]
    parts = urlsplit(back)
    assert parts.path == "/login/sso/callback"
    return client.get(f"{parts.path}?{parts.query}")


def person_with_email(make, username, email, *capacities):
    user = make.user(username, *(capacities or ("coordinator",)))
    user.participant.email = email
    from models import db

    db.session.commit()
    return user


def test_the_sign_in_page_offers_the_department_account(client, provider):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with the Department of Examples account" in page


def test_a_verified_email_signs_in_its_one_account(app, client, make, provider):
    person_with_email(make, "casey", "Casey.Coordinator@example.gov.au")
    provider.person = {
        "sub": "c-1",
        "email": "casey.coordinator@example.gov.au",
        "email_verified": True,
    }
    back = through_the_provider(client, next_url="/admin/complaint/")
    assert back.status_code == 302 and back.headers["Location"] == "/admin/complaint/"
    assert client.get(HOME).status_code == 200
    assert "casey" in client.get(HOME).get_data(as_text=True)
    # Signing out ends it as for a password sign-in.
    client.get("/logout")
    assert client.get(HOME).status_code == 302


@pytest.mark.parametrize(
    "claims, message",
    [
        (
            {"sub": "x", "email": "nobody@example.gov.au", "email_verified": True},
            "There is no account of this portal for nobody@example.gov.au",
        ),
        (
            {"sub": "x", "email": "casey@example.gov.au", "email_verified": False},
            "has not verified the address casey@example.gov.au",
        ),
        ({"sub": "x"}, "did not give an email address"),
    ],
)
def test_no_account_is_made_and_nobody_signs_in_without_one_verified_match(
    app, client, make, provider, claims, message
):
    from models import User, db

    person_with_email(make, "casey", "casey@example.gov.au")
    accounts = db.session.query(User).count()
    provider.person = claims
    back = through_the_provider(client)
    assert back.headers["Location"].endswith("/login")
    assert message in client.get("/login").get_data(as_text=True)
    assert client.get(HOME).status_code == 302
    assert db.session.query(User).count() == accounts


def test_a_switched_off_account_is_not_signed_in(app, client, make, provider):
    from models import db

    user = person_with_email(make, "casey", "casey@example.gov.au")
    user.active = False
    db.session.commit()
    provider.person = {"sub": "c", "email": "casey@example.gov.au", "email_verified": True}
    through_the_provider(client)
    assert client.get(HOME).status_code == 302


def test_a_made_up_answer_to_the_callback_signs_in_nobody(app, client, make, provider):
    person_with_email(make, "casey", "casey@example.gov.au")
    client.get("/login/sso")
    forged = client.get("/login/sso/callback?code=made-up&state=made-up")
    assert forged.headers["Location"].endswith("/login")
    assert "did not complete" in client.get("/login").get_data(as_text=True)
    assert client.get(HOME).status_code == 302


def test_passwords_can_be_kept_to_break_glass_administrators(app, client, make, provider):
    app.config["PASSWORD_SIGN_IN"] = "administrators"
    person_with_email(make, "casey", "casey@example.gov.au")
    make.user("breakglass", "administrator")
    refused = login(client, "casey")
    assert refused.status_code == 200
    assert "passwords are kept for administrators" in refused.get_data(as_text=True)
    assert client.get(HOME).status_code == 302
    assert login(client, "breakglass").status_code == 302
    assert client.get(HOME).status_code == 200


def test_without_a_provider_there_is_no_button_and_no_sso_address(client):
    assert "Sign in with" not in client.get("/login").get_data(as_text=True).split("<form")[0]
    assert client.get("/login/sso").status_code == 404
    assert csrf_token(client.get("/login").get_data(as_text=True))
