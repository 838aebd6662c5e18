"""Sign-in hardening: failed sign-ins slowed down, cookies kept to this site, security headers."""

import os
import re
import uuid
from html import unescape

import pytest
from flask_admin.contrib.sqla import ModelView

from app import create_app
from models import db
from seed import reference
from tests.conftest import IN_CI, PASSWORD, Factory, csrf_token
from views.security import admin_script_hashes, content_security_policy, hash_source

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
INLINE_HANDLER = re.compile(r'\son[a-z]+="([^"]*)"')
JAVASCRIPT_LINK = re.compile(r'\shref="(javascript:[^"]*)"')
INLINE_ELEMENT = re.compile(r"<(?:script|style)\b[^>]*>")
STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')
ROW_LINK = re.compile(r'href="([^"]*/(?:edit|details)/\?id=[^"]+)"')
REFUSAL = re.compile(
    r"Too many sign-in attempts for this account or from this address\. "
    r"Try again in (\d+) minutes?\."
)


def limited_app(database, people=True, **settings):
    """An application with the sign-in limits on: 3 failures per account, 5 per address."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
            "SIGN_IN_LIMIT_PER_ADDRESS": "5 per 15 minutes",
            **settings,
        }
    )
    if people:
        with app.app_context():
            reference.load()
            Factory(app).user("coord", "coordinator")
            Factory(app).user("casey", "coordinator")
    return app


@pytest.fixture
def limited(database):
    app = limited_app(database)
    yield app
    with app.app_context():
        db.engine.dispose()


class SignIn:
    """Sign-in attempts from one client address, each with a fresh form."""

    def __init__(self, client, address="198.51.100.1"):
        self.client = client
        self.address = address

    def __call__(self, username, password=PASSWORD, address=None):
        environ = {"REMOTE_ADDR": address or self.address}
        page = self.client.get("/login", environ_base=environ)
        return self.client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            },
            environ_base=environ,
        )

    def fail(self, username, times, address=None):
        for _ in range(times):
            response = self(username, password="not the password", address=address)
            assert response.status_code == 200, "a wrong password is answered with the form"


def assert_refused(response):
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert REFUSAL.search(html), html
    assert int(response.headers["Retry-After"]) > 0
    # Each request has an id of its own, quoted on the page: the words are what must match.
    return html.replace(response.headers["X-Request-ID"], "the request id")


# Failed sign-ins


def test_the_default_limits_are_five_failures_per_account_and_twenty_per_address_in_15_minutes():
    app = create_app({"SECRET_KEY": "tests-only", "DATABASE_URL": "sqlite://"})
    assert app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    assert app.config["SIGN_IN_LIMIT_PER_ADDRESS"] == "20 per 15 minutes"
    assert app.config["RATELIMIT_STORAGE_URI"] == os.environ.get(
        "RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", "memory://")
    )


def test_wrong_passwords_for_one_account_are_refused_in_plain_words_even_with_the_right_one(
    limited,
):
    sign_in = SignIn(limited.test_client())
    sign_in.fail("coord", 3)
    html = assert_refused(sign_in("coord"))
    assert REFUSAL.search(html).group(1) == "15"
    assert "coord" not in html


def test_the_account_limit_holds_whichever_address_the_attempts_come_from(limited):
    sign_in = SignIn(limited.test_client())
    for number in range(3):
        sign_in.fail("coord", 1, address=f"198.51.100.{10 + number}")
    assert_refused(sign_in("coord", address="198.51.100.99"))


def test_the_address_limit_counts_failures_across_accounts(limited):
    sign_in = SignIn(limited.test_client())
    sign_in.fail("coord", 2)
    sign_in.fail("casey", 2)
    sign_in.fail("nobody", 1)
    assert_refused(sign_in("casey"))
    other_address = sign_in("casey", address="203.0.113.5")
    assert other_address.status_code == 302


def test_the_refusal_reads_the_same_for_an_unknown_username_as_for_a_real_account(limited):
    sign_in = SignIn(limited.test_client())
    sign_in.fail("coord", 3, address="198.51.100.1")
    sign_in.fail("nobody", 3, address="198.51.100.2")
    real = assert_refused(sign_in("coord", address="198.51.100.1"))
    unknown = assert_refused(sign_in("nobody", address="198.51.100.2"))
    assert real == unknown


def test_successful_sign_ins_do_not_count_against_the_limits(limited):
    client = limited.test_client()
    sign_in = SignIn(client)
    sign_in.fail("coord", 2)
    for _ in range(6):
        assert sign_in("coord").status_code == 302
        client.get("/logout")
    sign_in.fail("coord", 1)
    assert_refused(sign_in("coord"))


def test_other_peoples_successes_do_not_lock_anyone_out(limited):
    client = limited.test_client()
    sign_in = SignIn(client)
    for _ in range(6):
        assert sign_in("casey").status_code == 302
        client.get("/logout")
    assert sign_in("coord").status_code == 302


def test_the_sign_in_page_itself_is_never_refused(limited):
    client = limited.test_client()
    SignIn(client).fail("coord", 3)
    page = client.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert page.status_code == 200


def test_no_limits_apply_when_ratelimit_enabled_is_false(app, make, auth):
    make.user("coord", "coordinator")
    for _ in range(6):
        assert auth.login("coord", password="not the password").status_code == 200
    assert auth.login("coord").status_code == 302


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        message = f"Redis at {REDIS_URL} is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return client


def test_failed_sign_ins_are_counted_in_redis_when_it_is_configured(database):
    redis_client = redis_or_skip()
    prefix = f"portal-test-{uuid.uuid4().hex}"
    # Two app servers sharing one Redis: failures on one count on the other.
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first = limited_app(database, **settings)
    second = limited_app(database, people=False, **settings)
    try:
        SignIn(first.test_client()).fail("coord", 3)
        assert any(redis_client.scan_iter(match=f"*{prefix}*"))
        assert_refused(SignIn(second.test_client())("coord"))
    finally:
        for key in redis_client.scan_iter(match=f"*{prefix}*"):
            redis_client.delete(key)
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()


def test_sign_in_still_works_and_is_still_limited_when_redis_is_unreachable(database):
    app = limited_app(database, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = app.test_client()
    sign_in = SignIn(client)
    assert sign_in("casey").status_code == 302
    client.get("/logout")
    sign_in.fail("coord", 3)
    assert_refused(sign_in("coord"))
    with app.app_context():
        db.engine.dispose()


# `next` and switched-off accounts (see also tests/test_auth.py)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil"])
def test_next_pointing_off_site_is_dropped_from_the_form_and_the_redirect(
    app, make, client, target
):
    make.user("coord", "coordinator")
    page = client.get("/login", query_string={"next": target})
    assert "evil" not in page.get_data(as_text=True)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "coord",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/admin/"


def test_a_user_switched_off_while_signed_in_is_signed_out_on_their_next_request(app, make, auth):
    user = make.user("coord", "coordinator")
    auth.login("coord")
    assert auth.client.get("/admin/complaint/").status_code == 200
    user.active = False
    db.session.commit()
    response = auth.client.get("/admin/complaint/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# Cookies


def session_cookie(response):
    (cookie,) = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("session=")
    ]
    return [part.strip().lower() for part in cookie.split(";")]


def test_the_session_cookie_is_httponly_and_same_site_lax_and_not_secure_over_http(client):
    cookie = session_cookie(client.get("/login"))
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    cookie = session_cookie(client.get("/login", base_url="https://localhost"))
    assert {"secure", "httponly", "samesite=lax"} <= set(cookie)


def test_session_cookie_secure_makes_the_cookie_secure_even_over_http(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "secure" in session_cookie(app.test_client().get("/login"))


def test_signing_in_sets_only_the_session_cookie_with_no_remember_me_cookie(app, make, auth):
    make.user("coord", "coordinator")
    response = auth.login("coord")
    names = [header.split("=")[0] for header in response.headers.getlist("Set-Cookie")]
    assert names == ["session"]


def test_https_is_recognised_from_a_trusted_proxy_only(app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    untrusted = app.test_client().get("/login", headers=forwarded)
    assert "secure" not in session_cookie(untrusted)
    assert "Strict-Transport-Security" not in untrusted.headers

    behind_proxy = create_app(
        {"SECRET_KEY": "tests-only", "DATABASE_URL": "sqlite://", "TRUSTED_PROXY_COUNT": 1}
    )
    trusted = behind_proxy.test_client().get("/login", headers=forwarded)
    assert "secure" in session_cookie(trusted)
    assert "Strict-Transport-Security" in trusted.headers


# Headers


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/admin/",
        "/no/such/page",
        "/static/portal.css",
        "/admin/static/vendor/jquery.min.js",
    ],
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    directives = csp_directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_429_page_carries_the_security_headers_too(limited):
    sign_in = SignIn(limited.test_client())
    sign_in.fail("coord", 3)
    response = sign_in("coord")
    assert response.status_code == 429
    assert csp_directives(response)["frame-ancestors"] == "'none'"


def test_strict_transport_security_is_sent_over_https_only(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_content_security_policy_allows_this_site_only_and_no_inline_styles_or_eval():
    policy = content_security_policy("abc", ["'sha256-xyz'"])
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self' 'nonce-abc' 'unsafe-hashes' 'sha256-xyz'",
        "style-src": "'self' 'nonce-abc'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http" not in policy


def test_an_admin_page_carries_a_fresh_nonce_on_every_script(app, make, auth):
    make.user("boss", "administrator")
    auth.login("boss")
    nonces = []
    for _ in range(2):
        response = auth.client.get("/admin/complaint/")
        html = response.get_data(as_text=True)
        (nonce,) = set(re.findall(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]))
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_an_injected_event_handler_is_not_allowed_by_hash():
    assert admin_script_hashes('<img src="x" onerror="alert(1)">') == []
    assert admin_script_hashes('<a href="javascript:alert(1)">') == []
    assert admin_script_hashes("<a onclick=\"faForm.addInlineField(this, 'x');alert(1)\">") == []
    assert len(admin_script_hashes('<a href="javascript:void(0)" onclick="return false;">')) == 2


def test_every_script_attribute_on_the_admin_screens_is_allowed_by_the_policy(app, make, auth):
    """Lists, create, edit and details forms: anything inline the CSP would block fails here.

    Inline code belongs in a static file, or in an element with `nonce="{{ csp_nonce() }}"`;
    a handler Flask-Admin itself writes goes in views.security.ADMIN_INLINE_SCRIPTS.
    """
    make.user("boss", "administrator")
    auth.login("boss")
    client = auth.client
    (admin,) = app.extensions["admin"]
    with app.test_request_context():
        from flask import url_for

        pages = [
            url_for(f"{view.endpoint}.{endpoint}")
            for view in admin._views
            if isinstance(view, ModelView)
            for endpoint, allowed in (("index_view", True), ("create_view", view.can_create))
            if allowed
        ]
    blocked = []
    while pages:
        url = pages.pop()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        if url.endswith("/"):  # a list: open its first row's edit form and details too
            pages += [unescape(link) for link in ROW_LINK.findall(html)[:2]]
        policy = response.headers["Content-Security-Policy"]
        for script in INLINE_HANDLER.findall(html) + JAVASCRIPT_LINK.findall(html):
            if hash_source(unescape(script)) not in policy:
                blocked.append((url, script))
        (nonce,) = set(re.findall(r"'nonce-([^']+)'", policy))
        blocked += [(url, tag) for tag in INLINE_ELEMENT.findall(html) if nonce not in tag]
        blocked += [(url, style) for style in STYLE_ATTRIBUTE.findall(html)]
    assert blocked == []


# --- NUL characters --------------------------------------------------------------------

NUL = "\x00"


def test_a_nul_character_in_a_search_is_ignored_not_a_server_error(app, make, auth, client):
    """PostgreSQL cannot compare text holding NUL: the portal never hands it one."""
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="Counter closed early")
    auth.login("coord")
    for screen in ("complaint", "participant", "history"):
        response = client.get(f"/admin/{screen}/", query_string={"search": f"Counter{NUL}"})
        assert response.status_code in (200, 403), screen
    found = client.get("/admin/complaint/", query_string={"search": f"Counter{NUL} closed"})
    assert complaint.reference in found.get_data(as_text=True)


def test_a_nul_character_in_the_sign_in_form_is_refused_like_a_wrong_password(app, make, client):
    make.user("coord", "coordinator")
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": f"co{NUL}ord", "password": "wrong", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200
    assert "The username or password is not right." in response.get_data(as_text=True)
