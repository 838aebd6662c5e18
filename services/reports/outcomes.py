"""Outcomes and reviews: complaints finalised by outcome, internal reviews requested and
completed, external reviews by body, and referrals to other processes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    func,
    select,
)

from models import (
    Complaint,
    ExternalReview,
    InternalReview,
    Outcome,
    ReferralTarget,
)
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import (
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
)

from .toolkit import (
    Count,
    Scope,
    TableData,
    Zone,
    breakdown,
    lookup_breakdown,
    within,
)


@dataclass(frozen=True, slots=True)
class OutcomesReport:
    """Outcomes, internal and external reviews and referrals, in one period.

    outcomes: complaints finalised in the period, by outcome. internal_reviews_requested:
    requests made in the period; review_outcomes: reviews completed in it, by what the
    review found ("decision_changed" is the outcome changed on review).
    external_reviews: complaints notified to an external body in the period, by body.
    referrals: complaints referred to another process in the period (the instant it was
    referred, or closed afterwards, is recorded as `closed_at`), by where to.
    """

    period: Period
    outcomes: tuple[Count, ...]
    internal_reviews_requested: int
    review_outcomes: tuple[Count, ...]
    external_reviews: tuple[Count, ...]
    referrals: tuple[Count, ...]

    @property
    def finalised(self) -> int:
        return sum(c.count for c in self.outcomes)

    @property
    def internal_reviews_completed(self) -> int:
        return sum(c.count for c in self.review_outcomes)

    @property
    def outcome_changed_on_review(self) -> int:
        return next((c.count for c in self.review_outcomes if c.key == "decision_changed"), 0)

    @property
    def external_reviews_total(self) -> int:
        return sum(c.count for c in self.external_reviews)

    @property
    def referrals_total(self) -> int:
        return sum(c.count for c in self.referrals)

    def as_table(self) -> TableData:
        rows = [("Outcome", c.label, c.count) for c in self.outcomes]
        rows.append(("Internal review", "Requested", self.internal_reviews_requested))
        rows += [("Internal review completed", c.label, c.count) for c in self.review_outcomes]
        rows += [("External review", c.label, c.count) for c in self.external_reviews]
        rows += [("Referred to", c.label, c.count) for c in self.referrals]
        return TableData(("Measure", "What", "Complaints"), tuple(rows))


def outcomes_and_reviews(
    session, period: Period, *, scope: Scope = None, tz: Zone = DEFAULT_TIME_ZONE
) -> OutcomesReport:
    """Outcomes, internal reviews requested and completed (outcome changed on review),
    external reviews by body, and referrals to other processes by target, in a period."""
    bounds = period.utc_bounds(tz)
    complaints = [Complaint.kind == "complaint"] + ([scope] if scope is not None else [])

    outcome_counts = dict(
        session.execute(
            select(Outcome.code, func.count(Complaint.id))
            .select_from(Complaint)
            .outerjoin(Outcome, Outcome.id == Complaint.outcome_id)
            .where(*complaints, within(Complaint.finalised_at, bounds))
            .group_by(Outcome.code)
        ).all()
    )
    requested = session.scalar(
        select(func.count(InternalReview.id))
        .join(Complaint, Complaint.id == InternalReview.complaint_id)
        .where(*complaints, within(InternalReview.requested_at, bounds))
    )
    review_counts = dict(
        session.execute(
            select(InternalReview.outcome, func.count(InternalReview.id))
            .join(Complaint, Complaint.id == InternalReview.complaint_id)
            .where(*complaints, within(InternalReview.completed_at, bounds))
            .group_by(InternalReview.outcome)
        ).all()
    )
    external_counts = dict(
        session.execute(
            select(ExternalReview.body, func.count(ExternalReview.id))
            .join(Complaint, Complaint.id == ExternalReview.complaint_id)
            .where(*complaints, within(ExternalReview.notified_at, bounds))
            .group_by(ExternalReview.body)
        ).all()
    )
    referral_counts = dict(
        session.execute(
            select(ReferralTarget.code, func.count(Complaint.id))
            .join(ReferralTarget, ReferralTarget.id == Complaint.referral_target_id)
            .where(*complaints, within(Complaint.closed_at, bounds))
            .group_by(ReferralTarget.code)
        ).all()
    )
    return OutcomesReport(
        period,
        outcomes=lookup_breakdown(session, Outcome, outcome_counts),
        internal_reviews_requested=int(requested or 0),
        review_outcomes=breakdown(review_counts, list(REVIEW_OUTCOMES.items()), REVIEW_OUTCOMES),
        external_reviews=breakdown(
            external_counts, list(EXTERNAL_BODIES.items()), EXTERNAL_BODIES
        ),
        referrals=lookup_breakdown(session, ReferralTarget, referral_counts),
    )
