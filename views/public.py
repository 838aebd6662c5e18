"""The public lodgement form: a member of the public lodges a complaint, compliment or suggestion.

No sign-in. A plain HTML form (works with JavaScript off) protected by a session CSRF token,
a per-address rate limit and a honeypot field. Settings (app.config):

- PUBLIC_INTAKE_DIVISION: code of the division whose coordinators triage online lodgements
  (default "CS", Customer Services).
- PUBLIC_LODGE_LIMIT: submissions allowed per client address, e.g. "10 per hour".
- ATTACHMENT_FOLDER: where attached files are kept (default instance/attachments), never
  under static/.
- ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_FILES: per file, and files per submission.
- ATTACHMENT_MAX_INFLATED_BYTES: what a .docx or .xlsx may open out to, all its parts together.
- PUBLIC_ENQUIRIES: how to follow up, shown on the confirmation page (optional).
"""

import logging
import math
import re
import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_admin.form import SecureForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from models import db
from rules.attachments import (
    ACCEPT,
    allowed_names,
    describe_size,
)
from rules.errors import RuleViolation
from rules.values import is_email_address
from services import intake

from .uploads import read_uploads, stripped

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__, url_prefix="/lodge")

NOT_SAVED = (
    "We could not save what you sent just now, so nothing was kept. Your words are still "
    "below: please press “Send” again in a few minutes."
)
# Where the confirmation page finds what it shows, after the redirect.
LODGED = "public_lodged"

