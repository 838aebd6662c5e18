"""Workflow steps in the screens: buttons on a case's details page, a small form for a step
that needs inputs, and the bulk steps of the complaints grid.

Every door asks rules/workflow.py the same questions (`available`, `check`, `apply`); this
module only turns a request into the rules' plain values, and their answer back into the
record, its history and a message. A step carries the row version its page was opened on
and is refused, like the edit form, when someone changed the record meanwhile.

Bulk steps take each complaint in its own transaction: a refused complaint is reported by
reference with its reasons and the others go ahead.

The steps of each kind of case, and the inputs they ask for, are in complaint_steps,
ticket_steps and review_steps.
"""

from dataclasses import dataclass
from typing import ClassVar

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, SelectField, TextAreaField

from models import Capacity, Outcome, Participant, User, db, utcnow
from rules import notes, workflow
from rules.errors import RuleViolation
from services import caseload, steps
from services.steps import blank_to_none

from .fields import EXPIRED_FORM

WORKING = workflow.WORKING_STATUSES


class Choice(SelectField):
    """A select whose empty first option is chosen until the user picks another."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(label, validators, **kwargs)


class StepForm(SecureForm):
    """A step's form: session-keyed CSRF and the row version the page was opened on."""

    row_version = HiddenField()


@dataclass(frozen=True)
class Offered:
    """A button on the details page."""

    name: str
    label: str
    url: str
    needs_form: bool
    # Inputs the button posts with it ("Take it": the assign step with me as the agent).
    hidden: tuple[tuple[str, str], ...] = ()


# ------------------------------------------------------------------------ plain values


def current_actor() -> workflow.Actor:
    return steps.actor_of(current_user)


def officers_with(capacity: str, keep=()) -> list[Participant]:
    """Staff whose active account holds `capacity`, and whoever is assigned now (`keep`)."""
    found = (
        db.session.execute(
            select(Participant)
            .join(User, User.participant_id == Participant.id)
            .join(User.capacities)
            .where(
                Capacity.code == capacity,
                User.active.is_(True),
                Participant.kind == "staff",
            )
            .options(joinedload(Participant.level))
            .order_by(Participant.family_name, Participant.given_name, Participant.id)
        )
        .unique()
        .scalars()
        .all()
    )
    ids = {person.id for person in found}
    return found + [person for person in keep if person is not None and person.id not in ids]


def person_choices(people, blank: str) -> list[tuple[str, str]]:
    """The officers offered, each with their open caseload beside their name."""
    people = list(people)
    load = caseload.open_caseloads(person.id for person in people)
    return [("", blank)] + [
        (str(person.id), caseload.with_caseload(str(person), load[person.id])) for person in people
    ]


def outcome_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Outcome.code, Outcome.name, Outcome.requires_reason)
        .where(Outcome.active.is_(True))
        .order_by(Outcome.sort_order, Outcome.name)
    ).all()
    return [("", "(choose)")] + [
        (code, f"{name} (reasons needed)" if needs else name) for code, name, needs in rows
    ]


def reference_of(model) -> str:
    """How a bulk message names a record: its reference ("CTS-2026-000012"), or what it is
    ("Internal review of CTS-2026-000012") for a record without one of its own."""
    return getattr(model, "reference", None) or str(model)


# ------------------------------------------------------------------------ the mixin


