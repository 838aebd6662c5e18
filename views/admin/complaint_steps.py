"""The workflow steps of a complaint on its screens: the inputs each step asks for (the
manager and decision maker the separation-of-duties rules allow, the outcome, the referral),
and the bulk steps of the complaints grid (acknowledge, assign)."""

from typing import ClassVar

from flask import redirect
from flask_admin import expose
from flask_admin.actions import action
from sqlalchemy import select
from wtforms import TextAreaField

from models import Participant, ReferralTarget, db
from rules import duties, workflow
from rules.errors import RuleViolation
from rules.vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_MANAGER,
    COMPLAINT_STATUSES,
    COORDINATOR,
    DECISION_MAKER,
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
)
from services import access, notes, steps
from services.steps import STALE_CHOICE, officer, outcome_inputs, staff_member

from .. import context
from .workflow import Choice, WorkflowSteps, officers_with, outcome_choices, person_choices


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
                    if s in workflow.WORKING_STATUSES
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
