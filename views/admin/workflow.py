"""Workflow steps in the screens: buttons on a case's details page, a small form for a step
that needs inputs, and the bulk steps of the complaints grid.

Every door asks rules/workflow.py the same questions (`available`, `check`, `apply`); this
module only turns a request into the rules' plain values, and their answer back into the
record, its history and a message. A step carries the row version its page was opened on
and is refused, like the edit form, when someone changed the record meanwhile.

Bulk steps take each complaint in its own transaction: a refused complaint is reported by
reference with its reasons and the others go ahead.
"""

import json
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
    Complaint,
    ExternalReview,
    HistoryEntry,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    User,
    db,
    utcnow,
)
from rules import duties
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
)
from services import history

from . import scope

# Set by the flush hook in services/clocks.py from the status: a step never writes it, or
# the hook would not see the pause start or end (and would not move the due instants).
CLOCK_OWNED = frozenset({"paused_since"})
EXPIRED_FORM = "This form has expired or was not sent from the portal. Please try again."
WORKING = rules.WORKING_STATUSES
STALE_CHOICE = "Choose from the list: that choice is not available here."


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


# ------------------------------------------------------------------------ plain values


def officer(person: Participant | None) -> duties.Officer | None:
    if person is None:
        return None
    level = person.level
    return duties.Officer(
        person.id,
        person.short_name,
        level.code if level is not None else None,
        level.rank if level is not None else None,
    )


def current_actor() -> rules.Actor:
    person = current_user.participant
    return rules.Actor(
        user_id=current_user.id,
        capacities=frozenset(current_user.capacity_codes),
        participant_id=current_user.participant_id,
        name=person.short_name if person is not None else current_user.username,
    )


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


def staff_member(value) -> Participant | None:
    """The staff participant a picker sent, or RuleViolation when it is not one."""
    if value in (None, ""):
        return None
    try:
        person = db.session.get(Participant, int(value))
    except (TypeError, ValueError):
        person = None
    if person is None or person.kind != "staff":
        raise RuleViolation(STALE_CHOICE)
    return person


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
    return value or None


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


def outcome_inputs(code) -> dict:
    """The outcome as the rules read it: its code, and whether the lookup wants reasons."""
    code = blank_to_none(code)
    if code is None:
        return {"outcome": None}
    row = db.session.execute(select(Outcome).filter_by(code=code)).scalar_one_or_none()
    if row is None:
        raise RuleViolation(f"There is no outcome called “{code}”.")
    return {"outcome": code, "outcome_requires_reason": bool(row.requires_reason)}


def outcome_id(code) -> int | None:
    if code is None:
        return None
    row = db.session.execute(select(Outcome.id).filter_by(code=code)).scalar_one_or_none()
    if row is None:
        raise RuleViolation(f"There is no outcome called “{code}”.")
    return row


def set_columns(model, changes: dict) -> None:
    """Write the rules' field changes to the record (the non-columns are the caller's)."""
    for key, value in changes.items():
        if key in rules.NOT_COLUMNS or key in CLOCK_OWNED:
            continue
        setattr(model, key, value)
    if "outcome_code" in changes:
        model.outcome_id = outcome_id(changes["outcome_code"])


def describe(machine: rules.Machine, transition: rules.Transition, before: str, after: str):
    words = transition.label
    if after != before:
        words += f": {machine.statuses.get(before, before)} → {machine.statuses.get(after, after)}"
    return words


# ------------------------------------------------------------------------ the mixin


