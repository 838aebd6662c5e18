"""Sign-in hardening: failed sign-ins slowed down, cookies kept to this site, security headers.

Settings (app.config, most from the environment; see app.configure):

- SIGN_IN_LIMIT_PER_ACCOUNT, SIGN_IN_LIMIT_PER_ADDRESS: failed sign-ins allowed per
  username, and per client address, e.g. "5 per 15 minutes". Successes never count.
- RATELIMIT_STORAGE_URI: where the counts live. "memory://" counts per process; with several
  app servers use one Redis for all, e.g. "redis://127.0.0.1:6379/0".
- RATELIMIT_ENABLED: False switches the limits off (the tests do, except their own).
- SESSION_COOKIE_SECURE: the session cookie is Secure on every HTTPS request anyway;
  set it to force Secure always (e.g. behind a proxy that does not say the request was HTTPS).
- TRUSTED_PROXY_COUNT: how many reverse proxies stand in front of the app. Their
  X-Forwarded-For and X-Forwarded-Proto are then believed (werkzeug's ProxyFix), so the
  per-address limit counts the real client and HTTPS is recognised. 0 (default): believe none.
"""

import base64
import hashlib
import math
import re
import secrets
import time
from html import unescape

from flask import Request, has_request_context, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from extensions import make_limiter

TOO_MANY_SIGN_INS = (
    "Too many sign-in attempts for this account or from this address. "
    "Try again in {minutes} minute{s}."
)

# The inline scripts Flask-Admin's bootstrap4 templates write in attributes: filter links,
# inline-list "Add" buttons, the actions menu, the delete confirmation, and the
# `javascript:void(0)` links its dropdowns hang from. Each one a page carries is allowed by
# its hash; the patterns admit only Flask-Admin's own helpers called with a plain name.
ADMIN_INLINE_SCRIPTS = [
    re.compile(r"return false;"),
    re.compile(r"javascript:void\(0\)"),
    re.compile(r"faForm\.addInlineField\(this, '[\w-]+'\);"),
    re.compile(r"return modelActions\.execute\('[\w-]+'\);"),
    re.compile(r"return faHelpers\.safeConfirm\('[\w ,.?!]*'\);"),
]
_SCRIPT_ATTRIBUTE = re.compile(r"""\s(?:on[a-z]+|href)="([^"]*)\"""")

# Per-request state lives in the WSGI environ: `g` outlives a request whenever an app context
# was already pushed (as in the tests), and would carry it over to the next one.
FAILED_SIGN_IN = "portal.failed_sign_in"
CSP_NONCE = "portal.csp_nonce"


# Signing in


def record_failed_sign_in():
    """Count this request against the sign-in limits (called by the sign-in view)."""
    request.environ[FAILED_SIGN_IN] = True


def _sign_in_failed(response):
    return request.environ.get(FAILED_SIGN_IN, False)


SIGN_IN_STEPS = (
    "auth.login",
    "auth.second_factor_step",
    "auth.enrol_second_factor",
    "auth.account_second_factor",
)


def _account_key():
    # The username as the sign-in view looks it up, hashed: known or not, counted the same.
    # At the second factor, the account whose password was right.
    username = (request.form.get("username") or "").strip() or _username_signing_in()
    return "account:" + hashlib.sha256(username.encode()).hexdigest()[:32]


