"""Workflow steps on records: the same for every door (admin screen, bulk action, API).

rules/workflow.py decides, from plain values, whether a step may be taken and which fields
it changes. This module is the glue to the database: it reads a record into the rules'
plain values (`state`), asks them, writes their answer to the record and its related
records (an internal review opened, an external review noted), and notes the step in the
history. It does not commit: the caller does, so that it can add its own writes (an
API idempotency record) to the same transaction, or roll everything back.
"""

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from models import (
    Capacity,
    Category,
    ExternalReview,
    HistoryEntry,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    User,
    db,
)
from rules import duties, workflow
from rules.custody import ASSIGNMENT
from rules.errors import RuleViolation
from rules.vocabulary import COORDINATOR, EXTERNAL_BODIES, REVIEW_OUTCOMES, SUPPORT_AGENT

from . import custody, history, notes

# Set by the flush hook in services/clocks/on_save.py from the status: a step never writes it, or
# the hook would not see the pause start or end (and would not move the due instants).
CLOCK_OWNED = frozenset({"paused_since"})
STALE_CHOICE = "Choose from the list: that choice is not available here."

# The kinds of refusal a step gets, whatever the door: the screens show the messages, the
# API answers 403, 409 and 422 (views/api/transitions.py).
NOT_YOURS = "not yours"  # the acting officer may not take this step on this record
NOT_NOW = "not now"  # the record's status (or kind) does not allow the step
BAD_INPUT = "bad input"  # an input is missing or wrong


class StepRefused(RuleViolation):
    """A step refused: every message, the kind of refusal, and for a wrong input the name
    of the input each message is about (`fields`, message -> input; "step" otherwise)."""

    def __init__(self, kind: str, problems: list[str], fields: Mapping[str, str] | None = None):
        super().__init__("\n".join(problems))
        self.kind = kind
        self.problems = list(problems)
        self.fields = dict(fields or {})

    def field_of(self, message: str) -> str:
        return self.fields.get(message, "step")


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


def actor_of(user) -> workflow.Actor:
    """The account taking a step, as the rules see it."""
    person = user.participant
    return workflow.Actor(
        user_id=user.id,
        capacities=frozenset(user.capacity_codes),
        participant_id=user.participant_id,
        name=person.short_name if person is not None else user.username,
    )


def staff_member(value, refusal: str = STALE_CHOICE) -> Participant | None:
    """The staff participant an id names, or RuleViolation(refusal) when it is not one."""
    if value in (None, ""):
        return None
    try:
        person = db.session.get(Participant, int(value))
    except (TypeError, ValueError):
        person = None
    if person is None or person.kind != "staff":
        raise RuleViolation(refusal)
    return person


def is_support_agent(person: Participant) -> bool:
    """Whether the staff member has an active account holding the support-agent capacity."""
    found = db.session.execute(
        select(User.id)
        .join(User.capacities)
        .where(
            User.participant_id == person.id,
            User.active.is_(True),
            Capacity.code == SUPPORT_AGENT,
        )
        .limit(1)
    ).first()
    return found is not None


def support_agent(value, refusal: str = STALE_CHOICE) -> workflow.Agent | None:
    """The person an id names, as a ticket's agent for the rules (whether they may work
    tickets is the rules' to say); RuleViolation(refusal) when it is not a staff member."""
    person = staff_member(value, refusal)
    if person is None:
        return None
    return workflow.Agent(person.id, person.short_name, is_support_agent(person))


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
    return value or None


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


def referral_target_id(value) -> int | None:
    """A referral target's id from its id or its code; RuleViolation when there is none."""
    if value in (None, ""):
        return None
    target = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        target = db.session.get(ReferralTarget, int(value))
    if target is None and isinstance(value, str):
        target = db.session.execute(
            select(ReferralTarget).filter_by(code=value)
        ).scalar_one_or_none()
    if target is None:
        raise RuleViolation(STALE_CHOICE)
    return target.id


def category_id(value) -> int | None:
    """An active category's id from its id or its code; RuleViolation when there is none."""
    if value in (None, ""):
        return None
    category = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        category = db.session.get(Category, int(value))
    if category is None and isinstance(value, str):
        category = db.session.execute(select(Category).filter_by(code=value)).scalar_one_or_none()
    if category is None or not category.active:
        raise RuleViolation(STALE_CHOICE)
    return category.id


def set_columns(model, changes: dict) -> None:
    """Write the rules' field changes to the record (the non-columns are the caller's)."""
    for key, value in changes.items():
        if key in workflow.NOT_COLUMNS or key in CLOCK_OWNED:
            continue
        setattr(model, key, value)
    if "outcome_code" in changes:
        model.outcome_id = outcome_id(changes["outcome_code"])


