"""The life of a complaint, a service-desk ticket and an internal review, as data.

Each machine is a table of `Transition`s: where a step may start, where it leads, who may
take it, what it requires and which fields it records. Three questions, the same for
every door (admin screen, API, import, command):

- `available(case, actor)`: the buttons to show;
- `check(name, case, actor, inputs, now)`: every reason a step is refused, in plain words;
- `apply(name, case, actor, inputs, now)`: the field changes to make, or RuleViolation.

Pure: plain values in (a frozen `CaseState`, `TicketState` or `ReviewState`, and an
`Actor`), plain values out. No Flask, no models.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from . import duties
from .errors import RuleViolation
from .vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_KINDS,
    COMPLAINT_MANAGER,
    COMPLAINT_STATUSES,
    COORDINATOR,
    DECISION_MAKER,
    EXTERNAL_BODIES,
    INTERNAL_REVIEWER,
    REVIEW_OUTCOMES,
    REVIEW_STATUSES,
    SUPPORT_AGENT,
    TICKET_CLOSED_STATUSES,
    TICKET_STATUSES,
)

# The statuses in which a complaint is being worked, and so may wait on the complainant.
WORKING_STATUSES = frozenset(
    {"registered", "acknowledged", "under_assessment", "investigation", "response_drafted"}
)
# Outcomes whose reasons must be recorded (the Outcome lookup's `requires_reason` in the
# seed); a caller holding the lookup row passes `outcome_requires_reason` instead.
OUTCOMES_NEEDING_REASON = frozenset({"withdrawn", "declined"})
# How a refusal names the seeded outcomes (the lookup's names; other codes are shown as given).
OUTCOME_WORDS = {"withdrawn": "Withdrawn", "declined": "Declined to investigate"}

# Keys `apply` may return that are not columns of the record: the caller maps them
# (outcome_code -> outcome_id), writes them to the history, or to a related record.
NOT_COLUMNS = frozenset(
    {
        "outcome_code",
        "status_before_pause",
        "reason",
        "late_reason",
        "review_outcome",
        "external_body",
    }
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in account taking a step."""

    user_id: int | None
    capacities: frozenset[str]
    participant_id: int | None = None  # the staff participant the account belongs to
    name: str | None = None  # "J. Smith", to name them in a refusal


@dataclass(frozen=True, slots=True)
class CaseState:
    """A complaint (or compliment, or suggestion) as the workflow needs to see it."""

    status: str
    kind: str = "complaint"
    manager_id: int | None = None
    decision_maker_id: int | None = None
    reviewer_id: int | None = None  # the reviewer of its open internal review
    subjects: frozenset[int] = frozenset()
    involved: frozenset[int] = frozenset()
    outcome_code: str | None = None
    drafted_by_user: int | None = None
    decided_by_user: int | None = None
    registered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    decided_at: datetime | None = None
    finalised_at: datetime | None = None
    closed_at: datetime | None = None
    review_request_due_at: datetime | None = None
    status_before_pause: str | None = None
    human_rights: bool = False
    internal_review_open: bool = False
    # An internal review completed since its last response: the internal process is over.
    internal_review_done: bool = False
    external_review_open: bool = False


@dataclass(frozen=True, slots=True)
class TicketState:
    status: str
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    agent_id: int | None = None  # the support agent working it
    agent_name: str | None = None  # "G. Tan", to name them in a refusal


@dataclass(frozen=True, slots=True)
class Agent:
    """Someone a ticket may be assigned to, as the rules see them."""

    id: int
    name: str
    # Holds the support-agent capacity on an active account: only they work tickets.
    support_agent: bool


@dataclass(frozen=True, slots=True)
class ReviewState:
    """An internal review, with the assignment of the complaint it reviews (for the rules)."""

    status: str
    reviewer_id: int | None = None
    complaint: duties.Assignment = duties.Assignment(None, None)
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    label: str  # the button: "Decide"
    sources: frozenset[str]
    # None: worked out from the case and the inputs (resume, record_review_outcome).
    target: str | None
    # Who may take it; administrators may take every step.  A per-case capacity
    # (complaint manager, decision maker, internal reviewer) means "of this case".
    capacities: frozenset[str]
    requires: tuple[str, ...] = ()  # names in the machine's requirements
    records: tuple[str, ...] = ()  # *_at: now; *_by_id: the actor's account
    clears: tuple[str, ...] = ()  # fields set back to None
    saves: tuple[tuple[str, str], ...] = ()  # (input, field) copied into the changes
    stays_in: frozenset[str] = frozenset()  # sources in which the status does not change
    kinds: frozenset[str] | None = None  # the complaint kinds it applies to; None: all
    # Words for refusals: "A complaint can only be {done} {when} (it is Registered).",
    # "{gerund} needs ...", "Only ..., or an administrator, may {action}."
    done: str = ""
    when: str = ""
    gerund: str = ""
    action: str = ""
    route: Callable[[Any, Mapping[str, object]], str] | None = None
    effect: Callable[[Any, "Actor", Mapping[str, object]], dict[str, object]] | None = None


