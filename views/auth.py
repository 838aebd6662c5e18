"""Sign in and out: Flask-Login with a session-keyed CSRF form."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_admin.form import SecureForm
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from extensions import login_manager
from models import User, db, utcnow
from rules import passwords
from rules.vocabulary import ADMINISTRATOR
from services import notifications, second_factor, sessions
from services.clocks.engines import remember_stamp, stamp_column

from .security import record_failed_sign_in

WRONG_CREDENTIALS = "The username or password is not right."
SWITCHED_OFF = "This account is switched off. Ask an administrator if you need it again."
PASSWORDS_FOR_ADMINISTRATORS = (
    "Sign in with {provider} (the button above): here passwords are kept for "
    "administrators' break-glass accounts."
)

bp = Blueprint("auth", __name__)

# Compared against when the username is unknown, so both wrong parts take as long.
_NO_SUCH_USER_HASH = passwords.hash_password("no such user")


class LoginForm(SecureForm):
    username = StringField("Username", validators=[InputRequired()])
    password = PasswordField("Password", validators=[InputRequired()])


@login_manager.user_loader
def load_user(user_id):
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    # The account, its person and its capacities, the configuration stamp (whether the
    # calendars this process keeps are current) and the unread notifications count: one
    # statement on every request.
    found = (
        db.session.execute(
            select(User, stamp_column(), notifications.unread_count_of(user_id))
            .where(User.id == user_id)
            .options(joinedload(User.participant), joinedload(User.capacities))
        )
        .unique()
        .first()
    )
    user = found[0] if found is not None else None
    # A switched-off account is signed out on its next request.
    if user is None or not user.active:
        return None
    now = time.time()
    config = current_app.config
    refused = sessions.refusal(
        session, user, now, config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]
    )
    if refused:
        # The sign-in page says why; nothing else of the ended session carries over.
        session.clear()
        session["signed_out_because"] = refused
        return None
    # Kept to the minute: the cookie is not sent again on every request for this alone.
    if now - session["seen_at"] >= 60:
        session["seen_at"] = now
    remember_stamp(db.session, found[1])
    notifications.remember_unread(user.id, found[2])
    return user


def safe_next(target: str | None) -> str | None:
    """A path on this site ("/admin/..."), never another host or scheme."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_url():
    return url_for("admin.index")


@bp.route("/")
def root():
    """The address bin/run prints: the portal's home, or sign-in first."""
    return redirect(home_url())


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or home_url())
    form = LoginForm(request.form if request.method == "POST" else None)
    error = None
    notice = session.pop("signed_out_because", None)
    if request.method == "POST":
        if form.validate():
            user = db.session.execute(
                db.select(User).filter_by(username=form.username.data.strip())
            ).scalar_one_or_none()
            if user is None:
                passwords.verify(_NO_SUCH_USER_HASH, form.password.data)
                error = WRONG_CREDENTIALS
            elif not user.check_password(form.password.data):
                error = WRONG_CREDENTIALS
            elif not user.active:
                error = SWITCHED_OFF
            elif not _may_use_a_password(user):
                error = PASSWORDS_FOR_ADMINISTRATORS.format(
                    provider=current_app.config["OIDC_PROVIDER_NAME"]
                )
            else:
                if passwords.needs_rehash(user.password_hash):
                    # A plain UPDATE: an old kind of hash of the same password made again as
                    # argon2id is not a change to the account's history.
                    db.session.execute(
                        update(User)
                        .where(User.id == user.id)
                        .values(password_hash=passwords.hash_password(form.password.data)),
                        execution_options={"synchronize_session": False},
                    )
                    db.session.commit()
                second = current_app.config["SECOND_FACTOR_REQUIRED"]
                if user.totp_secret or second_factor.required_of(user, second):
                    # The password was right; the second factor comes next (or is set up).
                    session.clear()
                    session[PENDING] = {"user": user.id, "since": time.time(), "next": next_url}
                    if user.totp_secret:
                        return redirect(url_for("auth.second_factor_step"))
                    return redirect(url_for("auth.enrol_second_factor"))
                complete_sign_in(user)
                return redirect(next_url or home_url())
        elif "csrf_token" in form.errors:
            error = "The form had expired. Please sign in again."
        else:
            error = WRONG_CREDENTIALS
        # Whatever the reason, an attempt that did not sign in counts against the limits.
        record_failed_sign_in()
    config = current_app.config
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        notice=notice,
        next_url=next_url,
        single_sign_on=bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")),
        provider=config["OIDC_PROVIDER_NAME"],
    )


def _may_use_a_password(user: User) -> bool:
    """PASSWORD_SIGN_IN=administrators: everyone else signs in through the identity
    provider; administrators keep their password as the way in when it is down."""
    if str(current_app.config.get("PASSWORD_SIGN_IN", "everyone")).lower() != "administrators":
        return True
    return ADMINISTRATOR in user.capacity_codes


# The sign-in under way between the password and the second factor: whose, since when.
PENDING = "sign_in_pending"
PENDING_SECONDS = 300


def complete_sign_in(user: User) -> None:
    """Sign `user` in: a fresh session of the account's current generation."""
    session.clear()  # nothing from before sign-in carries over
    login_user(user)
    now = time.time()
    session["generation"] = user.session_generation or 0
    session["signed_in_at"] = session["seen_at"] = now
    # A plain UPDATE: signing in is not a change to the account's history.
    db.session.execute(
        update(User).where(User.id == user.id).values(last_login_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def pending_sign_in() -> tuple[dict, User | None]:
    """The sign-in waiting for its second factor, and its account; None when there is none,
    it is older than PENDING_SECONDS, or the account was switched off meanwhile."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return {}, None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active:
        return {}, None
    return pending, user


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if current_user.is_authenticated:
        # Every session of the account ends, on every server: a copied cookie included.
        sessions.end_every_session(db.session, current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _forget_cached_user():
    # Flask-Login keeps the user on `g`; load it afresh each request so that an account
    # switched off meanwhile is signed out even when an app context outlives a request.
    g.pop("_login_user", None)


def init_app(app):
    login_manager.init_app(app)
    app.before_request(_forget_cached_user)
    app.register_blueprint(bp)
