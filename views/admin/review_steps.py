"""The workflow steps of an internal review on its screens: the reviewers the
separation-of-duties rules allow, and the review's outcome."""

from wtforms import TextAreaField

from rules import duties
from rules.vocabulary import INTERNAL_REVIEWER, REVIEW_OUTCOMES
from services import steps
from services.steps import complaint_assignment, officer, staff_member

from .workflow import Choice, WorkflowSteps, officers_with, outcome_choices, person_choices


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