@dataclass(frozen=True, slots=True)
class Ask:
    """One question put to the rules: may this actor take this step on this case now?"""

    transition: Transition
    case: Any
    actor: Actor
    inputs: Mapping[str, object]
    now: datetime | None


@dataclass(frozen=True, slots=True)
class Requirement:
    test: Callable[[Ask], list[str]]
    # The inputs it reads.  One that reads none is about the case alone: it decides
    # whether the button is shown at all.
    inputs: tuple[str, ...] = ()


def _given(inputs: Mapping[str, object], key: str) -> bool:
    value = inputs.get(key)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def _needs(key: str, words: str) -> Requirement:
    """A plain required input: "{Gerund} needs {words}."."""

    def test(ask: Ask) -> list[str]:
        return [] if _given(ask.inputs, key) else [f"{ask.transition.gerund} needs {words}."]

    return Requirement(test, (key,))


def _article(noun: str) -> str:
    return f"{'An' if noun[0] in 'aeiou' else 'A'} {noun}"


@dataclass(frozen=True)
class Machine:
    noun: str  # "complaint", "ticket", "internal review"
    statuses: Mapping[str, str]
    transitions: Mapping[str, Transition]
    requirements: Mapping[str, Requirement]
    # Per-case capacities: the state's attribute holding the participant acting in it.
    per_case: Mapping[str, str] = field(default_factory=dict)
    # How a refusal names those who may: "the decision maker of this complaint".
    roles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for transition in self.transitions.values():
            unknown = set(transition.requires) - set(self.requirements)
            assert not unknown, f"{transition.name} requires unknown {sorted(unknown)}"

    # -- questions ---------------------------------------------------------------------

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise RuleViolation(f"There is no step called “{name}” for a {self.noun}.") from None

    def may_take(self, transition: Transition, case, actor: Actor) -> bool:
        """Whether the actor holds a capacity for the step, on this very case if per case."""
        if ADMINISTRATOR in actor.capacities:
            return True
        for capacity in transition.capacities & actor.capacities:
            attribute = self.per_case.get(capacity)
            if attribute is None:
                return True
            if actor.participant_id is not None and (
                getattr(case, attribute) == actor.participant_id
            ):
                return True
        return False

    def inputs(self, name: str) -> tuple[str, ...]:
        """The inputs a step reads: what its form asks for."""
        transition = self.transition(name)
        keys = [key for req in transition.requires for key in self.requirements[req].inputs]
        keys += [key for key, _ in transition.saves]
        return tuple(dict.fromkeys(keys))

    def available(self, case, actor: Actor) -> list[Transition]:
        """The steps to offer as buttons: allowed here, to this actor, on this case as it is."""
        shown = []
        for transition in self.transitions.values():
            if self._status_problems(transition, case) or not self.may_take(
                transition, case, actor
            ):
                continue
            ask = Ask(transition, case, actor, MappingProxyType({}), None)
            if any(
                self.requirements[req].test(ask)
                for req in transition.requires
                if not self.requirements[req].inputs
            ):
                continue
            shown.append(transition)
        return shown

    def check(
        self, name: str, case, actor: Actor, inputs: Mapping[str, object], now: datetime
    ) -> list[str]:
        """Every reason the step is refused; empty when it may be taken."""
        if name not in self.transitions:
            return [f"There is no step called “{name}” for a {self.noun}."]
        transition = self.transitions[name]
        wrong_status = self._status_problems(transition, case)
        problems = list(wrong_status)
        if not self.may_take(transition, case, actor):
            problems.append(self._who_may(transition))
        if wrong_status:
            # Not from this status: what the step would need here is beside the point.
            return problems
        ask = Ask(transition, case, actor, inputs, now)
        for req in transition.requires:
            problems += self.requirements[req].test(ask)
        return problems

    def apply(
        self, name: str, case, actor: Actor, inputs: Mapping[str, object], now: datetime
    ) -> dict[str, object]:
        """The field changes the step makes; RuleViolation with every reason if refused."""
        transition = self.transition(name)
        problems = self.check(name, case, actor, inputs, now)
        if problems:
            raise RuleViolation("\n".join(problems))
        if case.status in transition.stays_in:
            status = case.status
        elif transition.route is not None:
            status = transition.route(case, inputs)
        else:
            status = transition.target
        changes: dict[str, object] = {"status": status}
        for column in transition.records:
            if column.endswith("_by_id"):
                changes[column] = actor.user_id
            elif getattr(case, column, None) is None:
                # A time already recorded is kept: it happened then.
                changes[column] = now
        for column in transition.clears:
            changes[column] = None
        for key, column in transition.saves:
            if key in inputs:
                changes[column] = inputs[key]
        if transition.effect is not None:
            changes.update(transition.effect(case, actor, inputs))
        return changes

    # -- words -------------------------------------------------------------------------

    def _noun_of(self, case) -> str:
        kind = getattr(case, "kind", None)
        return COMPLAINT_KINDS[kind].lower() if kind in COMPLAINT_KINDS else self.noun

    def _status_problems(self, transition: Transition, case) -> list[str]:
        noun = self._noun_of(case)
        if transition.kinds is not None and getattr(case, "kind", None) not in transition.kinds:
            return [
                f"{_article(noun)} is recorded and passed to the business area, "
                f"not {transition.done}."
            ]
        if case.status in transition.sources:
            return []
        status = self.statuses.get(case.status, case.status)
        return [
            f"{_article(noun)} can only be {transition.done} {transition.when} (it is {status})."
        ]

    def _who_may(self, transition: Transition) -> str:
        phrases = [
            self.roles[capacity]
            for capacity in self.roles
            if capacity in transition.capacities and capacity != ADMINISTRATOR
        ]
        if not phrases:
            return f"Only an administrator may {transition.action}."
        return f"Only {', '.join(phrases)}, or an administrator, may {transition.action}."


