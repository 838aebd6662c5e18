"""The life of each planned complaint, compliment, suggestion and referral: its steps in
office hours, extensions, internal and external reviews.
"""

from .texts import (
    EXTENSION_REASONS,
    EXTERNAL_OUTCOMES,
    LATE_REASONS,
    MATTERS,
    OUTCOME_REASONS,
    PLACES,
    REVIEW_FINDINGS,
)


class ComplaintLives:
    """Each planned case's events, worked out in its division's office hours."""

    def plan_feedback_life(self, plan, office):
        rng = self.rng
        registered = office.during_hours(
            rng, plan.received_at, rng.choices([0, 1, 2, 4, 6], [30, 35, 20, 10, 5])[0]
        )
        acknowledged = office.during_hours(rng, registered, rng.choice([0, 0, 1, 2]))
        passed_on = office.during_hours(rng, acknowledged, rng.randint(1, 8))
        plan.events = [
            ("received", plan.received_at),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("closed", passed_on),
        ]
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        plan.change(passed_on, closed_at=passed_on)

    def plan_referral_life(self, plan, office):
        rng = self.rng
        registered = office.during_hours(
            rng, plan.received_at, rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0]
        )
        acknowledged = office.during_hours(rng, registered, rng.choice([0, 1, 2]))
        assessed = office.during_hours(rng, acknowledged, rng.choice([0, 1]))
        referred = office.during_hours(rng, assessed, rng.randint(1, 5))
        plan.events = [
            ("received", plan.received_at),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("under_assessment", assessed),
            ("referred", referred),
        ]
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        # Referring records the close: the matter leaves this process (rules/workflow.py).
        plan.change(referred, closed_at=referred, referred=True)

    def plan_complaint_life(self, plan, office, force):
        rng = self.rng
        informal = plan.classification == "informal"
        r = plan.received_at
        registered = office.during_hours(rng, r, rng.choices([0, 1, 2, 3], [50, 33, 13, 4])[0])
        acknowledged = office.during_hours(
            rng, registered, rng.choices([0, 1, 2, 3, 4, 5, 7], [18, 30, 20, 12, 8, 7, 5])[0]
        )
        assessed = office.during_hours(rng, acknowledged, rng.choice([0, 0, 1, 2]))
        investigating = office.during_hours(
            rng, assessed, rng.randint(0, 1) if informal else rng.randint(1, 4)
        )
        events = [
            ("received", r),
            ("registered", registered),
            ("acknowledged", acknowledged),
            ("under_assessment", assessed),
            ("investigation", investigating),
        ]
        working_days = {
            "informal": rng.randint(0, 2),
            "standard": rng.randint(6, 18) + (rng.randint(8, 25) if rng.random() < 0.12 else 0),
            "complex": rng.randint(18, 50),
        }[plan.classification]
        resumed = investigating
        if force.get("wait") or (not informal and rng.random() < 0.18):
            waiting = office.during_hours(rng, investigating, rng.randint(1, 6))
            resumed = office.during_hours(rng, waiting, rng.randint(3, 15))
            events += [("awaiting_complainant", waiting), ("investigation", resumed)]
        drafted = office.during_hours(rng, resumed, working_days)
        decided = office.during_hours(
            rng, drafted, rng.randint(0, 1) if informal else rng.randint(1, 4)
        )
        finalised = office.during_hours(rng, decided, rng.choice([0, 0, 1, 2]))
        events += [("response_drafted", drafted), ("decided", decided), ("finalised", finalised)]

        weights = {
            "informal": [15, 12, 10, 55, 5, 3],
            "standard": [20, 25, 30, 12, 6, 7],
            "complex": [20, 30, 30, 8, 5, 7],
        }[plan.classification]
        plan.outcome = rng.choices(
            ["upheld", "partly_upheld", "not_upheld", "resolved", "withdrawn", "declined"], weights
        )[0]
        if self.outcomes[plan.outcome].requires_reason:
            plan.outcome_reason = rng.choice(OUTCOME_REASONS[plan.outcome]).format(
                matter=rng.choice(MATTERS)
            )
        plan.change(registered, registered_at=registered)
        plan.change(acknowledged, acknowledged_at=acknowledged)
        plan.change(assessed, assigned=True)
        plan.change(drafted, drafted=True)
        plan.change(decided, decided_at=decided, decided=True)
        # The outcome is chosen when the response is finalised (rules/workflow.py).
        plan.change(
            finalised,
            finalised_at=finalised,
            outcome=plan.outcome,
            outcome_reason=plan.outcome_reason,
        )

        if plan.classification == "complex" and working_days + 8 > 20:
            approved = office.during_hours(rng, investigating, rng.randint(8, 14))
            plan.extension = {
                "approved_at": approved,
                "told_at": office.during_hours(rng, approved, rng.randint(0, 2)),
                "new_due_at": office.closing(
                    office.during_hours(rng, drafted, rng.randint(6, 15))
                ),
                "reason": rng.choice(EXTENSION_REASONS).format(
                    place=rng.choice(PLACES[plan.division.code]), matter=rng.choice(MATTERS)
                ),
                "approved_by": plan.decision_maker,
            }

        disputable = plan.outcome in ("not_upheld", "partly_upheld", "declined")
        wants_review = force.get("review") or rng.random() < (0.14 if disputable else 0.02)
        closed_after, review_window = finalised, True
        if wants_review:
            late = rng.random() < 0.08
            requested = office.during_hours(
                rng, finalised, rng.randint(22, 30) if late else rng.randint(3, 18)
            )
            assigned = office.during_hours(rng, requested, rng.randint(0, 3))
            completed = office.during_hours(rng, assigned, rng.randint(8, 22))
            withdrawn = rng.random() < 0.08
            review_events = [("requested", requested), ("in_progress", assigned)]
            if rng.random() < 0.15:
                waiting = office.during_hours(rng, assigned, rng.randint(2, 6))
                back = office.during_hours(rng, waiting, rng.randint(3, 10))
                completed = office.during_hours(rng, back, rng.randint(2, 8))
                review_events += [("awaiting_complainant", waiting), ("in_progress", back)]
            review_events.append(("withdrawn" if withdrawn else "completed", completed))
            outcome = rng.choices(list(REVIEW_FINDINGS), [70, 15, 15])[0]
            plan.review = {
                "events": review_events,
                "late_reason": rng.choice(LATE_REASONS) if late else None,
                "outcome": outcome,
            }
            events.append(("internal_review", requested))
            closed_after, review_window = completed, False
            if not withdrawn and outcome == "decision_changed":
                changed_to = rng.choice(
                    [code for code in ("upheld", "partly_upheld") if code != plan.outcome]
                )
                plan.review["changed_to"] = changed_to
                plan.change(completed, outcome=changed_to, outcome_reason=None)
            elif not withdrawn and outcome == "referred_back":
                # Back before the decision maker for a fresh decision, then a new response.
                redecided = office.during_hours(rng, completed, rng.randint(2, 8))
                refinalised = office.during_hours(rng, redecided, rng.choice([0, 1, 2]))
                events += [
                    ("response_drafted", completed),
                    ("decided", redecided),
                    ("finalised", refinalised),
                ]
                plan.change(
                    completed,
                    decided_at=None,
                    decided=False,
                    finalised_at=None,
                    outcome=None,
                    outcome_reason=None,
                )
                plan.change(redecided, decided_at=redecided, decided=True)
                plan.change(
                    refinalised,
                    finalised_at=refinalised,
                    outcome=rng.choice(["upheld", "partly_upheld", "resolved"]),
                    outcome_reason=None,
                )
                closed_after, review_window = refinalised, True
            if not withdrawn and outcome != "referred_back":
                if force.get("external") or rng.random() < 0.25:
                    notified = office.during_hours(rng, completed, rng.randint(10, 40))
                    plan.external = self.plan_external("ombudsman", notified, office)
        elif plan.human_rights and (force.get("external") or (disputable and rng.random() < 0.35)):
            notified = office.during_hours(
                rng, max(finalised, office.during_hours(rng, r, 45)), rng.randint(3, 20)
            )
            plan.external = self.plan_external("human_rights_commissioner", notified, office)

        # Closed once the review window has passed, or once the review is over.
        closed = office.during_hours(
            rng, closed_after, rng.randint(21, 26) if review_window else rng.randint(0, 3)
        )
        if plan.external and plan.external["notified_at"] < closed:
            closed = None
        if closed:
            events.append(("closed", closed))
            plan.change(closed, closed_at=closed)
        if plan.external:
            notified = plan.external["notified_at"]
            final = office.during_hours(rng, plan.external["closed_at"], rng.randint(0, 3))
            events += [("external_review", notified), ("closed", final)]
            plan.change(notified, closed_at=None)
            plan.change(final, closed_at=final)
        events.sort(key=lambda event: event[1])
        plan.events = events

    def plan_external(self, body, notified, office):
        rng = self.rng
        prefix = "QO" if body == "ombudsman" else "QHRC"
        return {
            "body": body,
            "notified_at": notified,
            "closed_at": office.during_hours(rng, notified, rng.randint(25, 100)),
            "their_reference": f"{prefix}-{notified.year}-{rng.randint(1000, 99999):05d}",
            "outcome": rng.choice(EXTERNAL_OUTCOMES),
        }
