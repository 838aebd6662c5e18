""" "How it went": the satisfaction survey a complainant or client opens from the link in
their email. No sign-in; a plain HTML form that works with JavaScript off, with a session
CSRF token and a per-address limit on answers (SURVEY_LIMIT).

A link that is unknown, tampered with, expired, or from before surveys were switched off
gets one plain page, the same for all: it says nothing of whether a case is behind it.
"""

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_admin.form import SecureForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from models import db
from services import surveys

bp = Blueprint("survey", __name__, url_prefix="/survey")

SCORES = [
    ("5", "5: very satisfied"),
    ("4", "4: satisfied"),
    ("3", "3: neither satisfied nor dissatisfied"),
    ("2", "2: dissatisfied"),
    ("1", "1: very dissatisfied"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]
FIELD_ORDER = ("satisfaction", "handled_in_time", "fair", "comment")


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class SurveyForm(SecureForm):
    class Meta:
        # Someone may open the email, start, and come back to it later the same day.
        csrf_time_limit = timedelta(hours=4)

    satisfaction = RadioField(
        "Overall, how satisfied are you with how we handled it?",
        choices=SCORES,
        validators=[InputRequired("Choose how satisfied you are, from 1 to 5.")],
    )
    handled_in_time = RadioField(
        "Was it handled in a reasonable time?",
        choices=YES_NO,
        validators=[InputRequired("Say whether it was handled in a reasonable time.")],
    )
    fair = RadioField(
        "Was the process fair?",
        choices=YES_NO,
        validators=[InputRequired("Say whether the process was fair.")],
    )
    comment = TextAreaField(
        "Anything else you would like to tell us?",
        filters=[_stripped],
        validators=[Length(max=5000, message="Keep your comment under 5,000 characters.")],
    )


def field_anchor(field) -> str:
    return f"{field.id}-0" if isinstance(field, RadioField) else field.id


def _no_leaks(response):
    # The link is the key: no shared cache keeps the page (Referrer-Policy: same-origin,
    # set for every page, keeps it from other sites).
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(template, status=200, **context):
    response = current_app.make_response((render_template(template, **context), status))
    return _no_leaks(response)


def not_found():
    return _page("survey/not_found.html", status=404)


def _form_page(form, survey, token, status=200, problem=None):
    errors = [
        (field_anchor(form[name]), message)
        for name in FIELD_ORDER
        for message in form[name].errors
    ]
    return _page(
        "survey/form.html",
        status=status,
        form=form,
        survey=survey,
        token=token,
        errors=errors,
        problem=problem,
    )


@bp.route("/<token>", methods=["GET", "POST"])
def take(token):
    survey = surveys.invitation_for(db.session, token)
    if survey is None:
        return not_found()
    if survey.answered:
        return _page("survey/answered.html", survey=survey, already=True)
    if request.method == "GET":
        return _form_page(SurveyForm(), survey, token)
    form = SurveyForm(request.form)
    valid = form.validate()
    if "csrf_token" in form.errors:
        form.csrf_token.errors = []
        return _form_page(
            form,
            survey,
            token,
            status=400,
            problem=(
                "This page had been open for too long, or came from another page, so your "
                "answers were not sent. They are still below: press “Send my answers” again."
            ),
        )
    if not valid:
        return _form_page(form, survey, token, status=400)
    answers = surveys.Answers(
        satisfaction=int(form.satisfaction.data),
        handled_in_time=form.handled_in_time.data == "yes",
        fair=form.fair.data == "yes",
        comment=form.comment.data or None,
    )
    try:
        saved = surveys.answer(db.session, survey, answers)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("A survey answer could not be saved")
        return _form_page(
            form,
            survey,
            token,
            status=503,
            problem=(
                "We could not save your answers just now, so nothing was kept. They are still "
                "below: please press “Send my answers” again in a few minutes."
            ),
        )
    if not saved:
        return _page("survey/answered.html", survey=survey, already=True)
    return redirect(url_for("survey.thanks", token=token), code=303)


@bp.route("/<token>/thanks")
def thanks(token):
    survey = surveys.invitation_for(db.session, token)
    if survey is None or not survey.answered:
        return not_found()
    return _page("survey/answered.html", survey=survey, already=False)


def too_many(seconds: int):
    minutes = max(1, -(-seconds // 60))
    return _page("survey/too_many.html", status=429, minutes=minutes)


def init_app(app):
    app.register_blueprint(bp)


def init_limits(app):
    """The per-address limit on answers, on the limiter views.security made."""
    from .security import _address_key

    limiter = app.extensions["sign_in_limiter"]
    app.view_functions["survey.take"] = limiter.limit(
        lambda: app.config["SURVEY_LIMIT"],
        key_func=lambda: "survey-" + _address_key(),
        methods=["POST"],
    )(app.view_functions["survey.take"])
    app.extensions.setdefault("rate_limit_pages", {})["survey"] = too_many