# ------------------------------------------------------------------------- requirements


def _assigned(attribute: str, who: str) -> Requirement:
    def test(ask: Ask) -> list[str]:
        if getattr(ask.case, attribute) is None:
            return [f"{ask.transition.gerund} needs {who} assigned first."]
        return []

    return Requirement(test)


def _not_own_draft(ask: Ask) -> list[str]:
    """Rule 4: the account that drafted the response cannot record the decision on it."""
    return duties.check_complaint(
        duties.Assignment(
            None,
            None,
            drafted_by_user=ask.case.drafted_by_user,
            decided_by_user=ask.actor.user_id,
            decided_by_name=ask.actor.name,
        )
    )


def _not_own_decision(decided_by: Callable[[Any], int | None]) -> Requirement:
    """Rule 4: the account that decided the complaint cannot record its review outcome."""

    def test(ask: Ask) -> list[str]:
        return duties.check_review(
            duties.ReviewAssignment(
                None,
                duties.Assignment(None, None, decided_by_user=decided_by(ask.case)),
                recorded_by_user=ask.actor.user_id,
                recorded_by_name=ask.actor.name,
            )
        )

    return Requirement(test)


def _outcome_reason(outcome_key: str) -> Requirement:
    def test(ask: Ask) -> list[str]:
        outcome = ask.inputs.get(outcome_key)
        needs = ask.inputs.get("outcome_requires_reason")
        if needs is None:
            needs = outcome in OUTCOMES_NEEDING_REASON
        if outcome and needs and not _given(ask.inputs, "outcome_reason"):
            return [
                f"{ask.transition.gerund} with the outcome "
                f"{OUTCOME_WORDS.get(outcome, outcome)} needs its reasons recorded."
            ]
        return []

    return Requirement(test, ("outcome_reason",))


def _not_yet_acknowledged(ask: Ask) -> list[str]:
    if ask.case.acknowledged_at is not None:
        return [f"This {_noun(ask.case)} has already been acknowledged."]
    return []


def _noun(case) -> str:
    return COMPLAINT_KINDS.get(case.kind, "complaint").lower()


def _assignment(ask: Ask) -> list[str]:
    """Assigning names the manager and the decision maker as they are to be saved."""
    problems = []
    manager = ask.inputs.get("manager")
    if manager is None:
        problems.append("Assigning needs a complaint manager.")
    if "decision_maker" not in ask.inputs:
        problems.append(
            "Assigning needs the decision maker as it is to be saved (leave it empty to "
            "assign one later)."
        )
    decision_maker = ask.inputs.get("decision_maker")
    problems += duties.check_complaint(
        duties.Assignment(manager, decision_maker, ask.case.subjects, ask.case.involved)
    )
    return problems


def _resume_to(ask: Ask) -> list[str]:
    wanted = ask.inputs.get("resume_to") or ask.case.status_before_pause
    if not wanted:
        return ["Resuming needs the status the complaint goes back to."]
    if wanted not in WORKING_STATUSES:
        label = COMPLAINT_STATUSES.get(wanted, wanted)
        return [f"Resuming can only go back to a working status, not {label}."]
    before = ask.case.status_before_pause
    if before and wanted != before:
        return [
            f"Resuming goes back to {COMPLAINT_STATUSES.get(before, before)}, the status it "
            f"was in before waiting, not {COMPLAINT_STATUSES[wanted]}."
        ]
    return []