class WorkflowSteps:
    """Mix into a CaseView: the status and step buttons on details, and the step endpoint."""

    machine: ClassVar[rules.Machine]
    # Steps that read inputs only in some states: (state, now) -> whether to ask.
    asks_only_when: ClassVar[dict] = {}
    # Inputs a step asks for besides the rules' own (for a record it completes too).
    extra_inputs: ClassVar[dict] = {}

    # -- the record as the rules see it (per view) ---------------------------------------

    def workflow_state(self, model):
        raise NotImplementedError

    def field_for(self, key: str, model, state, formdata):
        """The unbound form field asking for input `key`."""
        raise NotImplementedError

    def fields_for(self, name: str, model, state, formdata) -> dict:
        """The unbound fields of the step's form, by input name."""
        return {key: self.field_for(key, model, state, formdata) for key in self.step_keys(name)}

    def rule_inputs(self, name: str, form, model) -> dict:
        """The form's values as the rules read them (may raise RuleViolation)."""
        return {key: blank_to_none(getattr(form, key).data) for key in self.step_keys(name)}

    def linked_problems(self, name, model, inputs, actor, now) -> list[str]:
        """Refusals from another record the step changes too (a review, its complaint)."""
        return []

    def record_step(self, name, model, changes, inputs, actor, now) -> str:
        """Write the changes; return the words for the history entry."""
        set_columns(model, changes)
        return ""

    # -- questions ---------------------------------------------------------------------

    def step_keys(self, name: str) -> tuple[str, ...]:
        return (*self.machine.inputs(name), *self.extra_inputs.get(name, ()))

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
        actor, now = current_actor(), utcnow()
        problems = self.machine.check(name, state, actor, inputs, now)
        problems += self.linked_problems(name, model, inputs, actor, now)
        if problems:
            raise RuleViolation("\n".join(dict.fromkeys(problems)))
        transition = self.machine.transition(name)
        before = model.status
        changes = self.machine.apply(name, state, actor, inputs, now)
        with db.session.no_autoflush:
            extra = self.record_step(name, model, changes, inputs, actor, now)
        summary = describe(self.machine, transition, before, model.status)
        if extra:
            summary += f". {extra}"
        # What the step was told that has no column (a reason, the status it waited from).
        told = {
            key: [None, value]
            for key, value in changes.items()
            if key in rules.NOT_COLUMNS and key != "outcome_code" and value is not None
        }
        history.note(db.session, model, name, summary, told)
        db.session.commit()
        status = self.machine.statuses.get(model.status, model.status)
        return f"{model}: {transition.label} done. It is now {status}."


# ------------------------------------------------------------------------ complaints


def _late(state, now) -> bool:
    due = state.review_request_due_at
    return due is not None and now > due


def _resume_unknown(state, now) -> bool:
    return state.status_before_pause is None


def open_review(complaint) -> InternalReview | None:
    reviews = [r for r in complaint.internal_reviews if r.status in rules.OPEN_REVIEW]
    return max(reviews, key=lambda r: (r.requested_at, r.id)) if reviews else None


