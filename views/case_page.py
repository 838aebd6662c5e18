"""A case's own page for its complainant or client, reached by the personal link in every
letter; and the lost-link form that emails a fresh one.

No sign-in: the token in the address is the key (services/case_links.py keeps only its
hash). Plain HTML forms that work without JavaScript, each with a session CSRF token and a
per-address limit (CASE_PAGE_LIMIT; the lost-link form CASE_LINK_REQUEST_LIMIT per address
and per reference, and CASE_LINK_REQUESTS_PER_DAY counted in the database). An unknown,
tampered, revoked or expired link gets one plain page that says nothing about the case.
"""

import logging
import math
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_admin.form import SecureForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length

from models import Attachment, db
from rules.attachments import (
    ACCEPT,
    allowed_names,
    describe_size,
)
from rules.errors import RuleViolation
from services import case_links, case_page, intake, storage

from .uploads import read_uploads, stripped

log = logging.getLogger(__name__)

bp = Blueprint("case_page", __name__, url_prefix="/case")

NOT_SAVED = (
    "We could not save what you sent just now, so nothing was kept. Please try again in a "
    "few minutes, or contact us."
)
DONE = {
    "added": "Thank you: we have received your information and told the officer handling it.",
    "withdrawn": "Your complaint is withdrawn. Thank you for telling us.",
    "review": (
        "Your request for an internal review is registered. We will tell you the result by "
        "the date below."
    ),
    "late": (
        "Your request for an internal review is recorded. Because the 20 business days for "
        "asking had passed, a complaints coordinator will decide whether to accept it; you "
        "will see their answer on this page."
    ),
}


class PageForm(SecureForm):
    class Meta:
        csrf_time_limit = timedelta(hours=4)


class AddForm(PageForm):
    message = TextAreaField(
        "Your message",
        filters=[stripped],
        validators=[
            Length(
                max=case_page.MESSAGE_LIMIT,
                message="Keep your message under 10,000 characters, or attach a document.",
            )
        ],
    )
    attachments = MultipleFileField("Documents (optional)")


class WithdrawForm(PageForm):
    words = TextAreaField(
        "Why are you withdrawing it?",
        filters=[stripped],
        validators=[Length(max=case_page.WORDS_LIMIT, message="Keep it under 5,000 characters.")],
    )


class ReviewForm(PageForm):
    grounds = TextAreaField(
        "Why are you not satisfied with our response?",
        filters=[stripped],
        validators=[Length(max=case_page.WORDS_LIMIT, message="Keep it under 5,000 characters.")],
    )


class LostForm(PageForm):
    reference = StringField(
        "Reference number",
        filters=[stripped],
        validators=[Length(max=40, message="A reference number is shorter than that.")],
    )
    email = StringField(
        "Email address you gave us",
        filters=[stripped],
        validators=[Length(max=200, message="Keep the email address under 200 characters.")],
    )


def private(response):
    """A page reached by a personal link: never cached, never named to another site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def invalid():
    return private(make_response(render_template("public/case_link_invalid.html"), 404))


def _opened(token):
    return case_links.open_link(db.session, token)


def _contact():
    config = current_app.config
    return {
        "phone": config.get("DEPARTMENT_PHONE") or "",
        "email": config.get("DEPARTMENT_EMAIL") or "",
    }


def _render(opened, token, status=200, **forms):
    built = case_page.page(db.session, opened)
    forms.setdefault("add_form", AddForm(prefix="add"))
    forms.setdefault("review_form", ReviewForm(prefix="review"))
    errors = forms.pop("errors", [])
    return private(
        make_response(
            render_template(
                "public/case_page.html",
                page=built,
                token=token,
                contact=_contact(),
                done=DONE.get(request.args.get("done", "")),
                errors=errors,
                accept=ACCEPT,
                allowed=allowed_names(),
                max_file=describe_size(current_app.config["ATTACHMENT_MAX_BYTES"]),
                max_files=current_app.config["ATTACHMENT_MAX_FILES"],
                **forms,
            ),
            status,
        )
    )


def _csrf_problem(form) -> str | None:
    if "csrf_token" in form.errors:
        form.csrf_token.errors = []
        return (
            "This form had been open for too long, or came from another page, so nothing was "
            "sent. Please check it and send it again."
        )
    return None


@bp.route("/<token>")
def show(token):
    opened = _opened(token)
    if opened is None:
        return invalid()
    return _render(opened, token)


def read_files(field):
    """The chosen files through the public form's checks: (files, refusals)."""
    return read_uploads(field.name)


@bp.route("/<token>/add", methods=["POST"])
def add(token):
    opened = _opened(token)
    if opened is None:
        return invalid()
    config = current_app.config
    request.max_content_length = (
        config["ATTACHMENT_MAX_FILES"] * config["ATTACHMENT_MAX_BYTES"] + 1_000_000
    )
    form = AddForm(request.form, prefix="add")
    valid = form.validate()
    problem = _csrf_problem(form)
    if problem:
        return _render(opened, token, 400, add_form=form, errors=[("add-message", problem)])
    files, refusals = read_files(form.attachments)
    if refusals:
        form.attachments.errors = refusals
    if not valid or refusals:
        errors = [("add-message", m) for m in form.message.errors]
        errors += [("add-attachments", m) for m in refusals]
        return _render(opened, token, 400, add_form=form, errors=errors)
    try:
        case_page.add_information(
            db.session, opened, form.message.data, files, intake.attachment_folder(current_app)
        )
    except RuleViolation as refusal:
        db.session.rollback()
        return _render(opened, token, 400, add_form=form, errors=[("add-message", str(refusal))])
    except (OSError, SQLAlchemyError):
        log.exception("Information from a case page could not be saved")
        return _render(opened, token, 503, add_form=form, errors=[("add-message", NOT_SAVED)])
    return redirect(url_for("case_page.show", token=token, done="added") + "#result")