def _was_finalised(ask: Ask) -> list[str]:
    if ask.case.outcome_code is None and ask.case.finalised_at is None:
        return [
            f"{ask.transition.gerund} needs a finalised complaint: this one was closed "
            "without a response."
        ]
    return []


def _no_open_internal_review(ask: Ask) -> list[str]:
    if ask.case.internal_review_open:
        return [f"{ask.transition.gerund} must wait until its internal review is over."]
    return []


def _no_open_external_review(ask: Ask) -> list[str]:
    if ask.case.external_review_open:
        return [f"{ask.transition.gerund} must wait until its external review is over."]
    return []


def _not_reviewed_yet(ask: Ask) -> list[str]:
    if ask.case.internal_review_done:
        return [
            "This response has already been through an internal review: the complainant may "
            "now ask for an external review."
        ]
    return []


def _late_reason(ask: Ask) -> list[str]:
    due = ask.case.review_request_due_at
    if due is not None and ask.now is not None and ask.now > due:
        if not _given(ask.inputs, "late_reason"):
            return [
                "The window to ask for an internal review has closed: a late request needs "
                "the reason it is accepted."
            ]
    return []


def _external_body(ask: Ask) -> list[str]:
    body = ask.inputs.get("body")
    if not body:
        return ["Sending to external review needs the body: the Ombudsman or the Commissioner."]
    if body not in EXTERNAL_BODIES:
        return [f"There is no external body called “{body}”."]
    if body == "human_rights_commissioner" and not ask.case.human_rights:
        return [
            "Only a complaint with a human-rights aspect goes to the Human Rights Commissioner."
        ]
    return []


# Where each kind of submission may be closed from.
CLOSABLE_FROM = {
    "complaint": frozenset({"finalised", "internal_review", "external_review", "referred"}),
    "compliment": frozenset({"registered", "acknowledged"}),
    "suggestion": frozenset({"registered", "acknowledged"}),
}
_CLOSABLE_WHEN = {
    "complaint": "once it is finalised, reviewed or referred",
    "compliment": "once it is registered",
    "suggestion": "once it is registered",
}


def _closable(ask: Ask) -> list[str]:
    kind = ask.case.kind
    if ask.case.status in CLOSABLE_FROM.get(kind, frozenset()):
        return []
    status = COMPLAINT_STATUSES.get(ask.case.status, ask.case.status)
    return [
        f"{_article(_noun(ask.case))} can only be closed {_CLOSABLE_WHEN.get(kind, '')} "
        f"(it is {status})."
    ]


def _review_outcome(key: str, gerund_words: str) -> Requirement:
    def test(ask: Ask) -> list[str]:
        outcome = ask.inputs.get(key)
        if not outcome:
            return [f"{ask.transition.gerund} needs {gerund_words}."]
        if outcome not in REVIEW_OUTCOMES:
            return [f"There is no internal review outcome called “{outcome}”."]
        return []

    return Requirement(test, (key,))


def _changed_outcome(ask: Ask) -> list[str]:
    if ask.inputs.get("review_outcome") == "decision_changed" and not _given(
        ask.inputs, "outcome"
    ):
        return ["A changed decision needs the complaint's new outcome."]
    return []


def _reviewer(ask: Ask) -> list[str]:
    reviewer = ask.inputs.get("reviewer")
    if reviewer is None:
        return ["Assigning needs an internal reviewer."]
    return duties.check_review(duties.ReviewAssignment(reviewer, ask.case.complaint))


# ---------------------------------------------------------------------------- effects


def _assign_effect(case, actor, inputs) -> dict[str, object]:
    manager, decision_maker = inputs.get("manager"), inputs.get("decision_maker")
    return {
        "manager_id": manager.id if manager is not None else None,
        "decision_maker_id": decision_maker.id if decision_maker is not None else None,
    }


def _wait_effect(case, actor, inputs) -> dict[str, object]:
    return {"status_before_pause": case.status}


def _resume_route(case, inputs) -> str:
    return inputs.get("resume_to") or case.status_before_pause


def _review_route(case, inputs) -> str:
    # Referred back for a fresh decision: the draft goes back before the decision maker.
    # Otherwise the review is over and the complaint is finalised again, with its outcome
    # (the new one when the decision changed).
    return "response_drafted" if inputs.get("review_outcome") == "referred_back" else "finalised"


def _review_effect(case, actor, inputs) -> dict[str, object]:
    outcome = inputs.get("review_outcome")
    if outcome == "decision_changed":
        return {
            "outcome_code": inputs.get("outcome"),
            "outcome_reason": inputs.get("outcome_reason"),
        }
    if outcome == "referred_back":
        return dict.fromkeys(
            ("decided_at", "decided_by_id", "finalised_at", "outcome_code", "outcome_reason")
        )
    return {}