KINDS = [
    ("complaint", "A complaint"),
    ("compliment", "A compliment"),
    ("suggestion", "A suggestion"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]
CONSENT = [
    ("yes", "Yes, the staff who deal with it may see and use my name and contact details"),
    (
        "no",
        "No, keep my personal details confidential: only the complaints coordinator and the "
        "officers assigned to it may see them",
    ),
]
PHONE = re.compile(r"^\+?[\d\s().-]+$")


class LodgementForm(SecureForm):
    class Meta:
        # Writing a complaint can take a while: the token outlives Flask-Admin's 30 minutes.
        csrf_time_limit = timedelta(hours=4)

    kind = RadioField(
        "What would you like to tell us about?",
        choices=KINDS,
        validators=[
            InputRequired("Choose whether this is a complaint, a compliment or a suggestion.")
        ],
    )
    summary = StringField(
        "In a few words, what is it about?",
        filters=[stripped],
        validators=[
            DataRequired("Tell us in a few words what it is about."),
            Length(max=200, message="Keep the few words under 200 characters."),
        ],
    )
    description = TextAreaField(
        "What happened?",
        filters=[stripped],
        validators=[
            DataRequired("Tell us what happened."),
            Length(
                max=10_000,
                message="Tell us what happened in under 10,000 characters, or attach a document.",
            ),
        ],
    )
    outcome_sought = TextAreaField(
        "What outcome are you seeking?",
        filters=[stripped],
        validators=[
            Optional(),
            Length(max=5_000, message="Keep the outcome you seek under 5,000 characters."),
        ],
    )
    human_rights = RadioField(
        "Does your complaint involve your human rights?",
        choices=YES_NO,
        validate_choice=False,
    )
    anonymous = BooleanField("I want to stay anonymous")
    given_name = StringField(
        "Given name",
        filters=[stripped],
        validators=[Length(max=80, message="Keep your given name under 80 characters.")],
    )
    family_name = StringField(
        "Family name",
        filters=[stripped],
        validators=[Length(max=80, message="Keep your family name under 80 characters.")],
    )
    email = StringField(
        "Email address",
        filters=[stripped],
        validators=[Length(max=200, message="Keep your email address under 200 characters.")],
    )
    phone = StringField(
        "Phone number",
        filters=[stripped],
        validators=[Length(max=40, message="Keep your phone number under 40 characters.")],
    )
    address = TextAreaField(
        "Postal address",
        filters=[stripped],
        validators=[Length(max=500, message="Keep your postal address under 500 characters.")],
    )
    consent = RadioField(
        "May we use your personal details to deal with this?",
        choices=CONSENT,
        validate_choice=False,
    )
    attachments = MultipleFileField("Attachments (optional)")
    # The honeypot: hidden from people by the stylesheet; a bot that fills it is not saved.
    website = StringField("Leave this empty")
    # A new token each time the form is opened: the same form sent twice lodges once.
    submission = HiddenField(validators=[Optional(), Length(max=100)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        is_complaint = self.kind.data == "complaint"
        if self.human_rights.data not in (None, "", "yes", "no"):
            self.human_rights.errors = [*self.human_rights.errors, "Choose yes or no."]
        if is_complaint:
            if not self.outcome_sought.data and not self.outcome_sought.errors:
                self.outcome_sought.errors = ["Tell us what outcome you are seeking."]
            if self.human_rights.data not in ("yes", "no") and not self.human_rights.errors:
                self.human_rights.errors = [
                    "Choose yes or no: does your complaint involve your human rights?"
                ]
        contact = [self.given_name, self.family_name, self.email, self.phone, self.address]
        if self.anonymous.data:
            if any(f.data for f in contact):
                self.anonymous.errors = [
                    "You chose to stay anonymous, so leave your name and contact details "
                    "empty, or untick “I want to stay anonymous”."
                ]
        else:
            self._validate_contact()
        return valid and not any(f.errors for f in self)

    def _validate_contact(self):
        if not self.given_name.data and not self.family_name.data:
            self.family_name.errors = [
                *self.family_name.errors,
                "Enter your name, or tick “I want to stay anonymous”.",
            ]
        if self.email.data and not is_email_address(self.email.data):
            self.email.errors = [
                *self.email.errors,
                "Enter an email address like name@example.com.",
            ]
        if self.phone.data:
            digits = re.sub(r"\D", "", self.phone.data)
            if not PHONE.match(self.phone.data) or not 8 <= len(digits) <= 15:
                self.phone.errors = [
                    *self.phone.errors,
                    "Enter a phone number of 8 to 15 digits, "
                    "like 07 3000 0000 or +61 400 000 000.",
                ]
        if not (self.email.data or self.phone.data or self.address.data):
            self.email.errors = [
                *self.email.errors,
                "Give at least one way to reach you: an email address, a phone number or a "
                "postal address.",
            ]
        if self.consent.data not in ("yes", "no"):
            self.consent.errors = [
                "Choose yes or no: may we use your personal details to deal with this?"
            ]


# The form's fields in page order, with where the error summary's link lands.
FIELD_ORDER = (
    "kind",
    "summary",
    "description",
    "outcome_sought",
    "human_rights",
    "anonymous",
    "given_name",
    "family_name",
    "email",
    "phone",
    "address",
    "consent",
    "attachments",
)


def field_anchor(field) -> str:
    """The id of the element an error link focuses: a radio group's first option."""
    if isinstance(field, RadioField):
        return f"{field.id}-0"
    return field.id


def aria(field, hint=False, required=False) -> dict:
    """The field's accessibility attributes: its hint and error, whether it is wrong."""
    described = [f"{field.id}-hint"] if hint else []
    if field.errors:
        described.append(f"{field.id}-error")
    attributes = {"aria-describedby": " ".join(described)} if described else {}
    if field.errors:
        attributes["aria-invalid"] = "true"
    if required:
        attributes["aria-required"] = "true"
    return attributes


def max_request_bytes() -> int:
    """The whole submission: every file at its largest, and room for the text."""
    config = current_app.config
    return config["ATTACHMENT_MAX_FILES"] * config["ATTACHMENT_MAX_BYTES"] + 1_000_000


def read_files(form) -> list[intake.SentFile]:
    """The chosen files, checked; refusals go on the attachments field."""
    files, refusals = read_uploads(form.attachments.name)
    if refusals:
        form.attachments.errors = refusals
    return files


def submission_of(form) -> intake.Submission:
    anonymous = bool(form.anonymous.data)
    return intake.Submission(
        kind=form.kind.data,
        summary=form.summary.data,
        description=form.description.data,
        outcome_sought=form.outcome_sought.data or None,
        human_rights=form.human_rights.data == "yes",
        anonymous=anonymous,
        given_name=None if anonymous else form.given_name.data or None,
        family_name=None if anonymous else form.family_name.data or None,
        email=None if anonymous else form.email.data or None,
        phone=None if anonymous else form.phone.data or None,
        address=None if anonymous else form.address.data or None,
        consent=None if anonymous else form.consent.data == "yes",
        token=form.submission.data or None,
    )


def _render_form(form, status=200, problem=None):
    errors = [
        (field_anchor(form[name]), message)
        for name in FIELD_ORDER
        for message in form[name].errors
    ]
    files_chosen = any(f and f.filename for f in request.files.getlist("attachments"))
    return (
        render_template(
            "public/lodge.html",
            form=form,
            errors=errors,
            problem=problem,
            files_lost=bool(errors or problem) and files_chosen,
            accept=ACCEPT,
            allowed=allowed_names(),
            max_file=describe_size(current_app.config["ATTACHMENT_MAX_BYTES"]),
            max_files=current_app.config["ATTACHMENT_MAX_FILES"],
            field_anchor=field_anchor,
            aria=aria,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
def lodge():
    if request.method == "GET":
        try:
            intake.intake_division(db.session, current_app.config["PUBLIC_INTAKE_DIVISION"])
        except intake.IntakeUnavailable as error:
            log.error("%s", error)
            return render_template("public/unavailable.html"), 503
        return _render_form(LodgementForm(submission=secrets.token_urlsafe(24)))
    # Werkzeug refuses the body past this size with a 413 (the friendly page below).
    request.max_content_length = max_request_bytes()
    form = LodgementForm(request.form)
    if form.website.data:
        # A bot: a page like the real one, and nothing saved.
        log.warning("Lodgement refused: the honeypot field was filled in.")
        session[LODGED] = {"decoy": True}
        return redirect(url_for("public.received"))
    valid = form.validate()
    if "csrf_token" in form.errors:
        form.csrf_token.errors = []
        return _render_form(
            form,
            status=400,
            problem=(
                "This form had been open for too long, or came from another page, so nothing "
                "was sent. Your words are still below: check them and press “Send” again."
            ),
        )
    files = read_files(form)
    if not valid or form.attachments.errors:
        return _render_form(form, status=400)
    try:
        complaint = intake.lodge(
            db.session,
            submission_of(form),
            files,
            intake.attachment_folder(current_app),
            current_app.config["PUBLIC_INTAKE_DIVISION"],
        )
    except intake.IntakeUnavailable as error:
        log.error("%s", error)
        return render_template("public/unavailable.html"), 503
    except (OSError, SQLAlchemyError, RuleViolation):
        # intake.lodge has rolled back and removed any file it wrote.
        log.exception("A lodgement could not be saved")
        return _render_form(form, status=503, problem=NOT_SAVED)
    promise = intake.promise(db.session, complaint)
    session[LODGED] = {
        "reference": promise.reference,
        "kind": promise.kind,
        "anonymous": promise.anonymous,
        "registration_due": intake.date_in_words(promise.registration_due),
        "registration_target": promise.registration_target,
        "acknowledgement_due": intake.date_in_words(promise.acknowledgement_due),
        "acknowledgement_target": promise.acknowledgement_target,
        "resolution_due": intake.date_in_words(promise.resolution_due),
        "division": promise.division_name,
        "email": promise.email,
    }
    return redirect(url_for("public.received"))


@bp.route("/received")
def received():
    lodged = session.get(LODGED)
    if not lodged:
        return redirect(url_for("public.lodge"))
    return render_template(
        "public/received.html",
        lodged=lodged,
        enquiries=current_app.config["PUBLIC_ENQUIRIES"],
        contact={
            "phone": current_app.config.get("DEPARTMENT_PHONE") or "",
            "email": current_app.config.get("DEPARTMENT_EMAIL") or "",
        },
    )


def too_large(error):
    """A submission over the size limit: a page that says so, with nothing saved."""
    return (
        render_template(
            "public/too_large.html",
            max_file=describe_size(current_app.config["ATTACHMENT_MAX_BYTES"]),
            max_files=current_app.config["ATTACHMENT_MAX_FILES"],
        ),
        413,
    )


def too_many(seconds: int):
    """The page for a breach of PUBLIC_LODGE_LIMIT (views.security renders 429s)."""
    minutes = max(1, math.ceil(seconds / 60))
    return render_template("public/too_many.html", minutes=minutes), 429


def init_app(app):
    app.register_blueprint(bp)
    app.register_error_handler(RequestEntityTooLarge, too_large)


def init_limits(app):
    """The per-address limit on submissions, on the limiter views.security made."""
    from .security import _address_key

    limiter = app.extensions["sign_in_limiter"]
    app.view_functions["public.lodge"] = limiter.limit(
        lambda: app.config["PUBLIC_LODGE_LIMIT"],
        key_func=lambda: "lodge-" + _address_key(),
        methods=["POST"],
    )(app.view_functions["public.lodge"])
    app.extensions.setdefault("rate_limit_pages", {})["public"] = too_many
