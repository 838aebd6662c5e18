"""Single sign-on with the department's identity provider (OpenID Connect, Authlib).

The provider vouches for a person; the portal signs in the one active account whose
person has that (verified) email address. Sign-in never creates an account: an
administrator makes it first. Local passwords stay for break-glass administrator
accounts (PASSWORD_SIGN_IN=administrators keeps them to those).
"""

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import abort, current_app, flash, redirect, session, url_for
from sqlalchemy import func, select

from models import Participant, User, db
from services.correspondence.letters import portal_address

from .auth import bp, complete_sign_in, home_url, safe_next

NOT_CONFIGURED = "Single sign-on is not set up here: sign in with your username and password."


def enabled(config) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def _client():
    """The provider's client, made from the settings the first time it is needed."""
    config = current_app.config
    if not enabled(config):
        abort(404)
    oauth = current_app.extensions.get("portal_oidc")
    if oauth is None:
        oauth = OAuth(current_app)
        oauth.register(
            "department",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config.get("OIDC_CLIENT_SECRET"),
            server_metadata_url=config["OIDC_ISSUER"].rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": config.get("OIDC_SCOPES") or "openid email profile"},
        )
        current_app.extensions["portal_oidc"] = oauth
    return oauth.department


def _callback_address() -> str | None:
    base = portal_address()
    return base + url_for("auth.sso_callback") if base else None


def _refused(message: str):
    session.pop("sso_next", None)
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.get("/login/sso")
def sso_start():
    from flask import request

    client = _client()
    callback = _callback_address()
    if callback is None:
        return _refused(
            "Single sign-on needs PORTAL_URL (the portal's address, which the identity "
            "provider sends people back to). Ask an administrator."
        )
    session["sso_next"] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(callback)
    except (OAuthError, OSError, ValueError) as problem:
        current_app.logger.warning("single sign-on: the identity provider: %s", problem)
        return _refused(
            "The department's sign-in service cannot be reached just now. Try again in a "
            "minute, or sign in with your username and password if you have one."
        )


@bp.get("/login/sso/callback")
def sso_callback():
    client = _client()
    try:
        token = client.authorize_access_token()
    except (OAuthError, OSError, ValueError) as problem:
        current_app.logger.warning("single sign-on refused: %s", problem)
        return _refused("The sign-in with the department's account did not complete. Try again.")
    claims = token.get("userinfo") or {}
    email = str(claims.get("email") or "").strip()
    if not email:
        return _refused("The department's sign-in service did not give an email address.")
    if claims.get("email_verified") is not True:
        return _refused(
            f"The department's sign-in service has not verified the address {email}, so it "
            "cannot sign you in here."
        )
    accounts = db.session.scalars(
        select(User)
        .join(User.participant)
        .where(func.lower(Participant.email) == email.lower(), User.active.is_(True))
    ).all()
    if len(accounts) != 1:
        reason = "no account" if not accounts else "more than one account"
        return _refused(
            f"There is {reason} of this portal for {email}. Ask an administrator "
            "(signing in with the department's account never makes an account)."
        )
    next_url = session.pop("sso_next", None)
    complete_sign_in(accounts[0])
    return redirect(next_url or home_url())