def _withdraw_effect(case, actor, inputs) -> dict[str, object]:
    # The complainant's words are the reasons of the outcome "withdrawn".
    return {"outcome_code": "withdrawn"}


def _reviewer_effect(case, actor, inputs) -> dict[str, object]:
    return {"reviewer_id": inputs["reviewer"].id}


# ---------------------------------------------------------------------------- complaints

CO, CM, DM, IR, SA = (
    COORDINATOR,
    COMPLAINT_MANAGER,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)
COMPLAINTS_ONLY = frozenset({"complaint"})
# Where the complainant may still withdraw a complaint: any time before its response.
WITHDRAWABLE = frozenset(
    {
        "received",
        "registered",
        "acknowledged",
        "under_assessment",
        "investigation",
        "awaiting_complainant",
        "response_drafted",
        "decided",
    }
)
ASSIGNABLE = frozenset(
    {"under_assessment", "investigation", "awaiting_complainant", "response_drafted"}
)
# The category may be decided, or changed, until the decision is made on the complaint.
CATEGORISABLE = frozenset({"received", "registered", "acknowledged"}) | ASSIGNABLE


# fmt: off
def _complaint_transitions() -> list[Transition]:
    return [
        Transition(
            "register", "Register", frozenset({"received"}), "registered", frozenset({CO}),
            records=("registered_at",),
            done="registered", when="when it has just been received", gerund="Registering",
            action="register it",
        ),
        Transition(
            "acknowledge", "Acknowledge", frozenset({"registered"}) | ASSIGNABLE,
            "acknowledged", frozenset({CO, CM}),
            requires=("not_yet_acknowledged",), records=("acknowledged_at",),
            stays_in=ASSIGNABLE,
            done="acknowledged", when="once it is registered and before it is decided",
            gerund="Acknowledging", action="acknowledge it",
        ),
        Transition(
            "assign", "Assign officers", frozenset({"registered", "acknowledged"}) | ASSIGNABLE,
            "under_assessment", frozenset({CO}),
            requires=("assignment",), stays_in=ASSIGNABLE, kinds=COMPLAINTS_ONLY,
            effect=_assign_effect,
            done="assigned officers", when="between registration and the decision",
            gerund="Assigning", action="assign its complaint manager and decision maker",
        ),
        Transition(
            "set_category", "Set category", CATEGORISABLE, None, frozenset({CO}),
            requires=("category",), saves=(("category", "category_id"),),
            stays_in=CATEGORISABLE,
            done="given a category", when="before it is decided", gerund="Setting the category",
            action="set its category",
        ),
        Transition(
            "start_assessment", "Start assessment", frozenset({"registered", "acknowledged"}),
            "under_assessment", frozenset({CO}), kinds=COMPLAINTS_ONLY,
            done="assessed", when="once it is registered", gerund="Assessing",
            action="start its assessment",
        ),
        Transition(
            "start_investigation", "Start investigation", frozenset({"under_assessment"}),
            "investigation", frozenset({CM}),
            requires=("manager_assigned",), kinds=COMPLAINTS_ONLY,
            done="investigated", when="once it is under assessment", gerund="Investigating",
            action="start its investigation",
        ),
        Transition(
            "wait_on_complainant", "Wait on complainant", WORKING_STATUSES,
            "awaiting_complainant", frozenset({CO, CM}),
            records=("paused_since",), kinds=COMPLAINTS_ONLY, effect=_wait_effect,
            done="put on hold", when="while it is being worked on", gerund="Waiting",
            action="put it on hold waiting on the complainant",
        ),
        Transition(
            "resume", "Resume", frozenset({"awaiting_complainant"}), None, frozenset({CO, CM}),
            requires=("resume_to",), clears=("paused_since",), kinds=COMPLAINTS_ONLY,
            route=_resume_route,
            done="resumed", when="while it waits on the complainant", gerund="Resuming",
            action="resume it",
        ),
        Transition(
            "submit_draft", "Submit draft response",
            frozenset({"under_assessment", "investigation"}), "response_drafted",
            frozenset({CM}),
            requires=("manager_assigned",), records=("drafted_by_id",), kinds=COMPLAINTS_ONLY,
            done="given a draft response", when="while it is assessed or investigated",
            gerund="Submitting a draft", action="submit its draft response",
        ),
        Transition(
            "decide", "Decide", frozenset({"response_drafted"}), "decided", frozenset({DM}),
            requires=("decision_maker_assigned", "not_own_draft"),
            records=("decided_at", "decided_by_id"), kinds=COMPLAINTS_ONLY,
            done="decided", when="once a response has been drafted", gerund="Deciding",
            action="decide it",
        ),
        Transition(
            "finalise", "Finalise", frozenset({"decided"}), "finalised", frozenset({DM}),
            requires=("outcome", "outcome_reason"), records=("finalised_at",),
            saves=(("outcome", "outcome_code"), ("outcome_reason", "outcome_reason")),
            kinds=COMPLAINTS_ONLY,
            done="finalised", when="once it has been decided", gerund="Finalising",
            action="finalise it",
        ),
        Transition(
            "request_internal_review", "Request internal review",
            frozenset({"finalised", "closed"}), "internal_review", frozenset({CO}),
            requires=("was_finalised", "no_open_internal_review", "not_reviewed_yet",
                      "late_reason"),
            clears=("closed_at",), saves=(("late_reason", "late_reason"),),
            kinds=COMPLAINTS_ONLY,
            done="put to internal review", when="once its response has been given",
            gerund="Requesting an internal review", action="record a request for internal review",
        ),
        Transition(
            "record_review_outcome", "Record review outcome", frozenset({"internal_review"}),
            None, frozenset({IR}),
            requires=("reviewer_assigned", "review_outcome", "changed_outcome",
                      "outcome_reason", "not_own_decision"),
            saves=(("review_outcome", "review_outcome"),), kinds=COMPLAINTS_ONLY,
            route=_review_route, effect=_review_effect,
            done="given a review outcome", when="while it is under internal review",
            gerund="Recording the review outcome",
            action="record the outcome of its internal review",
        ),
        Transition(
            "request_external_review", "Request external review",
            frozenset({"finalised", "internal_review", "closed"}), "external_review",
            frozenset({CO}),
            requires=("external_body", "was_finalised", "no_open_internal_review"),
            clears=("closed_at",), saves=(("body", "external_body"),), kinds=COMPLAINTS_ONLY,
            done="sent to external review", when="once its response has been given",
            gerund="Sending to external review", action="record an external review",
        ),
        Transition(
            "refer", "Refer to another process",
            frozenset({"received", "registered", "acknowledged", "under_assessment"}),
            "referred", frozenset({CO}),
            requires=("referral_target",), records=("closed_at",),
            saves=(("referral_target", "referral_target_id"),), kinds=COMPLAINTS_ONLY,
            done="referred", when="before it is investigated", gerund="Referring",
            action="refer it",
        ),
        Transition(
            "withdraw", "Withdraw", WITHDRAWABLE, "closed", frozenset({CO}),
            requires=("reason",), records=("closed_at",), clears=("paused_since",),
            saves=(("reason", "outcome_reason"),), kinds=COMPLAINTS_ONLY,
            effect=_withdraw_effect,
            done="withdrawn", when="before its response is given", gerund="Withdrawing",
            action="record that the complainant withdrew it",
        ),
        Transition(
            "close", "Close",
            frozenset().union(*CLOSABLE_FROM.values()), "closed", frozenset({CO}),
            requires=("closable", "no_open_internal_review", "no_open_external_review"),
            records=("closed_at",),
            done="closed", when="once it is finalised, reviewed or referred",
            gerund="Closing", action="close it",
        ),
        Transition(
            "reopen", "Reopen", frozenset({"finalised", "closed", "referred"}),
            "under_assessment", frozenset({CO}),
            requires=("reason",), saves=(("reason", "reason"),), kinds=COMPLAINTS_ONLY,
            clears=("closed_at", "finalised_at", "decided_at", "decided_by_id",
                    "drafted_by_id", "outcome_code", "outcome_reason", "referral_target_id"),
            done="reopened", when="once it is finalised, referred or closed",
            gerund="Reopening", action="reopen it",
        ),
    ]