class WorkflowSteps:
    """Mix into a CaseView: the status and step buttons on details, and the step endpoint.

    Taking a step is services/steps.py's (the same for the API): this mixin turns a
    request into its inputs and its answer into a message.
    """

    stepper: ClassVar[steps.Stepper]
    # Steps that read inputs only in some states: (state, now) -> whether to ask.
    asks_only_when: ClassVar[dict] = {}

    @property
    def machine(self) -> workflow.Machine:
        return self.stepper.machine

    # -- the record as the rules see it (per view) ---------------------------------------

    def workflow_state(self, model):
        return self.stepper.state(model)

    def field_for(self, key: str, model, state, formdata):
        """The unbound form field asking for input `key`."""
        raise NotImplementedError

    # What a step carrying content asks for (services/steps.py content_steps).
    # What a step carrying content asks for, by the case-file entry it writes
    # (services/steps.py content_steps; the entry's name is the field's label).
    content_descriptions = {
        "draft": "The response as drafted: the decision maker reads it here.",
        "decision": "What was decided and why.",
        "response": "What the client was told.",
        "resolution": "How it was resolved, as told to the client.",
    }

    def fields_for(self, name: str, model, state, formdata) -> dict:
        """The unbound fields of the step's form, by input name."""
        return {
            key: (
                self.content_field(name)
                if key == "content"
                else self.field_for(key, model, state, formdata)
            )
            for key in self.step_keys(name)
        }

    def content_field(self, name: str):
        kind, _shared = self.stepper.content_steps[name]
        return TextAreaField(
            notes.STEP_KINDS[kind],
            description=self.content_descriptions[kind] + " Kept in the case file.",
            render_kw={"rows": 10},
        )

    def rule_inputs(self, name: str, form, model) -> dict:
        """The form's values as the rules read them (may raise RuleViolation)."""
        return {key: blank_to_none(getattr(form, key).data) for key in self.step_keys(name)}

    # -- questions ---------------------------------------------------------------------

    def step_keys(self, name: str) -> tuple[str, ...]:
        return self.stepper.step_keys(name)

    def needs_form(self, transition, state, now) -> bool:
        if not self.step_keys(transition.name):
            return False
        asks = self.asks_only_when.get(transition.name)
        return asks is None or asks(state, now)

    def step_url(self, name, model, endpoint=".transition_view"):
        return self.get_url(endpoint, step=name, id=model.id, url=get_redirect_target())

    def workflow_panel(self, model) -> dict:
        state = self.workflow_state(model)
        now = utcnow()
        offered = [
            Offered(
                transition.name,
                transition.label,
                self.step_url(transition.name, model),
                self.needs_form(transition, state, now),
            )
            for transition in self.machine.available(state, current_actor())
        ]
        form = StepForm()
        return {
            "status": self.machine.statuses.get(model.status, model.status),
            "noun": self.machine.noun,
            "steps": offered,
            "csrf_token": form.csrf_token.current_token,
            "version": getattr(model, "version", ""),
        }

    def details_context(self, model):
        context = super().details_context(model)
        context["workflow"] = self.workflow_panel(model)
        return context

    # -- the step's form ---------------------------------------------------------------

    def step_form(self, name, model, state):
        formdata = request.form if request.method == "POST" else None
        fields = self.fields_for(name, model, state, formdata)
        form_class = type(f"{name.title()}Form", (StepForm,), fields)
        form = form_class(formdata)
        if formdata is None:
            form.row_version.data = model.version
        return form

    def details_url(self, model):
        return self.get_url(".details_view", id=model.id, url=get_redirect_target())

    def render_step(self, transition, model, form):
        return self.render(
            "admin/transition.html",
            step=transition.label,
            intro=f"{self.record_noun.capitalize()} {model}, "
            f"{self.machine.statuses.get(model.status, model.status)}.",
            records=None,
            form=form,
            submit=transition.label,
            cancel_url=self.details_url(model),
            refresh="manager" in form,
        )

    @expose("/transition/<step>/", methods=("GET", "POST"))
    def transition_view(self, step):
        # Flask-Admin's own `_handle_view(name, ...)` takes the argument `name`.
        name = step
        model = self.get_one(request.args.get("id"))
        try:
            transition = self.machine.transition(name)
        except RuleViolation as refusal:
            flash(str(refusal), "error")
            return redirect(self.details_url(model))
        state = self.workflow_state(model)
        form = self.step_form(name, model, state)
        asks = self.needs_form(transition, state, utcnow())
        if request.method == "GET":
            return self.render_step(transition, model, form)
        if "refresh" in request.form:
            # Only the decision makers offered change: nothing is saved.
            return self.render_step(transition, model, form)

        def refused(messages):
            for message in messages:
                flash(message, "error")
            if asks:
                return self.render_step(transition, model, form)
            return redirect(self.details_url(model))

        if not form.validate():
            if "csrf_token" in form.errors:
                return refused([EXPIRED_FORM])
            return refused(
                [f"{form[key].label.text}: {' '.join(errs)}" for key, errs in form.errors.items()]
            )
        if str(form.row_version.data or "") != str(model.version):
            return refused([self.conflict_message(model)])
        try:
            done = self.take_step(name, model, state, self.rule_inputs(name, form, model))
        except RuleViolation as refusal:
            db.session.rollback()
            return refused(str(refusal).split("\n"))
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            if asks:
                return self.render_step(transition, model, form)
            return redirect(self.details_url(model))
        flash(done, "success")
        return redirect(self.details_url(model))

    def take_step(self, name, model, state, inputs) -> str:
        """Check, apply, record and commit one step; RuleViolation with every refusal."""
        done = self.stepper.take(name, model, inputs, current_actor(), utcnow(), state=state)
        # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
        db.session.commit()
        return done

    # -- bulk steps on the grid --------------------------------------------------------

    def bulk_load(self, record_id):
        """One record, scoped and read afresh from the database (or None)."""
        try:
            value = int(record_id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(self.model.id == value).populate_existing().one_or_none()

    def bulk_step(self, name, ids, versions=None, inputs_for=None):
        """Take the step on each record in its own transaction; flash what happened."""
        transition = self.machine.transition(name)
        done, refused = [], []
        for record_id in ids:
            model = self.bulk_load(record_id)
            if model is None:
                refused.append(
                    f"{self.record_noun.capitalize()} {record_id}: not found, or not one of yours."
                )
                continue
            reference = reference_of(model)
            if versions is not None and str(versions.get(str(model.id))) != str(model.version):
                refused.append(f"{reference}: {self.conflict_message(model)}")
                continue
            try:
                inputs = inputs_for(model) if inputs_for else {}
                self.take_step(name, model, self.workflow_state(model), inputs)
            except RuleViolation as refusal:
                db.session.rollback()
                refused.append(f"{reference}: {' '.join(str(refusal).splitlines())}")
            except Exception as error:  # noqa: BLE001 - reported per record
                db.session.rollback()
                refused.append(f"{reference}: {self.bulk_failure(error, model)}")
            else:
                done.append(reference)
        self.flash_bulk(transition, done, refused)

    def bulk_failure(self, error, model) -> str:
        if isinstance(error, StaleDataError):
            return self.conflict_message(model)
        if isinstance(error, ValueError):
            return str(error)
        self.explain_failure(error, model)
        return "could not be saved."

    def flash_bulk(self, transition, done, refused):
        label, noun = transition.label, self.record_noun
        if done:
            flash(
                f"{label}: done for {len(done)} {noun}{'s' if len(done) != 1 else ''} "
                f"({', '.join(done)}).",
                "success",
            )
        if refused:
            flash(
                f"{label}: {len(refused)} {noun}{'s were' if len(refused) != 1 else ' was'} "
                "refused and left unchanged"
                + (f" (each {noun} is saved on its own: the others went ahead)" if done else "")
                + ".",
                "error",
            )
            for line in refused:
                flash(line, "error")

    def _list_url(self):
        return get_redirect_target() or self.get_url(".index_view")

    def bulk_form_view(
        self, name, *, fields, read_inputs, title, intro, submit, empty, refresh=False
    ):
        """A step taken in bulk with the same inputs for every chosen record: its page, then
        the step on each record in its own transaction (`bulk_step`).

        `fields(formdata)` gives the form's input fields; `read_inputs(form)` the step's
        inputs from them, or RuleViolation with the message to show.
        """
        source = request.form if request.method == "POST" else request.args
        ids = [i for i in (source.get("ids") or "").split(",") if i.strip()]
        records = [m for m in (self.bulk_load(i) for i in ids) if m is not None]
        list_url = self._list_url()
        if not records:
            flash(empty, "error")
            return redirect(list_url)
        formdata = request.form if request.method == "POST" else None
        form_fields = {**fields(formdata), "ids": HiddenField(), "versions": HiddenField()}
        form = type("BulkStepForm", (SecureForm,), form_fields)(formdata)
        if formdata is None:
            form.ids.data = ",".join(str(m.id) for m in records)
            form.versions.data = ",".join(f"{m.id}:{m.version}" for m in records)

        def page():
            return self.render(
                "admin/transition.html",
                step=title,
                intro=intro,
                records=[
                    (reference_of(m), self.machine.statuses.get(m.status, m.status))
                    for m in records
                ],
                form=form,
                submit=submit,
                cancel_url=list_url,
                refresh=refresh,
            )

        if formdata is None or (refresh and "refresh" in request.form):
            return page()
        if not form.validate():
            flash(EXPIRED_FORM if "csrf_token" in form.errors else "Check the form.", "error")
            return page()
        try:
            inputs = read_inputs(form)
        except RuleViolation as refusal:
            flash(str(refusal), "error")
            return page()
        versions = dict(
            pair.split(":", 1) for pair in (form.versions.data or "").split(",") if ":" in pair
        )
        self.bulk_step(
            name,
            [i for i in (form.ids.data or "").split(",") if i],
            versions=versions,
            inputs_for=lambda model: dict(inputs),
        )
        return redirect(list_url)
