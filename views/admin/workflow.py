"""Workflow steps in the screens: buttons on a case's details page, a small form for a step
that needs inputs, and the bulk steps of the complaints grid.

Every door asks rules/workflow.py the same questions (`available`, `check`, `apply`); this
module only turns a request into the rules' plain values, and their answer back into the
record, its history and a message. A step carries the row version its page was opened on
and is refused, like the edit form, when someone changed the record meanwhile.

Bulk steps take each complaint in its own transaction: a refused complaint is reported by
reference with its reasons and the others go ahead.
"""

from dataclasses import dataclass
from typing import ClassVar

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, SelectField, TextAreaField

from models import (
    Capacity,
    Outcome,
    Participant,
    ReferralTarget,
    User,
    db,
    utcnow,
)
from rules import duties
from rules import notes as note_rules
from rules import workflow as rules
from rules.errors import RuleViolation
from rules.vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_MANAGER,
    COMPLAINT_STATUSES,
    COORDINATOR,
    DECISION_MAKER,
    EXTERNAL_BODIES,
    INTERNAL_REVIEWER,
    REVIEW_OUTCOMES,
    SUPPORT_AGENT,
)
from services import access, notes, steps
from services.steps import (
    STALE_CHOICE,
    blank_to_none,
    complaint_assignment,
    officer,
    outcome_inputs,
    staff_member,
)

from .. import context
from .fields import EXPIRED_FORM

WORKING = rules.WORKING_STATUSES


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


def current_actor() -> rules.Actor:
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
    return [("", blank)] + [(str(person.id), str(person)) for person in people]


def outcome_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Outcome.code, Outcome.name, Outcome.requires_reason)
        .where(Outcome.active.is_(True))
        .order_by(Outcome.sort_order, Outcome.name)
    ).all()
    return [("", "(choose)")] + [
        (code, f"{name} (reasons needed)" if needs else name) for code, name, needs in rows
    ]


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
    def machine(self) -> rules.Machine:
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
            note_rules.STEP_KINDS[kind],
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
            reference = model.reference
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
                    (m.reference, self.machine.statuses.get(m.status, m.status)) for m in records
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


# ------------------------------------------------------------------------ complaints


def _late(state, now) -> bool:
    due = state.review_request_due_at
    return due is not None and now > due


def _resume_unknown(state, now) -> bool:
    return state.status_before_pause is None


def decision_maker_choices(manager: Participant | None, subjects=(), involved=(), keep=()):
    """Decision makers the rules allow beside `manager` (rule 1 and rule 3)."""
    candidates = officers_with(DECISION_MAKER, keep=keep)
    by_id = {person.id: person for person in candidates}
    eligible = duties.eligible_decision_makers(
        officer(manager), [officer(person) for person in candidates], subjects, involved
    )
    return [by_id[choice.id] for choice in eligible]


def manager_choices(subjects=(), involved=(), keep=()):
    """Complaint managers clear of rule 3."""
    subjects, involved = frozenset(subjects), frozenset(involved)
    return [
        person
        for person in officers_with(COMPLAINT_MANAGER, keep=keep)
        if not duties.check_complaint(duties.Assignment(officer(person), None, subjects, involved))
    ]


def chosen(formdata, key, default: Participant | None) -> Participant | None:
    """The officer picked so far: the posted one, else the one assigned now."""
    if formdata is not None and key in formdata:
        try:
            return staff_member(formdata.get(key))
        except RuleViolation:
            return None
    return default


def assignment_fields(manager_now, decision_maker_now, formdata, subjects=(), involved=()):
    manager = chosen(formdata, "manager", manager_now)
    return {
        "manager": Choice(
            "Complaint manager",
            choices=person_choices(
                manager_choices(subjects, involved, keep=[manager_now]), "(choose)"
            ),
            default=str(manager_now.id) if manager_now is not None else "",
            validate_choice=False,
        ),
        "decision_maker": Choice(
            "Decision maker",
            choices=person_choices(
                decision_maker_choices(manager, subjects, involved), "(assign one later)"
            ),
            default=str(decision_maker_now.id) if decision_maker_now is not None else "",
            validate_choice=False,
            description="Only officers who rank above the complaint manager chosen are "
            "offered: choose the manager, then “Offer decision makers”.",
        ),
    }


def assignment_inputs(form) -> dict:
    manager = staff_member(form.manager.data)
    decision_maker = staff_member(form.decision_maker.data)
    return {
        "manager": officer(manager),
        "decision_maker": officer(decision_maker),
    }