# fmt: on


COMPLAINT_REQUIREMENTS: Mapping[str, Requirement] = MappingProxyType(
    {
        "not_yet_acknowledged": Requirement(_not_yet_acknowledged),
        "assignment": Requirement(_assignment, ("manager", "decision_maker")),
        "manager_assigned": _assigned("manager_id", "a complaint manager"),
        "decision_maker_assigned": _assigned("decision_maker_id", "a decision maker"),
        "reviewer_assigned": _assigned("reviewer_id", "an internal reviewer"),
        "not_own_draft": Requirement(_not_own_draft),
        "not_own_decision": _not_own_decision(lambda case: case.decided_by_user),
        "resume_to": Requirement(_resume_to, ("resume_to",)),
        "outcome": _needs("outcome", "an outcome"),
        "outcome_reason": _outcome_reason("outcome"),
        "was_finalised": Requirement(_was_finalised),
        "no_open_internal_review": Requirement(_no_open_internal_review),
        "no_open_external_review": Requirement(_no_open_external_review),
        "not_reviewed_yet": Requirement(_not_reviewed_yet),
        "late_reason": Requirement(_late_reason, ("late_reason",)),
        "review_outcome": _review_outcome("review_outcome", "the review's outcome"),
        "changed_outcome": Requirement(_changed_outcome, ("outcome",)),
        "external_body": Requirement(_external_body, ("body",)),
        "referral_target": _needs("referral_target", "the process it is referred to"),
        "category": _needs("category", "a category"),
        "closable": Requirement(_closable),
        "reason": _needs("reason", "a reason"),
    }
)