@bp.route("/<token>/withdraw", methods=["GET", "POST"])
def withdraw(token):
    opened = _opened(token)
    if opened is None:
        return invalid()
    if not case_page.may_withdraw(opened.case):
        return redirect(url_for("case_page.show", token=token))
    form = WithdrawForm(request.form) if request.method == "POST" else WithdrawForm()
    errors = []
    if request.method == "POST":
        valid = form.validate()
        problem = _csrf_problem(form)
        if problem:
            errors = [("words", problem)]
        elif valid:
            try:
                case_page.withdraw(db.session, opened, form.words.data)
            except RuleViolation as refusal:
                errors = [("words", str(refusal))]
            except SQLAlchemyError:
                log.exception("A withdrawal from a case page could not be saved")
                errors = [("words", NOT_SAVED)]
            else:
                return redirect(url_for("case_page.show", token=token, done="withdrawn"))
        else:
            errors = [("words", m) for m in form.words.errors]
    built = case_page.page(db.session, opened)
    return private(
        make_response(
            render_template(
                "public/case_withdraw.html",
                page=built,
                token=token,
                form=form,
                errors=errors,
                contact=_contact(),
            ),
            400 if errors else 200,
        )
    )


@bp.route("/<token>/review", methods=["POST"])
def review(token):
    opened = _opened(token)
    if opened is None:
        return invalid()
    form = ReviewForm(request.form, prefix="review")
    valid = form.validate()
    problem = _csrf_problem(form)
    if problem:
        return _render(opened, token, 400, review_form=form, errors=[("review-grounds", problem)])
    if not valid:
        errors = [("review-grounds", m) for m in form.grounds.errors]
        return _render(opened, token, 400, review_form=form, errors=errors)
    try:
        result = case_page.request_review(db.session, opened, form.grounds.data)
    except RuleViolation as refusal:
        db.session.rollback()
        return _render(
            opened, token, 400, review_form=form, errors=[("review-grounds", str(refusal))]
        )
    except SQLAlchemyError:
        log.exception("A review request from a case page could not be saved")
        return _render(
            opened, token, 503, review_form=form, errors=[("review-grounds", NOT_SAVED)]
        )
    done = "review" if result == "registered" else "late"
    return redirect(url_for("case_page.show", token=token, done=done) + "#result")


@bp.route("/<token>/documents/<int:attachment_id>")
def document(token, attachment_id):
    opened = _opened(token)
    if opened is None:
        return invalid()
    built = case_page.page(db.session, opened)
    if not case_page.may_download(built, attachment_id):
        abort(404)
    attachment = db.session.get(Attachment, attachment_id)
    path = intake.attachment_folder(current_app) / attachment.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(
        storage.readable(path),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_filename,
    )
    return private(response)


@bp.route("/lost", methods=["GET", "POST"])
def lost():
    form = LostForm(request.form) if request.method == "POST" else LostForm()
    errors = []
    if request.method == "POST":
        valid = form.validate()
        problem = _csrf_problem(form)
        if problem:
            errors.append(("reference", problem))
        else:
            if not form.reference.data:
                errors.append(("reference", "Enter the reference number we gave you."))
            if not form.email.data:
                errors.append(("email", "Enter the email address you gave us."))
            if not valid:
                errors += [("reference", m) for m in form.reference.errors]
                errors += [("email", m) for m in form.email.errors]
        if not errors:
            try:
                case_links.request_link(db.session, form.reference.data, form.email.data)
            except SQLAlchemyError:
                log.exception("A request for a fresh case link could not be saved")
                errors.append(("reference", NOT_SAVED))
            else:
                return private(
                    make_response(
                        render_template("public/case_lost_sent.html", contact=_contact())
                    )
                )
    return private(
        make_response(
            render_template("public/case_lost.html", form=form, errors=errors, contact=_contact()),
            400 if errors else 200,
        )
    )


def too_many(seconds: int):
    minutes = max(1, math.ceil(seconds / 60))
    return private(
        make_response(
            render_template("public/case_too_many.html", minutes=minutes, contact=_contact()),
            429,
        )
    )


def _reference_key():
    return "case-link-reference:" + case_links.normal_reference(request.form.get("reference"))


def init_app(app):
    app.register_blueprint(bp)


def init_limits(app):
    """The per-address and per-reference limits, on the limiter views.security made."""
    from .security import _address_key

    limiter = app.extensions["sign_in_limiter"]
    # One count for everything sent from case pages by one address.
    sending = limiter.shared_limit(
        lambda: app.config["CASE_PAGE_LIMIT"],
        scope="case-page-sending",
        key_func=lambda: "case-page-" + _address_key(),
        methods=["POST"],
    )
    for endpoint in ("case_page.add", "case_page.withdraw", "case_page.review"):
        app.view_functions[endpoint] = sending(app.view_functions[endpoint])
    lost_view = app.view_functions["case_page.lost"]
    lost_view = limiter.limit(
        lambda: app.config["CASE_LINK_REQUEST_LIMIT"],
        key_func=lambda: "case-link-" + _address_key(),
        methods=["POST"],
    )(lost_view)
    lost_view = limiter.limit(
        lambda: app.config["CASE_LINK_REQUEST_LIMIT"], key_func=_reference_key, methods=["POST"]
    )(lost_view)
    app.view_functions["case_page.lost"] = lost_view
    app.extensions.setdefault("rate_limit_pages", {})["case_page"] = too_many
