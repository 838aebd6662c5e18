"""The workflow steps of an internal review on its screens: the reviewers the
separation-of-duties rules allow, and the review's outcome."""

from typing import ClassVar

from flask import redirect
from flask_admin import expose
from flask_admin.actions import action
from wtforms import TextAreaField

from rules import duties
from rules.errors import RuleViolation
from rules.vocabulary import INTERNAL_REVIEWER, REVIEW_OUTCOMES
from services import steps
from services.steps import complaint_assignment, officer, staff_member

from .workflow import Choice, WorkflowSteps, officers_with, outcome_choices, person_choices


def reviewer_field() -> Choice:
    """Every active internal reviewer: each review then checks its own separation of duties."""
    return Choice(
        "Internal reviewer",
        choices=person_choices(officers_with(INTERNAL_REVIEWER), "(choose)"),
        validate_choice=False,
        description="Each review is checked on its own: a reviewer who was involved in a "
        "complaint, or ranks below its decision maker, is refused for that one.",
    )


class ReviewSteps(WorkflowSteps):
    stepper = steps.REVIEW_STEPS
    # The bulk-assign page takes the assign reviewer step.
    endpoint_actions: ClassVar[dict] = {"bulk_assign_reviewer_view": "assign_reviewer"}

    # -- steps on several reviews at once ----------------------------------------------

    @action("start", "Start review", "Start the selected internal reviews?")
    def action_start(self, ids):
        self.bulk_step("start", ids)

    @action(
        "wait_on_complainant",
        "Wait on complainant",
        "Put the selected reviews on hold, waiting on the complainant? Their clocks stop.",
    )
    def action_wait_on_complainant(self, ids):
        self.bulk_step("wait_on_complainant", ids)

    @action("assign_reviewer", "Assign or reassign reviewer…")
    def action_assign_reviewer(self, ids):
        return redirect(
            self.get_url(".bulk_assign_reviewer_view", ids=",".join(ids), url=self._list_url())
        )

    @expose("/bulk-assign-reviewer/", methods=("GET", "POST"))
    def bulk_assign_reviewer_view(self):
        def read_inputs(form):
            reviewer = officer(staff_member(form.reviewer.data))
            if reviewer is None:
                raise RuleViolation("Assigning needs the internal reviewer.")
            return {"reviewer": reviewer}

        return self.bulk_form_view(
            "assign_reviewer",
            fields=lambda formdata: {"reviewer": reviewer_field()},
            read_inputs=read_inputs,
            title="Assign reviewer",
            intro="The same internal reviewer for each review below. Each review is checked "
            "and saved on its own: one refused is reported and the others go ahead.",
            submit="Assign",
            empty="Choose the internal reviews to assign in the list first.",
        )

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