def _username_signing_in() -> str:
    from flask import session
    from flask_login import current_user

    from models import User, db

    if current_user.is_authenticated:
        return current_user.username
    pending = session.get("sign_in_pending")
    user_id = pending.get("user") if isinstance(pending, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user.username if user else ""


def _address_key():
    return "address:" + get_remote_address()


def init_sign_in_limits(app):
    """A limiter of this application's own on the sign-in POST; returns it.

    Flask-Limiter keeps its storage and on/off switch on the Limiter object, so one made per
    application keeps apps (the tests make many) from sharing counts or settings.
    """
    limiter = make_limiter(app)
    # The password and the second factor are limited alike, and counted together.
    for endpoint in SIGN_IN_STEPS:
        view = app.view_functions[endpoint]
        for setting, key in (
            ("SIGN_IN_LIMIT_PER_ACCOUNT", _account_key),
            ("SIGN_IN_LIMIT_PER_ADDRESS", _address_key),
        ):
            view = limiter.limit(
                app.config[setting], key_func=key, methods=["POST"], deduct_when=_sign_in_failed
            )(view)
        app.view_functions[endpoint] = view

    # Any breach is a sign-in one, unless a blueprint named a page of its own.
    @app.errorhandler(RateLimitExceeded)
    def too_many_sign_ins(error):
        breached = limiter.current_limit
        # When the oldest failure in the window drops out (RequestLimit.reset_at adds a second).
        seconds = max(1, math.ceil(breached.window[0] - time.time())) if breached else 60
        # Other parts of the site that set limits of their own say so in their own words.
        page = app.extensions.get("rate_limit_pages", {}).get(request.blueprint)
        if page is not None:
            response = app.make_response(page(seconds))
            response.headers["Retry-After"] = str(seconds)
            return response
        minutes = math.ceil(seconds / 60)
        message = TOO_MANY_SIGN_INS.format(minutes=minutes, s="" if minutes == 1 else "s")
        response = app.make_response((render_template("errors/429.html", message=message), 429))
        response.headers["Retry-After"] = str(seconds)
        return response

    return limiter


# Cookies


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(
            super().get_cookie_secure(app)
            or app.config.get("PREFERRED_URL_SCHEME") == "https"
            or (has_request_context() and request.is_secure)
        )


# Input


def _without_nul(text):
    return text.replace("\x00", "") if isinstance(text, str) else text


class ParametersWithoutNul(ImmutableMultiDict):
    """Query and form values with NUL characters dropped (uploaded files untouched).

    Nobody types one; they come from broken pastes and probes. PostgreSQL refuses text
    holding NUL, so one reaching a search, a sign-in or a save was a server error.
    """

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict):
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in mapping]
        super().__init__(mapping)


class PortalRequest(Request):
    parameter_storage_class = ParametersWithoutNul


# Headers


def csp_nonce():
    """This response's nonce for <script> and <style> elements: `nonce="{{ csp_nonce() }}"`."""
    return request.environ.setdefault(CSP_NONCE, secrets.token_urlsafe(16))


def hash_source(text):
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def admin_script_hashes(html):
    """Hash sources for the known Flask-Admin attribute scripts this page carries."""
    scripts = {
        script
        for script in map(unescape, _SCRIPT_ATTRIBUTE.findall(html))
        if any(pattern.fullmatch(script) for pattern in ADMIN_INLINE_SCRIPTS)
    }
    return [hash_source(script) for script in sorted(scripts)]


def content_security_policy(nonce=None, script_hashes=()):
    """This site only; inline code only by this response's nonce or a known hash.

    No 'unsafe-inline' anywhere: Flask-Admin's bootstrap4 screens need no inline styles, its
    <script> and <link> elements carry the nonce, and its attribute scripts are hashed.
    """
    nonce_source = [f"'nonce-{nonce}'"] if nonce else []
    scripts = ["'self'", *nonce_source]
    if script_hashes:
        scripts += ["'unsafe-hashes'", *script_hashes]
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(scripts),
        "style-src": " ".join(["'self'", *nonce_source]),
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response):
    script_hashes = ()
    if (
        response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
    ):
        script_hashes = admin_script_hashes(response.get_data(as_text=True))
    response.headers["Content-Security-Policy"] = content_security_policy(
        request.environ.get(CSP_NONCE), script_hashes
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A page reached by a personal link says no-referrer itself (views/case_page.py).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        # One year; subdomains are left to their own servers.
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def init_app(app, admin=None):
    if app.config.get("TRUSTED_PROXY_COUNT"):
        hops = int(app.config["TRUSTED_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = SessionInterface()
    app.request_class = PortalRequest
    init_sign_in_limits(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    if admin is not None:
        admin.csp_nonce_generator = csp_nonce
    app.after_request(add_security_headers)