COMPLAINTS = Machine(
    noun="complaint",
    statuses=COMPLAINT_STATUSES,
    transitions=MappingProxyType({t.name: t for t in _complaint_transitions()}),
    requirements=COMPLAINT_REQUIREMENTS,
    per_case=MappingProxyType({CM: "manager_id", DM: "decision_maker_id", IR: "reviewer_id"}),
    roles=MappingProxyType(
        {
            CO: "a coordinator",
            CM: "the complaint manager of this complaint",
            DM: "the decision maker of this complaint",
            IR: "the internal reviewer of this complaint",
        }
    ),
)


def available(case: CaseState, actor: Actor) -> list[Transition]:
    return COMPLAINTS.available(case, actor)


def check(
    transition_name: str,
    case: CaseState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> list[str]:
    return COMPLAINTS.check(transition_name, case, actor, inputs, now)


def apply(
    transition_name: str,
    case: CaseState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> dict[str, object]:
    return COMPLAINTS.apply(transition_name, case, actor, inputs, now)


# ------------------------------------------------------------------------------ tickets

DESK = frozenset({SA, CO})
OPEN_TICKET = frozenset(TICKET_STATUSES) - TICKET_CLOSED_STATUSES


def _ticket_agent(ask: Ask) -> list[str]:
    """The agent chosen is an active support agent, and not the one working it already."""
    agent = ask.inputs.get("agent")
    if agent is None:
        return ["Assigning needs the support agent who is to work the ticket."]
    if not agent.support_agent:
        return [
            f"{agent.name} is not an active support agent: a ticket is worked by someone "
            "whose account holds the support-agent capacity."
        ]
    if agent.id == ask.case.agent_id:
        return [f"{agent.name} already works this ticket."]
    return []


def _may_hand_over(ask: Ask) -> list[str]:
    """A support agent takes a ticket nobody works, or hands on one they work themselves;
    a ticket another agent works is handed over by that agent, a coordinator or an
    administrator."""
    capacities = ask.actor.capacities
    if capacities & {COORDINATOR, ADMINISTRATOR}:
        return []
    held_by = ask.case.agent_id
    if held_by is None or held_by == ask.actor.participant_id:
        return []
    who = ask.case.agent_name or "another support agent"
    return [
        f"This ticket is worked by {who}: only they, a coordinator or an administrator may "
        "assign it to someone else."
    ]


def _agent_effect(case, actor, inputs) -> dict[str, object]:
    return {"agent_id": inputs["agent"].id}


# fmt: off
def _ticket_transitions() -> list[Transition]:
    return [
        Transition(
            "assign_agent", "Assign agent", OPEN_TICKET, None, DESK,
            requires=("may_hand_over", "agent"), stays_in=OPEN_TICKET, effect=_agent_effect,
            done="assigned", when="while it is open", gerund="Assigning",
            action="assign its support agent",
        ),
        Transition(
            "respond", "Respond", frozenset({"new"}), "responded", DESK,
            records=("first_response_at",),
            done="responded to", when="when it is new", gerund="Responding",
            action="respond to it",
        ),
        Transition(
            "start_work", "Start work", frozenset({"responded"}), "in_progress", DESK,
            done="worked on", when="once it has been responded to", gerund="Starting work",
            action="start work on it",
        ),
        Transition(
            "wait_on_client", "Wait on client", frozenset({"in_progress"}),
            "waiting_on_client", DESK, records=("paused_since",),
            done="put on hold", when="while it is in progress", gerund="Waiting",
            action="put it on hold waiting on the client",
        ),
        Transition(
            "resume", "Resume", frozenset({"waiting_on_client"}), "in_progress", DESK,
            clears=("paused_since",),
            done="resumed", when="while it waits on the client", gerund="Resuming",
            action="resume it",
        ),
        Transition(
            "resolve", "Resolve", frozenset({"in_progress"}), "resolved", DESK,
            records=("resolved_at",),
            done="resolved", when="while it is in progress", gerund="Resolving",
            action="resolve it",
        ),
        Transition(
            "close", "Close", frozenset({"resolved"}), "closed", DESK,
            records=("closed_at",),
            done="closed", when="once it is resolved", gerund="Closing", action="close it",
        ),
        Transition(
            "reopen", "Reopen", frozenset({"resolved"}), "in_progress", DESK,
            requires=("reason",), clears=("resolved_at",), saves=(("reason", "reason"),),
            done="reopened", when="once it is resolved and before it is closed",
            gerund="Reopening", action="reopen it",
        ),
    ]
# fmt: on


TICKETS = Machine(
    noun="ticket",
    statuses=TICKET_STATUSES,
    transitions=MappingProxyType({t.name: t for t in _ticket_transitions()}),
    requirements=MappingProxyType(
        {
            "reason": _needs("reason", "a reason"),
            "agent": Requirement(_ticket_agent, ("agent",)),
            "may_hand_over": Requirement(_may_hand_over),
        }
    ),
    roles=MappingProxyType({SA: "a support agent", CO: "a coordinator"}),
)


def ticket_available(ticket: TicketState, actor: Actor) -> list[Transition]:
    return TICKETS.available(ticket, actor)


def ticket_check(
    transition_name: str,
    ticket: TicketState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> list[str]:
    return TICKETS.check(transition_name, ticket, actor, inputs, now)


def ticket_apply(
    transition_name: str,
    ticket: TicketState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> dict[str, object]:
    return TICKETS.apply(transition_name, ticket, actor, inputs, now)


# ----------------------------------------------------------------------- internal reviews

OPEN_REVIEW = frozenset({"requested", "in_progress", "awaiting_complainant"})


# fmt: off
def _review_transitions() -> list[Transition]:
    return [
        Transition(
            "assign_reviewer", "Assign reviewer", OPEN_REVIEW, None, frozenset({CO}),
            requires=("reviewer",), stays_in=OPEN_REVIEW, effect=_reviewer_effect,
            done="given a reviewer", when="while it is open", gerund="Assigning",
            action="assign its reviewer",
        ),
        Transition(
            "start", "Start review", frozenset({"requested"}), "in_progress",
            frozenset({CO, IR}), requires=("reviewer_assigned",),
            done="started", when="when it has just been requested", gerund="Starting",
            action="start it",
        ),
        Transition(
            "wait_on_complainant", "Wait on complainant", frozenset({"in_progress"}),
            "awaiting_complainant", frozenset({CO, IR}), records=("paused_since",),
            done="put on hold", when="while it is in progress", gerund="Waiting",
            action="put it on hold waiting on the complainant",
        ),
        Transition(
            "resume", "Resume", frozenset({"awaiting_complainant"}), "in_progress",
            frozenset({CO, IR}), clears=("paused_since",),
            done="resumed", when="while it waits on the complainant", gerund="Resuming",
            action="resume it",
        ),
        Transition(
            "complete", "Record outcome", frozenset({"in_progress"}), "completed",
            frozenset({IR}),
            requires=("reviewer_assigned", "outcome", "findings", "not_own_decision"),
            records=("completed_at", "recorded_by_id"),
            saves=(("outcome", "outcome"), ("findings", "findings")),
            done="completed", when="while it is in progress",
            gerund="Recording the outcome", action="record its outcome",
        ),
        Transition(
            "withdraw", "Withdraw", OPEN_REVIEW, "withdrawn", frozenset({CO, IR}),
            requires=("reason",), records=("completed_at",), clears=("paused_since",),
            saves=(("reason", "reason"),),
            done="withdrawn", when="while it is open", gerund="Withdrawing",
            action="record its withdrawal",
        ),
    ]
# fmt: on


REVIEWS = Machine(
    noun="internal review",
    statuses=REVIEW_STATUSES,
    transitions=MappingProxyType({t.name: t for t in _review_transitions()}),
    requirements=MappingProxyType(
        {
            "reviewer": Requirement(_reviewer, ("reviewer",)),
            "reviewer_assigned": _assigned("reviewer_id", "an internal reviewer"),
            "outcome": _review_outcome("outcome", "an outcome"),
            "findings": _needs("findings", "the findings"),
            "not_own_decision": _not_own_decision(lambda review: review.complaint.decided_by_user),
            "reason": _needs("reason", "a reason"),
        }
    ),
    per_case=MappingProxyType({IR: "reviewer_id"}),
    roles=MappingProxyType({CO: "a coordinator", IR: "the reviewer of this internal review"}),
)


def review_available(review: ReviewState, actor: Actor) -> list[Transition]:
    return REVIEWS.available(review, actor)


def review_check(
    transition_name: str,
    review: ReviewState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> list[str]:
    return REVIEWS.check(transition_name, review, actor, inputs, now)


def review_apply(
    transition_name: str,
    review: ReviewState,
    actor: Actor,
    inputs: Mapping[str, object],
    now: datetime,
) -> dict[str, object]:
    return REVIEWS.apply(transition_name, review, actor, inputs, now)
