"""The second factor at sign-in, and each person's own page to set it up, make new
recovery codes or turn it off (rules/second_factor.py, services/second_factor.py)."""

import time

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_admin.form import SecureForm
from flask_login import current_user
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired

from models import User, db
from rules import second_factor as rules
from services import second_factor

from .auth import PENDING, bp, complete_sign_in, home_url, pending_sign_in
from .security import record_failed_sign_in

WRONG_CODE = (
    "That code is not right, or it was used already. Type the six digits your "
    "authenticator app shows now, or one of your recovery codes."
)
EXPIRED = "The form had expired. Please try again."
# The secret being set up, until the person's app shows a good code for it.
ENROLLING = "second_factor_enrolling"


class CodeForm(SecureForm):
    code = StringField("Code", validators=[InputRequired()])


def _qr_code(uri: str) -> Markup:
    """The QR code as inline SVG, drawn here: no image service sees the secret."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor_step():
    pending, user = pending_sign_in()
    if user is None or not user.totp_secret:
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if form.validate():
            used = second_factor.accept(db.session, user, form.code.data, time.time())
            if used:
                db.session.commit()
                next_url = pending.get("next")
                complete_sign_in(user)
                if used == "recovery":
                    left = second_factor.recovery_codes_left(db.session, user.id)
                    flash(
                        f"You signed in with a recovery code; {left} left. If your phone is "
                        "lost, set up the second factor again on your Second factor page.",
                        "warning",
                    )
                return redirect(next_url or home_url())
            db.session.rollback()
            error = WRONG_CODE
        else:
            error = EXPIRED if "csrf_token" in form.errors else WRONG_CODE
        record_failed_sign_in()
    return render_template("auth/second_factor.html", form=form, error=error)


def _enrolling_user():
    """Who is setting up a second factor: the person signed in, or one signing in who
    must have one and has none yet."""
    if current_user.is_authenticated:
        return db.session.get(User, current_user.id), False
    _pending, user = pending_sign_in()
    if user is not None and not user.totp_secret:
        return user, True
    return None, False


@bp.route("/account/second-factor/set-up", methods=["GET", "POST"])
def enrol_second_factor():
    user, signing_in = _enrolling_user()
    if user is None:
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    if user.totp_secret and request.method == "GET":
        return redirect(url_for("auth.account_second_factor"))
    secret = session.get(ENROLLING)
    if not secret or request.method == "GET":
        secret = session[ENROLLING] = rules.new_secret()
    form = CodeForm(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if form.validate():
            step = rules.accepted_step(secret, form.code.data, time.time(), None)
            if step is not None and not user.totp_secret:
                codes = second_factor.enrol(db.session, user, secret, step)
                db.session.commit()
                session.pop(ENROLLING, None)
                next_url = None
                if signing_in:
                    next_url = session.get(PENDING, {}).get("next")
                    complete_sign_in(user)
                return render_template(
                    "auth/recovery_codes.html",
                    codes=codes,
                    continue_url=next_url or home_url(),
                    first_time=True,
                )
            error = (
                "That code is not right. Type the six digits the app shows for this "
                "account now (a new code comes every 30 seconds)."
            )
        else:
            error = EXPIRED if "csrf_token" in form.errors else "Type the six-digit code."
        record_failed_sign_in()
    uri = rules.provisioning_uri(secret, user.username)
    return render_template(
        "auth/enrol_second_factor.html",
        form=form,
        error=error,
        qr=_qr_code(uri),
        secret=rules.grouped(secret),
        signing_in=signing_in,
    )


@bp.route("/account/second-factor", methods=["GET", "POST"])
def account_second_factor():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    user = db.session.get(User, current_user.id)
    required = second_factor.required_of(user, current_app.config["SECOND_FACTOR_REQUIRED"])
    form = CodeForm(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST" and user.totp_secret:
        wanted = request.form.get("do")
        if not form.validate():
            error = EXPIRED if "csrf_token" in form.errors else "Type a code from your app."
        elif wanted == "turn_off" and required:
            error = "Your account must have a second factor: it cannot be turned off."
        elif not second_factor.accept(db.session, user, form.code.data, time.time()):
            db.session.rollback()
            error = WRONG_CODE
            record_failed_sign_in()
        elif wanted == "recovery_codes":
            codes = second_factor.new_recovery_codes(db.session, user)
            db.session.commit()
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                continue_url=url_for("auth.account_second_factor"),
                first_time=False,
            )
        elif wanted == "turn_off":
            second_factor.turn_off(db.session, user)
            db.session.commit()
            flash("The second factor is off. Sign in again with your password.", "info")
            return redirect(url_for("auth.login"))
        else:
            db.session.rollback()
            error = "Choose what to do."
    return render_template(
        "auth/account_second_factor.html",
        form=form,
        error=error,
        user=user,
        required=required,
        left=second_factor.recovery_codes_left(db.session, user.id) if user.totp_secret else 0,
    )
