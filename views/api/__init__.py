"""The JSON API, `/api/v1/`, for the channels that integrate with the register.

Authenticated by API tokens only (`Authorization: Bearer cpt_…`), never by the session
cookie, so the screens' CSRF protection has nothing to guard here. The token's account
becomes `current_user` for the request: the permission table, the row scopes and the
confidentiality masking are the screens' own (rules/permissions.py, services/access.py,
services/confidentiality.py), and every save runs the same flush hooks.

Errors are `application/problem+json` (views/api/problems.py).
"""

import logging

from flask import Blueprint, current_app, g, request
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from models import db
from services import api_tokens

from .problems import Problem, problem, unauthorised

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

NO_TOKEN = (
    "Send an API token in the Authorization header: `Authorization: Bearer cpt_…`. "
    "An administrator issues tokens under People → API tokens. Signing in to the screens "
    "does not authenticate the API."
)
BAD_TOKEN = {
    None: "This API token is not known. Check that it was copied whole; an administrator "
    "can issue a new one under People → API tokens.",
    "revoked": "This API token has been revoked. Ask an administrator for a new one.",
    "expired": "This API token has expired. Ask an administrator for a new one.",
    "account switched off": "The account this API token acts for is switched off, so the "
    "token no longer works.",
}
# Public: the document describes the API, it grants nothing.
OPEN_ENDPOINTS = frozenset({"api.openapi"})


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


@bp.before_request
def authenticate():
    """The token's account is the request's user; the session cookie counts for nothing."""
    g._login_user = AnonymousUserMixin()
    g.api_token = None
    secret = bearer_secret()
    if secret is None:
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        raise unauthorised(NO_TOKEN)
    token, state = api_tokens.find(db.session, secret)
    if token is None or state != "active":
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        raise unauthorised(BAD_TOKEN.get(state, BAD_TOKEN[None]))
    api_tokens.mark_used(db.session, token)
    g._login_user = token.user
    g.api_token = token
    return None


@bp.after_request
def no_caching(response):
    # Answers depend on the token: never stored by a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(Exception)
def error_response(error):
    """Any failure under /api/v1 as problem+json; nothing half-saved."""
    if isinstance(error, Problem):
        if error.status >= 400:
            db.session.rollback()
        return error.response()
    db.session.rollback()
    if isinstance(error, HTTPException):
        detail = error.description or ""
        if error.code == 404:
            detail = "There is nothing at this address. The API's paths are listed in " + (
                f"{PREFIX}/openapi.json."
            )
        elif error.code == 405:
            allowed = ", ".join(error.valid_methods or ())
            response = problem(405, f"This address does not take {request.method}: use {allowed}.")
            response.headers["Allow"] = allowed
            return response
        return problem(error.code or 500, detail)
    if isinstance(error, StaleDataError):
        return problem(
            409,
            "Someone else changed this record while your request was being saved. Nothing was "
            "saved: read it again and repeat your change.",
        )
    if isinstance(error, IntegrityError):
        return problem(
            409,
            "The database refused the change (a value must be unique, or something it refers "
            "to no longer exists). Nothing was saved.",
        )
    if isinstance(error, OperationalError):
        log.exception("Database unavailable for %s %s", request.method, request.path)
        return problem(
            503,
            "The database is busy or unavailable. Nothing was saved: retry in a moment "
            "(with the same Idempotency-Key for a write).",
            headers={"Retry-After": "5"},
        )
    if current_app.config.get("PROPAGATE_EXCEPTIONS") and current_app.config.get(
        "API_RAISE_UNEXPECTED"
    ):
        raise error
    log.exception("API failure on %s %s", request.method, request.path)
    return problem(
        500,
        "Something went wrong on our side and nothing was saved. Retry later; if it happens "
        "again, tell an administrator the time it happened.",
    )


def init_app(app):
    app.register_blueprint(bp)


# The endpoints add their routes to the blueprint.
from . import cases, notes, openapi, replies  # noqa: E402, F401