class ComplaintSteps(WorkflowSteps):
    stepper = steps.COMPLAINT_STEPS
    asks_only_when = {
        "resume": _resume_unknown,
        "request_internal_review": _late,
    }

    def workflow_panel(self, model):
        panel = super().workflow_panel(model)
        # The decision maker reads the draft beside the buttons that decide on it.
        if model.status == "response_drafted":
            drafts = [e for e in notes.entries_of(model) if e["kind"] == "draft"]
            panel["draft"] = drafts[0] if drafts else None
        return panel

    def fields_for(self, name, model, state, formdata):
        if name == "assign":
            return assignment_fields(
                model.manager, model.decision_maker, formdata, state.subjects, state.involved
            )
        return super().fields_for(name, model, state, formdata)

    def field_for(self, key, model, state, formdata):
        if key == "outcome":
            label = "Outcome"
            if model.status == "internal_review":
                label = "New outcome (when the decision is changed)"
            return Choice(label, choices=outcome_choices())
        if key == "outcome_reason":
            return TextAreaField(
                "Reasons for the outcome",
                description="Needed for the outcomes marked “reasons needed”.",
            )
        if key == "referral_target":
            targets = db.session.execute(
                select(ReferralTarget.id, ReferralTarget.name)
                .where(ReferralTarget.active.is_(True))
                .order_by(ReferralTarget.sort_order, ReferralTarget.name)
            ).all()
            return Choice(
                "Referred to", choices=[("", "(choose)")] + [(str(i), n) for i, n in targets]
            )
        if key == "late_reason":
            return TextAreaField(
                "Reason the late request is accepted",
                description="The window to ask for an internal review has closed.",
            )
        if key == "reason":
            return TextAreaField("Reason")
        if key == "resume_to":
            return Choice(
                "Back to",
                choices=[("", "(choose)")]
                + [
                    (s, COMPLAINT_STATUSES[s])
                    for s in COMPLAINT_STATUSES
                    if s in rules.WORKING_STATUSES
                ],
                default=state.status_before_pause or "",
            )
        if key == "review_outcome":
            return Choice(
                "Outcome of the review", choices=[("", "(choose)"), *REVIEW_OUTCOMES.items()]
            )
        if key == "findings":
            return TextAreaField("Findings of the review")
        if key == "body":
            return Choice("External body", choices=[("", "(choose)"), *EXTERNAL_BODIES.items()])
        raise KeyError(key)

    def rule_inputs(self, name, form, model):
        inputs = super().rule_inputs(name, form, model)
        if name == "assign":
            inputs.update(assignment_inputs(form))
        if "outcome" in inputs:
            inputs.update(outcome_inputs(inputs["outcome"]))
        if inputs.get("referral_target") is not None:
            target = db.session.get(ReferralTarget, int(inputs["referral_target"]))
            if target is None:
                raise RuleViolation(STALE_CHOICE)
            inputs["referral_target"] = target.id
        return inputs

    # -- bulk steps on the grid --------------------------------------------------------

    # The bulk-assign page takes the assign step (for a permission table keyed by endpoint).
    endpoint_actions: ClassVar[dict] = {"bulk_assign_view": "assign"}

    def is_action_allowed(self, name):
        if not super().is_action_allowed(name):
            return False
        codes = access.capacity_codes(context.current_actor())
        if ADMINISTRATOR in codes:
            return True
        if name == "acknowledge":
            return bool(codes & {COORDINATOR, COMPLAINT_MANAGER})
        if name == "assign":
            return COORDINATOR in codes
        return True

    @action("acknowledge", "Acknowledge", "Acknowledge the selected complaints?")
    def action_acknowledge(self, ids):
        self.bulk_step("acknowledge", ids)

    @action("assign", "Assign manager and decision maker…")
    def action_assign(self, ids):
        return redirect(self.get_url(".bulk_assign_view", ids=",".join(ids), url=self._list_url()))

    @expose("/bulk-assign/", methods=("GET", "POST"))
    def bulk_assign_view(self):
        def read_inputs(form):
            inputs = assignment_inputs(form)
            if inputs["manager"] is None:
                raise RuleViolation("Assigning needs a complaint manager.")
            return inputs

        return self.bulk_form_view(
            "assign",
            fields=lambda formdata: assignment_fields(None, None, formdata),
            read_inputs=read_inputs,
            title="Assign manager and decision maker",
            intro="The same complaint manager and decision maker for each complaint below. "
            "Each complaint is checked and saved on its own: one refused is reported and "
            "the others go ahead.",
            submit="Assign",
            empty="Choose the complaints to assign in the list first.",
            refresh=True,
        )


# ------------------------------------------------------------------------ tickets