def describe(machine: workflow.Machine, transition: workflow.Transition, before: str, after: str):
    words = transition.label
    if after != before:
        words += f": {machine.statuses.get(before, before)} → {machine.statuses.get(after, after)}"
    return words


def open_review(complaint) -> InternalReview | None:
    reviews = [r for r in complaint.internal_reviews if r.status in workflow.OPEN_REVIEW]
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


def complaint_state(model) -> workflow.CaseState:
    review = open_review(model)
    return workflow.CaseState(
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
        internal_review_done=any(
            r.status == "completed"
            and r.completed_at is not None
            and model.finalised_at is not None
            and r.completed_at >= model.finalised_at
            for r in model.internal_reviews
        ),
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


def review_state(review) -> workflow.ReviewState:
    return workflow.ReviewState(
        status=review.status,
        reviewer_id=review.reviewer_id,
        complaint=complaint_assignment(review.complaint),
        completed_at=review.completed_at,
    )


def review_completion(inputs) -> dict:
    """The complaint's review-outcome inputs as the review's own completion reads them."""
    return {"outcome": inputs.get("review_outcome"), "findings": inputs.get("findings")}


# ------------------------------------------------------------------------ taking a step


class Stepper:
    """One machine's steps on its records: state, linked refusals, writing, taking."""

    machine: workflow.Machine
    # Inputs a step reads besides the rules' own (for a record it completes too).
    extra_inputs: Mapping[str, tuple[str, ...]] = {}
    # Steps that carry what was written (a draft, a decision, what the client was told):
    # step -> (the case-file entry's kind, shared with the complainant or client).
    content_steps: Mapping[str, tuple[str, bool]] = {}

    def state(self, model):
        raise NotImplementedError

    def step_keys(self, name: str) -> tuple[str, ...]:
        content = ("content",) if name in self.content_steps else ()
        return (*self.machine.inputs(name), *self.extra_inputs.get(name, ()), *content)

    def linked_problems(self, name, model, inputs, actor, now) -> list[str]:
        """Refusals from another record the step changes too (a review, its complaint)."""
        return []

    def record(self, name, model, changes, inputs, actor, now) -> str:
        """Write the changes; return the words for the history entry."""
        set_columns(model, changes)
        return f"Reason: {changes['reason']}" if changes.get("reason") else ""

    def problems(self, name, model, inputs, actor, now, state=None) -> list[str]:
        state = self.state(model) if state is None else state
        problems = self.machine.check(name, state, actor, inputs, now)
        problems += self.linked_problems(name, model, inputs, actor, now)
        return list(dict.fromkeys(problems))

    def refusal(self, name, state, actor, inputs, now, problems) -> StepRefused:
        """The refusal of a step the rules refused: not the officer's to take, not from this
        status, or an input missing or wrong (with the input each message is about)."""
        transition = self.machine.transition(name)
        if not self.machine.may_take(transition, state, actor):
            return StepRefused(NOT_YOURS, problems)
        kind = getattr(state, "kind", None)
        if state.status not in transition.sources or (
            transition.kinds is not None and kind not in transition.kinds
        ):
            return StepRefused(NOT_NOW, problems)
        ask = workflow.Ask(transition, state, actor, inputs, now)
        fields = {}
        for requirement_name in transition.requires:
            requirement = self.machine.requirements[requirement_name]
            if requirement.inputs:
                for message in requirement.test(ask):
                    fields.setdefault(message, requirement.inputs[0])
        return StepRefused(BAD_INPUT, problems, fields)

    def take(self, name, model, inputs, actor, now: datetime, state=None) -> str:
        """Check, apply and record one step (no commit); `StepRefused` with every refusal
        and its kind.

        Returns the message for the user: "CTS-2026-000001: Register done. It is now ...".
        """
        state = self.state(model) if state is None else state
        problems = self.problems(name, model, inputs, actor, now, state)
        if problems:
            raise self.refusal(name, state, actor, inputs, now, problems)
        transition = self.machine.transition(name)
        before = model.status
        changes = self.machine.apply(name, state, actor, inputs, now)
        with db.session.no_autoflush:
            extra = self.record(name, model, changes, inputs, actor, now)
        summary = describe(self.machine, transition, before, model.status)
        if extra:
            summary += f". {extra}"
        # What the step was told that has no column (a reason, the status it waited from).
        told = {
            key: [None, value]
            for key, value in changes.items()
            if key in workflow.NOT_COLUMNS and key != "outcome_code" and value is not None
        }
        history.note(db.session, model, name, summary, told)
        self.file_content(name, model, inputs, actor)
        status = self.machine.statuses.get(model.status, model.status)
        return f"{model}: {transition.label} done. It is now {status}."

    def file_content(self, name, model, inputs, actor) -> None:
        """What the step was given to say goes into the case file, by the officer taking it."""
        content = (inputs.get("content") or "").strip()
        if name not in self.content_steps or not content:
            return
        kind, shared = self.content_steps[name]
        user = db.session.get(User, actor.user_id) if actor.user_id is not None else None
        notes.add(db.session, model, user, kind=kind, summary=content, shared=shared)


class ComplaintStepper(Stepper):
    machine = workflow.COMPLAINTS
    extra_inputs = {"record_review_outcome": ("findings",)}
    content_steps = {"submit_draft": ("draft", False), "decide": ("decision", False)}

    def state(self, model):
        return complaint_state(model)

    def linked_problems(self, name, model, inputs, actor, now):
        if name != "record_review_outcome":
            return []
        review = open_review(model)
        if review is None:
            return []
        return workflow.REVIEWS.check(
            "complete", review_state(review), actor, review_completion(inputs), now
        )

    def record(self, name, model, changes, inputs, actor, now):
        if name == "set_category":
            before = model.category
            set_columns(model, changes)
            model.category = db.session.get(Category, changes["category_id"])
            words = f"Category: {model.category}"
            if before is not None and before is not model.category:
                words += f" (was {before})"
            return words
        if name == "assign":
            custody.permit(db.session, model, ASSIGNMENT)
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
                    workflow.REVIEWS.apply(
                        "complete", review_state(review), actor, review_completion(inputs), now
                    ),
                )
            return f"Review outcome: {REVIEW_OUTCOMES[changes['review_outcome']]}"
        if name == "refer":
            return f"Referred to {model.referral_target or ''}".strip()
        if name == "withdraw":
            return f"Withdrawn by the complainant: {model.outcome_reason}"
        if name == "finalise" and model.outcome is not None:
            return f"Outcome: {model.outcome}"
        if changes.get("reason"):
            return f"Reason: {changes['reason']}"
        return ""