def status_before_pause(model) -> str | None:
    """The status a complaint waited from, as its last wait step wrote it in the history."""
    if model.status != "awaiting_complainant":
        return None
    entry = db.session.execute(
        select(HistoryEntry)
        .where(
            HistoryEntry.record_type == type(model).__name__,
            HistoryEntry.record_id == model.id,
            HistoryEntry.action == "wait_on_complainant",
        )
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if entry is None or not entry.changes:
        return None
    recorded = json.loads(entry.changes).get("status_before_pause")
    return recorded[-1] if recorded else None


def complaint_state(model) -> rules.CaseState:
    review = open_review(model)
    return rules.CaseState(
        status=model.status,
        kind=model.kind or "complaint",
        manager_id=model.manager_id,
        decision_maker_id=model.decision_maker_id,
        reviewer_id=review.reviewer_id if review is not None else None,
        subjects=frozenset(person.id for person in model.subjects),
        involved=frozenset(person.id for person in model.involved),
        outcome_code=model.outcome.code if model.outcome is not None else None,
        drafted_by_user=model.drafted_by_id,
        decided_by_user=model.decided_by_id,
        registered_at=model.registered_at,
        acknowledged_at=model.acknowledged_at,
        decided_at=model.decided_at,
        finalised_at=model.finalised_at,
        closed_at=model.closed_at,
        review_request_due_at=model.review_request_due_at,
        status_before_pause=status_before_pause(model),
        human_rights=bool(model.human_rights),
        internal_review_open=review is not None,
        external_review_open=any(r.status == "open" for r in model.external_reviews),
    )


def complaint_assignment(complaint) -> duties.Assignment:
    return duties.Assignment(
        officer(complaint.manager),
        officer(complaint.decision_maker),
        frozenset(person.id for person in complaint.subjects),
        frozenset(person.id for person in complaint.involved),
        drafted_by_user=complaint.drafted_by_id,
        decided_by_user=complaint.decided_by_id,
    )


def review_state(review) -> rules.ReviewState:
    return rules.ReviewState(
        status=review.status,
        reviewer_id=review.reviewer_id,
        complaint=complaint_assignment(review.complaint),
        completed_at=review.completed_at,
    )


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
    machine = rules.COMPLAINTS
    asks_only_when = {
        "resume": _resume_unknown,
        "request_internal_review": _late,
    }
    extra_inputs = {"record_review_outcome": ("findings",)}

    def workflow_state(self, model):
        return complaint_state(model)

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

    def linked_problems(self, name, model, inputs, actor, now):
        if name != "record_review_outcome":
            return []
        review = open_review(model)
        if review is None:
            return []
        return rules.REVIEWS.check(
            "complete", review_state(review), actor, _review_completion(inputs), now
        )

    def record_step(self, name, model, changes, inputs, actor, now):
        set_columns(model, changes)
        if name == "assign":
            manager = db.session.get(Participant, model.manager_id)
            decision_maker = model.decision_maker_id and db.session.get(
                Participant, model.decision_maker_id
            )
            words = f"Assigned complaint manager {manager.short_name}"
            if decision_maker:
                words += f" and decision maker {decision_maker.short_name}"
            return words
        if name == "request_internal_review":
            late_reason = blank_to_none(changes.get("late_reason"))
            db.session.add(
                InternalReview(
                    complaint=model, status="requested", requested_at=now, late_reason=late_reason
                )
            )
            return f"Late request accepted: {late_reason}" if late_reason else ""
        if name == "request_external_review":
            body = changes["external_body"]
            db.session.add(
                ExternalReview(complaint=model, body=body, status="open", notified_at=now)
            )
            return f"Sent to the {EXTERNAL_BODIES[body]}"
        if name == "record_review_outcome":
            review = open_review(model)
            if review is not None:
                set_columns(
                    review,
                    rules.REVIEWS.apply(
                        "complete", review_state(review), actor, _review_completion(inputs), now
                    ),
                )
            return f"Review outcome: {REVIEW_OUTCOMES[changes['review_outcome']]}"
        if name == "refer":
            return f"Referred to {model.referral_target or ''}".strip()
        if name == "finalise" and model.outcome is not None:
            return f"Outcome: {model.outcome}"
        if changes.get("reason"):
            return f"Reason: {changes['reason']}"
        return ""

    # -- bulk steps on the grid --------------------------------------------------------

    # The bulk-assign page takes the assign step (for a permission table keyed by endpoint).
    endpoint_actions: ClassVar[dict] = {"bulk_assign_view": "assign"}

    def is_action_allowed(self, name):
        if not super().is_action_allowed(name):
            return False
        codes = scope.capacity_codes()
        if ADMINISTRATOR in codes:
            return True
        if name == "acknowledge":
            return bool(codes & {COORDINATOR, COMPLAINT_MANAGER})
        if name == "assign":
            return COORDINATOR in codes
        return True

    def bulk_load(self, record_id):
        """One complaint, scoped and read afresh from the database (or None)."""
        try:
            value = int(record_id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(Complaint.id == value).populate_existing().one_or_none()

    def bulk_step(self, name, ids, versions=None, inputs_for=None):
        """Take the step on each complaint in its own transaction; flash what happened."""
        transition = self.machine.transition(name)
        done, refused = [], []
        for record_id in ids:
            model = self.bulk_load(record_id)
            if model is None:
                refused.append(f"Complaint {record_id}: not found, or not one of yours.")
                continue
            reference = model.reference
            if versions is not None and str(versions.get(str(model.id))) != str(model.version):
                refused.append(f"{reference}: {self.conflict_message(model)}")
                continue
            try:
                inputs = inputs_for(model) if inputs_for else {}
                self.take_step(name, model, complaint_state(model), inputs)
            except RuleViolation as refusal:
                db.session.rollback()
                refused.append(f"{reference}: {' '.join(str(refusal).splitlines())}")
            except Exception as error:  # noqa: BLE001 - reported per complaint
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

    @staticmethod
    def flash_bulk(transition, done, refused):
        label = transition.label
        if done:
            flash(
                f"{label}: done for {len(done)} complaint{'s' if len(done) != 1 else ''} "
                f"({', '.join(done)}).",
                "success",
            )
        if refused:
            flash(
                f"{label}: {len(refused)} complaint{'s were' if len(refused) != 1 else ' was'} "
                "refused and left unchanged"
                + (" (each complaint is saved on its own: the others went ahead)" if done else "")
                + ".",
                "error",
            )
            for line in refused:
                flash(line, "error")

    @action("acknowledge", "Acknowledge", "Acknowledge the selected complaints?")
    def action_acknowledge(self, ids):
        self.bulk_step("acknowledge", ids)

    @action("assign", "Assign manager and decision maker…")
    def action_assign(self, ids):
        return redirect(self.get_url(".bulk_assign_view", ids=",".join(ids), url=self._list_url()))

    def _list_url(self):
        return get_redirect_target() or self.get_url(".index_view")

    @expose("/bulk-assign/", methods=("GET", "POST"))
    def bulk_assign_view(self):
        source = request.form if request.method == "POST" else request.args
        ids = [i for i in (source.get("ids") or "").split(",") if i.strip()]
        records = [m for m in (self.bulk_load(i) for i in ids) if m is not None]
        list_url = self._list_url()
        if not records:
            flash("Choose the complaints to assign in the list first.", "error")
            return redirect(list_url)
        formdata = request.form if request.method == "POST" else None
        fields = assignment_fields(None, None, formdata)
        fields["ids"] = HiddenField()
        fields["versions"] = HiddenField()
        form = type("BulkAssignForm", (SecureForm,), fields)(formdata)
        if formdata is None:
            form.ids.data = ",".join(str(m.id) for m in records)
            form.versions.data = ",".join(f"{m.id}:{m.version}" for m in records)

        def page():
            return self.render(
                "admin/transition.html",
                step="Assign manager and decision maker",
                intro="The same complaint manager and decision maker for each complaint below. "
                "Each complaint is checked and saved on its own: one refused is reported and "
                "the others go ahead.",
                records=[
                    (m.reference, COMPLAINT_STATUSES.get(m.status, m.status)) for m in records
                ],
                form=form,
                submit="Assign",
                cancel_url=list_url,
                refresh=True,
            )

        if formdata is None or "refresh" in request.form:
            return page()
        if not form.validate():
            flash(EXPIRED_FORM if "csrf_token" in form.errors else "Check the form.", "error")
            return page()
        try:
            inputs = assignment_inputs(form)
        except RuleViolation as refusal:
            flash(str(refusal), "error")
            return page()
        if inputs["manager"] is None:
            flash("Assigning needs a complaint manager.", "error")
            return page()
        versions = dict(
            pair.split(":", 1) for pair in (form.versions.data or "").split(",") if ":" in pair
        )
        self.bulk_step(
            "assign",
            [i for i in (form.ids.data or "").split(",") if i],
            versions=versions,
            inputs_for=lambda model: dict(inputs),
        )
        return redirect(list_url)


def _review_completion(inputs) -> dict:
    """The complaint's review-outcome inputs as the review's own completion reads them."""
    return {"outcome": inputs.get("review_outcome"), "findings": inputs.get("findings")}


# ------------------------------------------------------------------------ tickets


class TicketSteps(WorkflowSteps):
    machine = rules.TICKETS

    def workflow_state(self, model):
        return rules.TicketState(
            status=model.status,
            first_response_at=model.first_response_at,
            resolved_at=model.resolved_at,
            closed_at=model.closed_at,
        )

    def field_for(self, key, model, state, formdata):
        if key == "reason":
            return TextAreaField("Reason")
        raise KeyError(key)

    def record_step(self, name, model, changes, inputs, actor, now):
        set_columns(model, changes)
        return f"Reason: {changes['reason']}" if changes.get("reason") else ""


# ------------------------------------------------------------------------ internal reviews


class ReviewSteps(WorkflowSteps):
    machine = rules.REVIEWS
    # Completing a review gives its complaint the review's outcome too.
    extra_inputs = {"complete": ("complaint_outcome", "outcome_reason")}

    def workflow_state(self, model):
        return review_state(model)

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

    def complaint_inputs(self, inputs) -> dict:
        linked = {
            "review_outcome": inputs.get("outcome"),
            "outcome_reason": inputs.get("outcome_reason"),
        }
        linked.update(outcome_inputs(inputs.get("complaint_outcome")))
        return linked

    def completes_complaint(self, name, model) -> bool:
        return name == "complete" and model.complaint.status == "internal_review"

    def linked_problems(self, name, model, inputs, actor, now):
        if not self.completes_complaint(name, model):
            return []
        return rules.COMPLAINTS.check(
            "record_review_outcome",
            complaint_state(model.complaint),
            actor,
            self.complaint_inputs(inputs),
            now,
        )

    def record_step(self, name, model, changes, inputs, actor, now):
        if name == "assign_reviewer":
            set_columns(model, changes)
            model.reviewer = db.session.get(Participant, changes["reviewer_id"])
            return f"Reviewer: {model.reviewer.short_name}"
        if self.completes_complaint(name, model):
            complaint = model.complaint
            complaint_changes = rules.COMPLAINTS.apply(
                "record_review_outcome",
                complaint_state(complaint),
                actor,
                self.complaint_inputs(inputs),
                now,
            )
            set_columns(model, changes)
            before = complaint.status
            set_columns(complaint, complaint_changes)
            words = describe(
                rules.COMPLAINTS,
                rules.COMPLAINTS.transition("record_review_outcome"),
                before,
                complaint.status,
            )
            history.note(
                db.session,
                complaint,
                "record_review_outcome",
                f"{words}. Review outcome: {REVIEW_OUTCOMES[changes['outcome']]}",
            )
            return f"Outcome: {REVIEW_OUTCOMES[changes['outcome']]}"
        set_columns(model, changes)
        return f"Reason: {changes['reason']}" if changes.get("reason") else ""