def agent_field(default: str = "", leave_out: int | None = None) -> Choice:
    """The support agents a ticket may be assigned to: active accounts holding the capacity."""
    agents = [person for person in officers_with(SUPPORT_AGENT) if person.id != leave_out]
    return Choice(
        "Support agent",
        choices=person_choices(agents, "(choose)"),
        default=default,
        validate_choice=False,
        description="Only staff whose active account holds the support-agent capacity are "
        "offered.",
    )


def me_as_agent(actor: rules.Actor) -> str:
    """The signed-in user preselected as the agent, when they are a support agent."""
    if SUPPORT_AGENT in actor.capacities and actor.participant_id is not None:
        return str(actor.participant_id)
    return ""


class TicketSteps(WorkflowSteps):
    stepper = steps.TICKET_STEPS
    # The bulk-assign page takes the assign agent step (for a permission table keyed by endpoint).
    endpoint_actions: ClassVar[dict] = {"bulk_assign_agent_view": "assign_agent"}

    def field_for(self, key, model, state, formdata):
        if key == "agent":
            me = me_as_agent(current_actor())
            return agent_field(
                default="" if me == str(model.agent_id) else me, leave_out=model.agent_id
            )
        if key == "reason":
            return TextAreaField("Reason")
        raise KeyError(key)

    def rule_inputs(self, name, form, model):
        inputs = super().rule_inputs(name, form, model)
        if name == "assign_agent":
            inputs["agent"] = steps.support_agent(form.agent.data)
        return inputs

    def workflow_panel(self, model) -> dict:
        panel = super().workflow_panel(model)
        me = me_as_agent(current_actor())
        offered = panel["steps"]
        for index, step in enumerate(offered):
            if step.name == "assign_agent" and me and me != str(model.agent_id or ""):
                # Taking a ticket is the assign agent step with the signed-in agent chosen.
                take = Offered(step.name, "Take it", step.url, False, (("agent", me),))
                offered.insert(index, take)
                break
        return panel

    # -- assigning several tickets at once ---------------------------------------------

    @action("assign_agent", "Assign agent…")
    def action_assign_agent(self, ids):
        return redirect(
            self.get_url(".bulk_assign_agent_view", ids=",".join(ids), url=self._list_url())
        )

    @expose("/bulk-assign-agent/", methods=("GET", "POST"))
    def bulk_assign_agent_view(self):
        def read_inputs(form):
            agent = steps.support_agent(form.agent.data)
            if agent is None:
                raise RuleViolation(
                    "Assigning needs the support agent who is to work the tickets."
                )
            return {"agent": agent}

        return self.bulk_form_view(
            "assign_agent",
            fields=lambda formdata: {"agent": agent_field(default=me_as_agent(current_actor()))},
            read_inputs=read_inputs,
            title="Assign agent",
            intro="The same support agent for each ticket below. Each ticket is checked "
            "and saved on its own: one refused is reported and the others go ahead.",
            submit="Assign",
            empty="Choose the tickets to assign in the list first.",
        )


# ------------------------------------------------------------------------ internal reviews


class ReviewSteps(WorkflowSteps):
    stepper = steps.REVIEW_STEPS

    def field_for(self, key, model, state, formdata):
        if key == "reviewer":
            complaint = model.complaint
            candidates = officers_with(INTERNAL_REVIEWER, keep=[model.reviewer])
            by_id = {person.id: person for person in candidates}
            eligible = duties.eligible_reviewers(
                complaint_assignment(complaint), [officer(p) for p in candidates]
            )
            return Choice(
                "Internal reviewer",
                choices=person_choices([by_id[o.id] for o in eligible], "(choose)"),
                default=str(model.reviewer_id or ""),
                validate_choice=False,
                description="Only officers clear of the complaint who rank at least with its "
                "decision maker are offered.",
            )
        if key == "outcome":
            return Choice(
                "Outcome of the review", choices=[("", "(choose)"), *REVIEW_OUTCOMES.items()]
            )
        if key == "findings":
            return TextAreaField("Findings")
        if key == "complaint_outcome":
            return Choice(
                "The complaint's new outcome (when the decision is changed)",
                choices=outcome_choices(),
            )
        if key == "outcome_reason":
            return TextAreaField("Reasons for the new outcome")
        if key == "reason":
            return TextAreaField("Reason")
        raise KeyError(key)

    def rule_inputs(self, name, form, model):
        inputs = super().rule_inputs(name, form, model)
        if name == "assign_reviewer":
            inputs["reviewer"] = officer(staff_member(form.reviewer.data))
        return inputs