class TicketStepper(Stepper):
    machine = workflow.TICKETS
    content_steps = {"respond": ("response", True), "resolve": ("resolution", True)}

    def state(self, model):
        agent = model.agent
        return workflow.TicketState(
            status=model.status,
            first_response_at=model.first_response_at,
            resolved_at=model.resolved_at,
            closed_at=model.closed_at,
            agent_id=model.agent_id,
            agent_name=agent.short_name if agent is not None else None,
        )

    def record(self, name, model, changes, inputs, actor, now):
        if name != "assign_agent":
            return super().record(name, model, changes, inputs, actor, now)
        before = model.agent
        custody.permit(db.session, model, ASSIGNMENT)
        set_columns(model, changes)
        model.agent = db.session.get(Participant, changes["agent_id"])
        words = f"Assigned support agent {model.agent.short_name}"
        if before is not None:
            words += f" (instead of {before.short_name})"
        return words


class ReviewStepper(Stepper):
    machine = workflow.REVIEWS
    # Completing a review gives its complaint the review's outcome too.
    extra_inputs = {"complete": ("complaint_outcome", "outcome_reason")}

    def state(self, model):
        return review_state(model)

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
        return workflow.COMPLAINTS.check(
            "record_review_outcome",
            complaint_state(model.complaint),
            actor,
            self.complaint_inputs(inputs),
            now,
        )

    def record(self, name, model, changes, inputs, actor, now):
        if name == "assign_reviewer":
            custody.permit(db.session, model, ASSIGNMENT)
            set_columns(model, changes)
            model.reviewer = db.session.get(Participant, changes["reviewer_id"])
            return f"Reviewer: {model.reviewer.short_name}"
        if self.completes_complaint(name, model):
            complaint = model.complaint
            complaint_changes = workflow.COMPLAINTS.apply(
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
                workflow.COMPLAINTS,
                workflow.COMPLAINTS.transition("record_review_outcome"),
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
        return super().record(name, model, changes, inputs, actor, now)


COMPLAINT_STEPS = ComplaintStepper()
TICKET_STEPS = TicketStepper()
REVIEW_STEPS = ReviewStepper()
# Each kind of case's steps, by its name (models/kinds.py).
STEPPERS = {"complaint": COMPLAINT_STEPS, "ticket": TICKET_STEPS, "internal_review": REVIEW_STEPS}


def register_on_creation(complaint, actor: workflow.Actor, now: datetime) -> bool:
    """A complaint a coordinator creates is registered there and then, through the register
    step (who, when, the history); one lodged from outside (the public form, an integration,
    an import) stays Received until a coordinator registers it. Returns whether it was."""
    if COORDINATOR not in actor.capacities or (complaint.status or "received") != "received":
        return False
    complaint.status = "received"
    if complaint.coordinator_id is None and complaint.coordinator is None:
        # The coordinator registering it coordinates it unless the form named another.
        complaint.coordinator = db.session.get(Participant, actor.participant_id)
    COMPLAINT_STEPS.take("register", complaint, {}, actor, now)
    return True
