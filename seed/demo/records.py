"""Saving the planned complaints and their internal reviews: only what has happened by `now`."""

from models import (
    Complaint,
    Extension,
    ExternalReview,
    InternalReview,
    db,
    kinds,
)

from .people import IR
from .plans import (
    BATCH_SIZE,
    last_time,
    status_at,
)
from .texts import REVIEW_FINDINGS


class ComplaintRecords:
    """Planned complaints written through the ORM session, in batches."""

    def save_complaints(self, plans):
        saved = 0
        self.complaint_for_ticket = {}
        reviewers = [p for p in self.staff if IR in self.capacities_of[id(p)]]
        for plan in plans:
            complaint = self.complaint_from_plan(plan, reviewers)
            db.session.add(complaint)
            if plan.ticket_key is not None:
                self.complaint_for_ticket[plan.ticket_key] = complaint
            saved += 1
            if saved % BATCH_SIZE == 0:
                db.session.commit()
        db.session.commit()
        return saved

    def complaint_from_plan(self, plan, reviewers):
        now = self.now
        status = status_at(plan.events, now)
        fields = plan.fields_at(now)
        outcome = fields.get("outcome")
        complaint = Complaint(
            kind=plan.kind,
            status=status,
            summary=plan.summary,
            description=plan.description,
            outcome_sought=plan.outcome_sought,
            human_rights=plan.human_rights,
            confidential=plan.confidential,
            channel=self.channels[plan.channel],
            category=self.categories[plan.category],
            division=plan.division,
            complainant=plan.complainant,
            subjects=list(plan.subjects),
            involved=list(plan.involved),
            received_at=plan.received_at,
            registered_at=fields.get("registered_at"),
            acknowledged_at=fields.get("acknowledged_at"),
            decided_at=fields.get("decided_at"),
            finalised_at=fields.get("finalised_at"),
            closed_at=fields.get("closed_at"),
            outcome=self.outcomes[outcome] if outcome else None,
            outcome_reason=fields.get("outcome_reason"),
        )
        if fields.get("registered_at"):
            complaint.coordinator = self.coordinators[plan.division.code]
            if plan.classification == "informal":
                # Informal complaints are classified when they are registered.
                complaint.classification = plan.classification
        if fields.get("referred"):
            complaint.referral_target = self.referral_targets[plan.referral]
        if fields.get("assigned"):
            complaint.classification = plan.classification
            complaint.manager = plan.manager
            complaint.decision_maker = plan.decision_maker
        if fields.get("drafted"):
            complaint.drafted_by = self.accounts[id(plan.manager)]
        if fields.get("decided"):
            complaint.decided_by = self.accounts[id(plan.decision_maker)]
        if status == "awaiting_complainant":
            complaint.paused_since = last_time(plan.events, "awaiting_complainant", now)

        if plan.extension and plan.extension["approved_at"] <= now:
            told = plan.extension["told_at"]
            complaint.extensions.append(
                Extension(
                    new_due_at=plan.extension["new_due_at"],
                    reason=plan.extension["reason"],
                    approved_by=plan.extension["approved_by"],
                    approved_at=plan.extension["approved_at"],
                    complainant_told_at=told if told <= now else None,
                )
            )
        if plan.review and plan.review["events"][0][1] <= now:
            complaint.internal_reviews.append(self.review_from_plan(plan, reviewers))
        if plan.external and plan.external["notified_at"] <= now:
            closed = plan.external["closed_at"] <= now
            complaint.external_reviews.append(
                ExternalReview(
                    body=plan.external["body"],
                    their_reference=plan.external["their_reference"],
                    notified_at=plan.external["notified_at"],
                    status="closed" if closed else "open",
                    outcome=plan.external["outcome"] if closed else None,
                    closed_at=plan.external["closed_at"] if closed else None,
                )
            )
        return complaint

    def review_from_plan(self, plan, reviewers):
        """A reviewer clear of the case who ranks at least with its decision maker (rule 2)."""
        now, rng = self.now, self.rng
        events = plan.review["events"]
        status = status_at(events, now)
        conflicted = {id(p) for p in plan.subjects + plan.involved}
        conflicted |= {id(plan.manager), id(plan.decision_maker)}
        eligible = [
            p
            for p in reviewers
            if id(p) not in conflicted and self.rank[id(p)] >= self.rank[id(plan.decision_maker)]
        ]
        review = InternalReview(
            status=status,
            requested_at=events[0][1],
            late_reason=plan.review["late_reason"],
        )
        if status != "requested":
            review.reviewer = rng.choices(eligible, [self.officer_weight(p) for p in eligible])[0]
        if status == "awaiting_complainant":
            review.paused_since = last_time(events, "awaiting_complainant", now)
        if kinds.INTERNAL_REVIEW.is_closed(status):
            review.completed_at = events[-1][1]
        if status == "completed":
            review.outcome = plan.review["outcome"]
            review.findings = REVIEW_FINDINGS[review.outcome].format(
                outcome=self.outcomes[plan.review.get("changed_to", "upheld")].name.lower()
            )
            review.recorded_by = self.accounts[id(review.reviewer)]
        return review
