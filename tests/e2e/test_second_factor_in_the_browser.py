"""An administrator signs in for the first time: sets up the second factor by scanning the
QR code the portal draws (here: typing the key shown beside it), keeps the recovery codes,
and next time signs in with a code from the app."""

import pyotp
import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def administrator(live_server):
    from models import Capacity, User, db

    live_server.app.config["SECOND_FACTOR_REQUIRED"] = "administrators"
    with live_server.app.app_context():
        account = User(username="root", active=True)
        account.set_password(PASSWORD)
        account.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code="administrator")).scalar_one()
        ]
        db.session.add(account)
        db.session.commit()
    return "root"


def sign_in(page, url, username):
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_administrator_sets_up_and_then_uses_a_second_factor(page, live_server, administrator):
    sign_in(page, live_server.url, administrator)
    page.wait_for_url("**/account/second-factor/set-up")
    assert page.locator("figure svg").count() == 1  # the QR code, drawn by the portal
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on the second factor").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="Sign out").click()

    # Next time: the password, then a code: a wrong one is refused; a recovery code (the
    # phone left at home) signs in.
    sign_in(page, live_server.url, administrator)
    page.wait_for_url("**/login/second-factor")
    field = page.get_by_label("Code from your app, or a recovery code")
    field.fill("000000")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("That code is not right")
    page.get_by_label("Code from your app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    assert "9 left" in page.content()
    assert not off_site(page.requested)
