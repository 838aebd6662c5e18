"""A member of staff signs in with the department's account: the button on the sign-in
page, the identity provider (a real OpenID Connect provider on this machine), and back to
the portal, signed in."""

import pytest

from tests.e2e.conftest import off_site
from tests.oidc_provider import running_provider

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def provider(live_server):
    from models import Participant, db

    with running_provider() as provider:
        live_server.app.config.update(
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID=provider.client_id,
            OIDC_CLIENT_SECRET=provider.client_secret,
            OIDC_PROVIDER_NAME="your department account",
            PORTAL_URL=live_server.url,
        )
        with live_server.app.app_context():
            casey = db.session.execute(
                db.select(Participant).filter_by(given_name="Casey", family_name="Coordinator")
            ).scalar_one()
            casey.email = "casey.coordinator@example.gov.au"
            db.session.commit()
        provider.person = {
            "sub": "casey",
            "email": "casey.coordinator@example.gov.au",
            "email_verified": True,
        }
        yield provider


def test_staff_sign_in_with_the_department_account(page, live_server, provider):
    page.goto(f"{live_server.url}/login?next=/admin/complaint/")
    page.get_by_role("link", name="Sign in with your department account").click()
    page.wait_for_url("**/admin/complaint/")
    assert "coord" in page.locator("nav").inner_text()
    # The only other host visited is the identity provider, on this machine.
    assert not off_site(page.requested)
    assert any(url.startswith(provider.issuer) for url in page.requested)
