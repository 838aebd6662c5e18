"""An API token's expiry looks forward: a future one is kept, a past one refused plainly."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import ApiToken, db, utcnow
from services import api_tokens
from tests.conftest import csrf_token

BRISBANE = ZoneInfo("Australia/Brisbane")


def typed(instant) -> str:
    """An instant as a person types it on the token screen (the portal's own time)."""
    return instant.astimezone(BRISBANE).strftime("%d/%m/%Y %H:%M")


def tokens() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ApiToken))


def issue_on_the_screen(client, user_id, expires: str):
    form = client.get("/admin/api_token/new/").get_data(as_text=True)
    return client.post(
        "/admin/api_token/new/",
        data={
            "csrf_token": csrf_token(form),
            "user": str(user_id),
            "name": "Online complaint form",
            "expires_at": expires,
        },
        follow_redirects=True,
    )


def test_an_administrator_issues_a_token_that_expires_in_a_month(client, auth, make):
    admin = make.user("admin", "administrator")
    auth.login("admin")
    expires = utcnow() + timedelta(days=30)
    page = issue_on_the_screen(client, admin.id, typed(expires))
    html = page.get_data(as_text=True)
    assert "is in the future" not in html and "not shown again" in html
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.expires_at == expires.replace(second=0, microsecond=0)


def test_a_token_expiry_that_has_passed_is_refused_with_the_input_kept(client, auth, make):
    admin = make.user("admin", "administrator")
    auth.login("admin")
    page = issue_on_the_screen(client, admin.id, "02/03/2026 09:00")
    html = page.get_data(as_text=True)
    assert "expiry must be in the future" in html
    assert "Online complaint form" in html
    assert tokens() == 0


def test_renaming_a_token_whose_expiry_has_passed_keeps_it(client, auth, make):
    admin = make.user("admin", "administrator")
    issued = api_tokens.issue(db.session, admin, "Old form")
    issued.token.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    auth.login("admin")
    url = f"/admin/api_token/edit/?id={issued.token.id}"
    form = client.get(url).get_data(as_text=True)
    kept = form.split('name="expires_at"')[1].split('value="')[1].split('"')[0]
    page = client.post(
        url,
        data={"csrf_token": csrf_token(form), "name": "Retired form", "expires_at": kept},
        follow_redirects=True,
    )
    assert "Saved" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ApiToken, issued.token.id).name == "Retired form"


def test_the_token_command_issues_a_token_that_expires_next_month(runner, make):
    make.user("coord", "coordinator")
    day = (utcnow() + timedelta(days=30)).date().isoformat()
    result = runner.invoke(
        args=["users", "token", "create", "coord", "--name", "Calls"]
        + [
            "--expires",
            day,
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(ApiToken)).scalar_one().expires_at.date().isoformat() == day


def test_the_token_command_refuses_an_expiry_that_has_passed(runner, make):
    make.user("coord", "coordinator")
    result = runner.invoke(
        args=["users", "token", "create", "coord", "--name", "Calls", "--expires", "2026-03-02"]
    )
    assert result.exit_code == 2
    assert "expiry must be in the future" in result.output
    assert tokens() == 0
