"""The workflow steps of a complaint on its screens: the inputs each step asks for (the
manager and decision maker the separation-of-duties rules allow, the outcome, the referral),
and the bulk steps of the complaints grid (acknowledge, assign)."""

from typing import ClassVar

from flask import jsonify, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from sqlalchemy import select
from wtforms import TextAreaField

from models import Category, Participant, ReferralTarget, db
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
from services.steps import STALE_CHOICE, category_id, officer, outcome_inputs, staff_member

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


def category_field(current_id=None) -> Choice:
    """The active categories, the complaint's own first chosen."""
    rows = db.session.execute(
        select(Category.id, Category.name)
        .where(Category.active.is_(True))
        .order_by(Category.sort_order, Category.name)
    ).all()
    return Choice(
        "Category",
        choices=[("", "(choose)")] + [(str(i), name) for i, name in rows],
        default=str(current_id) if current_id is not None else "",
        validate_choice=False,
    )


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
    offered = decision_maker_choices(manager, subjects, involved)
    # A refused choice stays chosen: the officer sees what they picked beside the refusal.
    picked = chosen(formdata, "decision_maker", None)
    if picked is not None and picked.id not in {person.id for person in offered}:
        offered.append(picked)
    return {
        "manager": Choice(
            "Complaint manager",
            choices=person_choices(
                manager_choices(subjects, involved, keep=[manager_now, manager]), "(choose)"
            ),
            default=str(manager_now.id) if manager_now is not None else "",
            validate_choice=False,
        ),
        "decision_maker": Choice(
            "Decision maker",
            choices=person_choices(offered, "(assign one later)"),
            default=str(decision_maker_now.id) if decision_maker_now is not None else "",
            validate_choice=False,
            description="Only officers who rank above the complaint manager chosen are "
            "offered: choosing the manager narrows the list (without scripts, choose the "
            "manager, then “Offer decision makers”).",
            render_kw={"data-decision-makers": ""},
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
        # One complaint's category is changed in its edit form; the step serves the grid.
        panel["steps"] = [step for step in panel["steps"] if step.name != "set_category"]
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
        if key == "category":
            return category_field(model.category_id if model is not None else None)
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
        if name == "set_category":
            inputs["category"] = category_id(form.category.data)
        return inputs

    def render(self, template, **kwargs):
        if template == "admin/transition.html":
            # Where the step's script asks which decision makers suit the manager chosen.
            kwargs.setdefault(
                "decision_makers_url",
                self.get_url(".decision_makers_view", id=request.args.get("id") or None),
            )
        return super().render(template, **kwargs)

    @expose("/decision-makers/")
    def decision_makers_view(self):
        """The decision makers the rules allow beside a complaint manager, as JSON: what the
        assign forms offer once a manager is chosen (rules 1 and 3 of the separation of
        duties), each with their open caseload."""
        try:
            manager = staff_member(request.args.get("manager"))
        except RuleViolation:
            return jsonify({"error": STALE_CHOICE, "choices": []}), 400
        subjects = involved = ()
        if request.args.get("id"):
            complaint = self.get_one(request.args["id"])
            state = self.workflow_state(complaint)
            subjects, involved = state.subjects, state.involved
        offered = decision_maker_choices(manager, subjects, involved)
        return jsonify(
            {
                "manager": manager.id if manager is not None else None,
                "choices": [
                    {"id": value, "label": label}
                    for value, label in person_choices(offered, "(assign one later)")
                ],
            }
        )

    # -- bulk steps on the grid --------------------------------------------------------

    # The bulk-assign page takes the assign step (for a permission table keyed by endpoint).
    endpoint_actions: ClassVar[dict] = {
        "bulk_assign_view": "assign",
        "decision_makers_view": "assign",
        "bulk_category_view": "set_category",
    }

    def is_action_allowed(self, name):
        if not super().is_action_allowed(name):
            return False
        codes = access.capacity_codes(context.current_actor())
        if ADMINISTRATOR in codes:
            return True
        if name == "acknowledge":
            return bool(codes & {COORDINATOR, COMPLAINT_MANAGER})
        if name in ("assign", "register", "set_category", "close"):
            return COORDINATOR in codes
        if name == "wait_on_complainant":
            return bool(codes & {COORDINATOR, COMPLAINT_MANAGER})
        return True

    @action("acknowledge", "Acknowledge", "Acknowledge the selected complaints?")
    def action_acknowledge(self, ids):
        self.bulk_step("acknowledge", ids)

    @action("register", "Register", "Register the selected complaints?")
    def action_register(self, ids):
        self.bulk_step("register", ids)

    @action(
        "wait_on_complainant",
        "Wait on complainant",
        "Put the selected complaints on hold, waiting on the complainant? Their clocks stop.",
    )
    def action_wait_on_complainant(self, ids):
        self.bulk_step("wait_on_complainant", ids)

    @action("close", "Close", "Close the selected complaints?")
    def action_close(self, ids):
        self.bulk_step("close", ids)

    @action("set_category", "Set category…")
    def action_set_category(self, ids):
        return redirect(
            self.get_url(".bulk_category_view", ids=",".join(ids), url=self._list_url())
        )

    @expose("/bulk-category/", methods=("GET", "POST"))
    def bulk_category_view(self):
        def read_inputs(form):
            chosen_category = category_id(form.category.data)
            if chosen_category is None:
                raise RuleViolation("Setting the category needs a category.")
            return {"category": chosen_category}

        return self.bulk_form_view(
            "set_category",
            fields=lambda formdata: {"category": category_field(None)},
            read_inputs=read_inputs,
            title="Set category",
            intro="The same category for each complaint below. Each complaint is checked "
            "and saved on its own: one refused is reported and the others go ahead.",
            submit="Set category",
            empty="Choose the complaints to categorise in the list first.",
        )

    @action("assign", "Assign or reassign manager and decision maker…")
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
