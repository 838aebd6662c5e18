"""The life of a complaint, a ticket and an internal review, step by step."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rules.duties import Assignment, Officer
from rules.errors import RuleViolation
from rules.vocabulary import COMPLAINT_STATUSES, REVIEW_STATUSES, TICKET_STATUSES
from rules.workflow import (
    COMPLAINTS,
    REVIEWS,
    TICKETS,
    Actor,
    Agent,
    CaseState,
    ReviewState,
    TicketState,
    apply,
    available,
    check,
    review_apply,
    review_available,
    review_check,
    ticket_apply,
    ticket_available,
    ticket_check,
)

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

# The first word of every button: what pressing it does.
VERBS = frozenset(
    {
        "Acknowledge", "Assign", "Close", "Decide", "Finalise", "Record", "Refer", "Register",
        "Reopen", "Request", "Resolve", "Respond", "Resume", "Set", "Start", "Submit", "Wait",
        "Withdraw",
    }
)  # fmt: skip


@pytest.mark.parametrize("machine", [COMPLAINTS, TICKETS, REVIEWS], ids=lambda m: m.noun)
def test_every_step_button_is_a_verb(machine):
    for transition in machine.transitions.values():
        assert transition.label.split()[0] in VERBS, transition.label


def test_the_review_steps_say_what_pressing_them_does():
    assert COMPLAINTS.transition("request_internal_review").label == "Request internal review"
    assert COMPLAINTS.transition("request_external_review").label == "Request external review"
    assert REVIEWS.transition("withdraw").label == "Withdraw"


EARLIER = NOW - timedelta(days=3)

MANAGER_OFFICER = Officer(101, "L. O'Connor", "AO6", 6)
DECIDER_OFFICER = Officer(102, "D. Kowalski", "AO8", 8)
REVIEWER_OFFICER = Officer(103, "P. Raman", "SES1", 9)

COORDINATOR = Actor(10, frozenset({"coordinator"}), 100, "S. Nguyen")
MANAGER = Actor(11, frozenset({"complaint_manager"}), 101, "L. O'Connor")
DECIDER = Actor(12, frozenset({"decision_maker"}), 102, "D. Kowalski")
REVIEWER = Actor(13, frozenset({"internal_reviewer"}), 103, "P. Raman")
ADMINISTRATOR = Actor(14, frozenset({"administrator"}), None)
AGENT = Actor(15, frozenset({"support_agent"}), 105, "G. Tan")
ANOTHER_MANAGER = Actor(16, frozenset({"complaint_manager"}), 199, "M. Chen")
ANOTHER_DECIDER = Actor(17, frozenset({"decision_maker"}), 198, "R. Campbell")
ANOTHER_REVIEWER = Actor(18, frozenset({"internal_reviewer"}), 197, "H. Papadopoulos")


def case(status: str, **facts) -> CaseState:
    """A complaint with its officers assigned (manager 101, decision maker 102, reviewer 103)."""
    people = {"manager_id": 101, "decision_maker_id": 102, "reviewer_id": 103}
    return CaseState(status, **{**people, **facts})


def refusals(name, state, actor, inputs=None):
    return check(name, state, actor, inputs or {}, NOW)


def names(transitions):
    return [t.name for t in transitions]


# ------------------------------------------------------------------------ the table


def test_every_step_the_procedure_names_is_in_the_table():
    assert set(COMPLAINTS.transitions) == {
        "register",
        "acknowledge",
        "assign",
        "set_category",
        "start_assessment",
        "start_investigation",
        "wait_on_complainant",
        "resume",
        "submit_draft",
        "decide",
        "finalise",
        "request_internal_review",
        "record_review_outcome",
        "request_external_review",
        "refer",
        "withdraw",
        "close",
        "reopen",
    }
    assert set(TICKETS.transitions) == {
        "assign_agent",
        "respond",
        "start_work",
        "wait_on_client",
        "resume",
        "resolve",
        "close",
        "reopen",
    }


@pytest.mark.parametrize(
    "machine, statuses",
    [(COMPLAINTS, COMPLAINT_STATUSES), (TICKETS, TICKET_STATUSES), (REVIEWS, REVIEW_STATUSES)],
)
def test_every_step_starts_and_ends_in_a_known_status(machine, statuses):
    for transition in machine.transitions.values():
        assert transition.sources <= set(statuses), transition.name
        assert transition.target is None or transition.target in statuses, transition.name
        assert transition.stays_in <= transition.sources, transition.name
        assert transition.done and transition.when and transition.gerund and transition.action


def test_the_steps_record_who_and_when():
    records = {name: t.records for name, t in COMPLAINTS.transitions.items() if t.records}
    assert records == {
        "register": ("registered_at",),
        "acknowledge": ("acknowledged_at",),
        "wait_on_complainant": ("paused_since",),
        "submit_draft": ("drafted_by_id",),
        "decide": ("decided_at", "decided_by_id"),
        "finalise": ("finalised_at",),
        "refer": ("closed_at",),
        "withdraw": ("closed_at",),
        "close": ("closed_at",),
    }


def test_a_form_asks_for_the_inputs_a_step_reads():
    assert COMPLAINTS.inputs("finalise") == ("outcome", "outcome_reason")
    assert COMPLAINTS.inputs("refer") == ("referral_target",)
    assert COMPLAINTS.inputs("request_internal_review") == ("late_reason",)
    assert COMPLAINTS.inputs("decide") == ()
    assert REVIEWS.inputs("complete") == ("outcome", "findings")


def test_an_unknown_step_is_refused_in_words():
    assert refusals("approve", case("registered"), COORDINATOR) == [
        "There is no step called “approve” for a complaint."
    ]
    with pytest.raises(RuleViolation, match="no step called"):
        apply("approve", case("registered"), COORDINATOR, {}, NOW)


def test_a_refused_step_raises_every_reason_joined_by_lines():
    with pytest.raises(RuleViolation) as refused:
        apply("decide", case("registered"), MANAGER, {}, NOW)
    assert str(refused.value).splitlines() == [
        "A complaint can only be decided once a response has been drafted (it is Registered).",
        "Only the decision maker of this complaint, or an administrator, may decide it.",
    ]


# ---------------------------------------------------------------------- register


def test_coordinator_registers_a_received_complaint():
    assert apply("register", CaseState("received"), COORDINATOR, {}, NOW) == {
        "status": "registered",
        "registered_at": NOW,
    }


def test_a_compliment_is_registered_like_a_complaint():
    state = CaseState("received", kind="compliment")
    assert apply("register", state, COORDINATOR, {}, NOW)["status"] == "registered"


def test_registering_twice_is_refused():
    assert refusals("register", case("registered"), COORDINATOR) == [
        "A complaint can only be registered when it has just been received (it is Registered)."
    ]


def test_a_complaint_manager_cannot_register():
    assert refusals("register", CaseState("received"), MANAGER) == [
        "Only a coordinator, or an administrator, may register it."
    ]


# ------------------------------------------------------------------- acknowledge


def test_coordinator_acknowledges_a_registered_complaint():
    assert apply("acknowledge", case("registered"), COORDINATOR, {}, NOW) == {
        "status": "acknowledged",
        "acknowledged_at": NOW,
    }


def test_the_complaint_manager_of_the_case_may_acknowledge_it():
    assert refusals("acknowledge", case("registered"), MANAGER) == []
    assert refusals("acknowledge", case("registered"), ANOTHER_MANAGER) == [
        "Only a coordinator, the complaint manager of this complaint, or an administrator, "
        "may acknowledge it."
    ]


def test_acknowledging_after_assessment_began_records_it_without_moving_back():
    changes = apply("acknowledge", case("investigation"), MANAGER, {}, NOW)
    assert changes == {"status": "investigation", "acknowledged_at": NOW}


def test_acknowledging_twice_is_refused():
    state = case("investigation", acknowledged_at=EARLIER)
    assert refusals("acknowledge", state, COORDINATOR) == [
        "This complaint has already been acknowledged."
    ]
    assert "acknowledge" not in names(available(state, COORDINATOR))


def test_acknowledging_a_decided_complaint_is_refused():
    assert refusals("acknowledge", case("decided"), COORDINATOR) == [
        "A complaint can only be acknowledged once it is registered and before it is decided "
        "(it is Decided)."
    ]


# ------------------------------------------------------------------------ assign


def test_assigning_officers_moves_a_registered_complaint_to_assessment():
    inputs = {"manager": MANAGER_OFFICER, "decision_maker": DECIDER_OFFICER}
    assert apply("assign", CaseState("registered"), COORDINATOR, inputs, NOW) == {
        "status": "under_assessment",
        "manager_id": 101,
        "decision_maker_id": 102,
    }


def test_reassigning_during_investigation_keeps_the_status():
    inputs = {"manager": MANAGER_OFFICER, "decision_maker": None}
    changes = apply("assign", case("investigation"), COORDINATOR, inputs, NOW)
    assert changes == {"status": "investigation", "manager_id": 101, "decision_maker_id": None}


def test_assigning_is_refused_when_the_decision_maker_does_not_rank_above_the_manager():
    inputs = {"manager": DECIDER_OFFICER, "decision_maker": MANAGER_OFFICER}
    assert refusals("assign", CaseState("registered"), COORDINATOR, inputs) == [
        "The decision maker must rank above the complaint manager: "
        "L. O'Connor (AO6) does not rank above D. Kowalski (AO8)."
    ]


def test_assigning_the_subject_of_the_complaint_is_refused():
    state = CaseState("registered", subjects=frozenset({101}))
    inputs = {"manager": MANAGER_OFFICER, "decision_maker": DECIDER_OFFICER}
    assert refusals("assign", state, COORDINATOR, inputs) == [
        "Nobody the complaint is about may handle it: L. O'Connor is a subject of the "
        "complaint and cannot be its complaint manager."
    ]


def test_assigning_needs_a_manager_and_the_decision_maker_as_saved():
    assert refusals("assign", CaseState("registered"), COORDINATOR, {}) == [
        "Assigning needs a complaint manager.",
        "Assigning needs the decision maker as it is to be saved (leave it empty to assign "
        "one later).",
    ]


def test_assigning_after_the_decision_is_refused():
    inputs = {"manager": MANAGER_OFFICER, "decision_maker": DECIDER_OFFICER}
    assert refusals("assign", case("decided"), COORDINATOR, inputs) == [
        "A complaint can only be assigned officers between registration and the decision "
        "(it is Decided)."
    ]


def test_a_compliment_is_not_assigned_officers():
    state = CaseState("registered", kind="compliment")
    inputs = {"manager": MANAGER_OFFICER, "decision_maker": DECIDER_OFFICER}
    assert refusals("assign", state, COORDINATOR, inputs) == [
        "A compliment is recorded and passed to the business area, not assigned officers."
    ]


# -------------------------------------------------------------- start assessment


def test_coordinator_starts_the_assessment_of_an_acknowledged_complaint():
    changes = apply("start_assessment", case("acknowledged"), COORDINATOR, {}, NOW)
    assert changes == {"status": "under_assessment"}


def test_starting_assessment_twice_is_refused():
    assert refusals("start_assessment", case("under_assessment"), COORDINATOR) == [
        "A complaint can only be assessed once it is registered (it is Under assessment)."
    ]


def test_a_decision_maker_cannot_start_the_assessment():
    assert refusals("start_assessment", case("registered"), DECIDER) == [
        "Only a coordinator, or an administrator, may start its assessment."
    ]


# ----------------------------------------------------------- start investigation


def test_the_complaint_manager_starts_the_investigation():
    changes = apply("start_investigation", case("under_assessment"), MANAGER, {}, NOW)
    assert changes == {"status": "investigation"}


def test_another_complaint_manager_cannot_start_the_investigation():
    assert refusals("start_investigation", case("under_assessment"), ANOTHER_MANAGER) == [
        "Only the complaint manager of this complaint, or an administrator, may start its "
        "investigation."
    ]


def test_a_coordinator_cannot_start_the_investigation():
    assert refusals("start_investigation", case("under_assessment"), COORDINATOR) == [
        "Only the complaint manager of this complaint, or an administrator, may start its "
        "investigation."
    ]


def test_investigating_needs_a_complaint_manager():
    state = CaseState("under_assessment")
    assert refusals("start_investigation", state, ADMINISTRATOR) == [
        "Investigating needs a complaint manager assigned first."
    ]


def test_investigating_before_assessment_is_refused():
    assert refusals("start_investigation", case("registered"), MANAGER) == [
        "A complaint can only be investigated once it is under assessment (it is Registered)."
    ]


# ------------------------------------------------------------- wait and resume


def test_waiting_on_the_complainant_pauses_the_clock_and_remembers_the_status():
    changes = apply("wait_on_complainant", case("investigation"), MANAGER, {}, NOW)
    assert changes == {
        "status": "awaiting_complainant",
        "paused_since": NOW,
        "status_before_pause": "investigation",
    }


def test_a_coordinator_may_put_a_complaint_on_hold():
    assert refusals("wait_on_complainant", case("registered"), COORDINATOR) == []


def test_a_decided_complaint_cannot_wait_on_the_complainant():
    assert refusals("wait_on_complainant", case("decided"), MANAGER) == [
        "A complaint can only be put on hold while it is being worked on (it is Decided)."
    ]


def test_the_decision_maker_cannot_put_a_complaint_on_hold():
    assert refusals("wait_on_complainant", case("investigation"), DECIDER) == [
        "Only a coordinator, the complaint manager of this complaint, or an administrator, "
        "may put it on hold waiting on the complainant."
    ]


def test_resuming_goes_back_to_the_status_before_waiting():
    state = case("awaiting_complainant", status_before_pause="investigation")
    assert apply("resume", state, MANAGER, {}, NOW) == {
        "status": "investigation",
        "paused_since": None,
    }


def test_resuming_takes_the_status_to_go_back_to_when_the_case_does_not_know_it():
    state = case("awaiting_complainant")
    changes = apply("resume", state, COORDINATOR, {"resume_to": "under_assessment"}, NOW)
    assert changes["status"] == "under_assessment"


def test_resuming_without_knowing_where_to_is_refused():
    assert refusals("resume", case("awaiting_complainant"), MANAGER) == [
        "Resuming needs the status the complaint goes back to."
    ]


def test_resuming_to_another_status_than_before_is_refused():
    state = case("awaiting_complainant", status_before_pause="investigation")
    assert refusals("resume", state, MANAGER, {"resume_to": "response_drafted"}) == [
        "Resuming goes back to Investigation, the status it was in before waiting, not "
        "Response drafted."
    ]


def test_resuming_to_a_status_that_is_not_worked_is_refused():
    state = case("awaiting_complainant")
    assert refusals("resume", state, MANAGER, {"resume_to": "finalised"}) == [
        "Resuming can only go back to a working status, not Finalised."
    ]


def test_resuming_a_complaint_that_is_not_waiting_is_refused():
    assert refusals("resume", case("investigation", status_before_pause="x"), MANAGER)[0] == (
        "A complaint can only be resumed while it waits on the complainant (it is Investigation)."
    )


# ------------------------------------------------------------------ submit draft


def test_the_complaint_manager_submits_a_draft_response():
    assert apply("submit_draft", case("investigation"), MANAGER, {}, NOW) == {
        "status": "response_drafted",
        "drafted_by_id": 11,
    }


def test_a_draft_may_follow_assessment_when_no_investigation_is_needed():
    assert refusals("submit_draft", case("under_assessment"), MANAGER) == []


def test_the_decision_maker_cannot_submit_the_draft():
    assert refusals("submit_draft", case("investigation"), DECIDER) == [
        "Only the complaint manager of this complaint, or an administrator, may submit its "
        "draft response."
    ]


def test_a_draft_needs_a_complaint_manager():
    assert refusals("submit_draft", CaseState("investigation"), ADMINISTRATOR) == [
        "Submitting a draft needs a complaint manager assigned first."
    ]


def test_a_draft_cannot_be_submitted_twice():
    assert refusals("submit_draft", case("response_drafted"), MANAGER) == [
        "A complaint can only be given a draft response while it is assessed or investigated "
        "(it is Response drafted)."
    ]


# ------------------------------------------------------------------------ decide


def test_the_decision_maker_decides_a_drafted_response():
    state = case("response_drafted", drafted_by_user=11)
    assert apply("decide", state, DECIDER, {}, NOW) == {
        "status": "decided",
        "decided_at": NOW,
        "decided_by_id": 12,
    }


def test_a_complaint_can_only_be_decided_once_a_response_has_been_drafted():
    assert refusals("decide", case("registered"), DECIDER) == [
        "A complaint can only be decided once a response has been drafted (it is Registered)."
    ]


def test_only_the_decision_maker_of_this_complaint_may_decide_it():
    assert refusals("decide", case("response_drafted"), ANOTHER_DECIDER) == [
        "Only the decision maker of this complaint, or an administrator, may decide it."
    ]


def test_the_account_that_drafted_cannot_decide():
    drafter = replace(ADMINISTRATOR, user_id=11, name="L. O'Connor")
    state = case("response_drafted", drafted_by_user=11)
    assert refusals("decide", state, drafter) == [
        "Nobody approves their own work: L. O'Connor drafted the response, so cannot also "
        "record the decision on it."
    ]
    assert "decide" not in names(available(state, drafter))


def test_deciding_needs_a_decision_maker():
    state = CaseState("response_drafted", manager_id=101)
    assert refusals("decide", state, ADMINISTRATOR) == [
        "Deciding needs a decision maker assigned first."
    ]


def test_an_administrator_may_decide_in_the_decision_makers_stead():
    assert refusals("decide", case("response_drafted", drafted_by_user=11), ADMINISTRATOR) == []


# ---------------------------------------------------------------------- finalise


def test_the_decision_maker_finalises_with_an_outcome():
    changes = apply("finalise", case("decided"), DECIDER, {"outcome": "upheld"}, NOW)
    assert changes == {"status": "finalised", "finalised_at": NOW, "outcome_code": "upheld"}


def test_finalising_needs_an_outcome():
    assert refusals("finalise", case("decided"), DECIDER) == ["Finalising needs an outcome."]


@pytest.mark.parametrize(
    "outcome, words", [("withdrawn", "Withdrawn"), ("declined", "Declined to investigate")]
)
def test_finalising_as_withdrawn_or_declined_needs_the_reasons(outcome, words):
    assert refusals("finalise", case("decided"), DECIDER, {"outcome": outcome}) == [
        f"Finalising with the outcome {words} needs its reasons recorded."
    ]


def test_finalising_as_declined_with_reasons_records_them():
    inputs = {"outcome": "declined", "outcome_reason": "Already dealt with in court."}
    changes = apply("finalise", case("decided"), DECIDER, inputs, NOW)
    assert changes["outcome_reason"] == "Already dealt with in court."


def test_the_outcome_lookup_may_say_which_outcomes_need_reasons():
    inputs = {"outcome": "out_of_time", "outcome_requires_reason": True}
    assert refusals("finalise", case("decided"), DECIDER, inputs) == [
        "Finalising with the outcome out_of_time needs its reasons recorded."
    ]
    inputs = {"outcome": "withdrawn", "outcome_requires_reason": False}
    assert refusals("finalise", case("decided"), DECIDER, inputs) == []


def test_finalising_before_the_decision_is_refused():
    assert refusals("finalise", case("response_drafted"), DECIDER, {"outcome": "upheld"}) == [
        "A complaint can only be finalised once it has been decided (it is Response drafted)."
    ]


def test_the_complaint_manager_cannot_finalise():
    assert refusals("finalise", case("decided"), MANAGER, {"outcome": "upheld"}) == [
        "Only the decision maker of this complaint, or an administrator, may finalise it."
    ]


# ------------------------------------------------------- request internal review

FINALISED = case(
    "finalised",
    outcome_code="not_upheld",
    finalised_at=EARLIER,
    decided_by_user=12,
    review_request_due_at=NOW + timedelta(days=10),
)


def test_a_review_asked_for_within_the_window_is_recorded():
    changes = apply("request_internal_review", FINALISED, COORDINATOR, {}, NOW)
    assert changes == {"status": "internal_review", "closed_at": None}


def test_a_late_review_request_needs_its_reason():
    late = replace(FINALISED, review_request_due_at=NOW - timedelta(minutes=1))
    assert refusals("request_internal_review", late, COORDINATOR) == [
        "The window to ask for an internal review has closed: a late request needs the reason "
        "it is accepted."
    ]
    inputs = {"late_reason": "In hospital for three weeks."}
    changes = apply("request_internal_review", late, COORDINATOR, inputs, NOW)
    assert changes["late_reason"] == "In hospital for three weeks."


def test_a_closed_complaint_may_still_be_put_to_internal_review():
    closed = replace(FINALISED, status="closed", closed_at=EARLIER)
    changes = apply("request_internal_review", closed, COORDINATOR, {}, NOW)
    assert changes == {"status": "internal_review", "closed_at": None}


def test_a_complaint_closed_without_a_response_cannot_be_reviewed():
    assert refusals("request_internal_review", case("closed"), COORDINATOR) == [
        "Requesting an internal review needs a finalised complaint: this one was closed "
        "without a response."
    ]


def test_a_complaint_under_investigation_cannot_be_put_to_internal_review():
    assert refusals("request_internal_review", case("investigation"), COORDINATOR) == [
        "A complaint can only be put to internal review once its response has been given "
        "(it is Investigation)."
    ]


def test_a_second_review_while_one_is_open_is_refused():
    state = replace(FINALISED, internal_review_open=True)
    assert refusals("request_internal_review", state, COORDINATOR) == [
        "Requesting an internal review must wait until its internal review is over."
    ]


def test_a_decision_maker_cannot_record_a_review_request():
    assert refusals("request_internal_review", FINALISED, DECIDER) == [
        "Only a coordinator, or an administrator, may record a request for internal review."
    ]


# --------------------------------------------------------- record review outcome

UNDER_REVIEW = replace(FINALISED, status="internal_review", internal_review_open=True)


def test_a_confirmed_decision_leaves_internal_review_finalised_again():
    inputs = {"review_outcome": "original_confirmed"}
    changes = apply("record_review_outcome", UNDER_REVIEW, REVIEWER, inputs, NOW)
    assert changes == {"status": "finalised", "review_outcome": "original_confirmed"}


def test_a_changed_decision_records_the_new_outcome_and_leaves_internal_review():
    inputs = {"review_outcome": "decision_changed", "outcome": "partly_upheld"}
    changes = apply("record_review_outcome", UNDER_REVIEW, REVIEWER, inputs, NOW)
    assert changes["outcome_code"] == "partly_upheld"
    assert changes["status"] == "finalised"


def test_a_response_already_reviewed_cannot_be_put_to_internal_review_again():
    reviewed = replace(FINALISED, internal_review_done=True)
    assert refusals("request_internal_review", reviewed, COORDINATOR) == [
        "This response has already been through an internal review: the complainant may "
        "now ask for an external review."
    ]


def test_a_changed_decision_needs_the_new_outcome():
    inputs = {"review_outcome": "decision_changed"}
    assert refusals("record_review_outcome", UNDER_REVIEW, REVIEWER, inputs) == [
        "A changed decision needs the complaint's new outcome."
    ]


def test_a_complaint_referred_back_goes_before_the_decision_maker_afresh():
    inputs = {"review_outcome": "referred_back"}
    changes = apply("record_review_outcome", UNDER_REVIEW, REVIEWER, inputs, NOW)
    assert changes == {
        "status": "response_drafted",
        "review_outcome": "referred_back",
        "decided_at": None,
        "decided_by_id": None,
        "finalised_at": None,
        "outcome_code": None,
        "outcome_reason": None,
    }


def test_the_account_that_decided_cannot_record_the_review_outcome():
    decider_as_reviewer = replace(REVIEWER, user_id=12, name="D. Kowalski")
    inputs = {"review_outcome": "original_confirmed"}
    assert refusals("record_review_outcome", UNDER_REVIEW, decider_as_reviewer, inputs) == [
        "Nobody approves their own work: D. Kowalski decided the complaint, so cannot also "
        "record the outcome of its internal review."
    ]


def test_only_the_reviewer_of_this_complaint_records_the_review_outcome():
    inputs = {"review_outcome": "original_confirmed"}
    assert refusals("record_review_outcome", UNDER_REVIEW, ANOTHER_REVIEWER, inputs) == [
        "Only the internal reviewer of this complaint, or an administrator, may record the "
        "outcome of its internal review."
    ]


def test_the_review_outcome_must_be_one_the_procedure_knows():
    assert refusals("record_review_outcome", UNDER_REVIEW, REVIEWER, {}) == [
        "Recording the review outcome needs the review's outcome."
    ]
    inputs = {"review_outcome": "quashed"}
    assert refusals("record_review_outcome", UNDER_REVIEW, REVIEWER, inputs) == [
        "There is no internal review outcome called “quashed”."
    ]


def test_a_review_outcome_needs_a_complaint_under_review():
    inputs = {"review_outcome": "original_confirmed"}
    assert refusals("record_review_outcome", FINALISED, REVIEWER, inputs) == [
        "A complaint can only be given a review outcome while it is under internal review "
        "(it is Finalised)."
    ]


# ------------------------------------------------------- request external review


def test_a_reviewed_complaint_goes_to_the_ombudsman():
    reviewed = replace(UNDER_REVIEW, internal_review_open=False)
    changes = apply("request_external_review", reviewed, COORDINATOR, {"body": "ombudsman"}, NOW)
    assert changes == {
        "status": "external_review",
        "closed_at": None,
        "external_body": "ombudsman",
    }


def test_the_ombudsman_waits_for_the_internal_review_to_be_over():
    assert refusals(
        "request_external_review", UNDER_REVIEW, COORDINATOR, {"body": "ombudsman"}
    ) == ["Sending to external review must wait until its internal review is over."]


def test_only_a_human_rights_complaint_goes_to_the_commissioner():
    inputs = {"body": "human_rights_commissioner"}
    assert refusals("request_external_review", FINALISED, COORDINATOR, inputs) == [
        "Only a complaint with a human-rights aspect goes to the Human Rights Commissioner."
    ]
    human_rights = replace(FINALISED, human_rights=True)
    assert refusals("request_external_review", human_rights, COORDINATOR, inputs) == []


def test_external_review_needs_the_body():
    assert refusals("request_external_review", FINALISED, COORDINATOR) == [
        "Sending to external review needs the body: the Ombudsman or the Commissioner."
    ]
    assert refusals("request_external_review", FINALISED, COORDINATOR, {"body": "court"}) == [
        "There is no external body called “court”."
    ]


def test_external_review_before_the_response_is_refused():
    inputs = {"body": "ombudsman"}
    assert refusals("request_external_review", case("investigation"), COORDINATOR, inputs) == [
        "A complaint can only be sent to external review once its response has been given "
        "(it is Investigation)."
    ]


# ------------------------------------------------------------------------- refer


def test_coordinator_refers_a_matter_to_another_process():
    changes = apply("refer", case("under_assessment"), COORDINATOR, {"referral_target": 4}, NOW)
    assert changes == {"status": "referred", "closed_at": NOW, "referral_target_id": 4}


def test_a_received_submission_may_be_referred_before_registration():
    assert refusals("refer", CaseState("received"), COORDINATOR, {"referral_target": 4}) == []


def test_referring_needs_the_process_it_goes_to():
    assert refusals("refer", case("registered"), COORDINATOR) == [
        "Referring needs the process it is referred to."
    ]


def test_a_complaint_under_investigation_is_not_referred():
    assert refusals("refer", case("investigation"), COORDINATOR, {"referral_target": 4}) == [
        "A complaint can only be referred before it is investigated (it is Investigation)."
    ]


def test_a_complaint_manager_cannot_refer():
    assert refusals("refer", case("registered"), MANAGER, {"referral_target": 4}) == [
        "Only a coordinator, or an administrator, may refer it."
    ]


# ------------------------------------------------------------------------- close


def test_coordinator_closes_a_finalised_complaint():
    assert apply("close", FINALISED, COORDINATOR, {}, NOW) == {
        "status": "closed",
        "closed_at": NOW,
    }


def test_closing_a_referred_matter_keeps_the_time_it_was_referred():
    referred = case("referred", closed_at=EARLIER)
    assert apply("close", referred, COORDINATOR, {}, NOW) == {"status": "closed"}


def test_a_compliment_is_closed_once_registered():
    compliment = CaseState("acknowledged", kind="compliment")
    assert apply("close", compliment, COORDINATOR, {}, NOW)["status"] == "closed"


def test_a_complaint_cannot_be_closed_before_it_is_finalised():
    assert refusals("close", case("registered"), COORDINATOR) == [
        "A complaint can only be closed once it is finalised, reviewed or referred "
        "(it is Registered)."
    ]
    assert "close" not in names(available(case("registered"), COORDINATOR))


def test_a_complaint_under_investigation_cannot_be_closed():
    assert refusals("close", case("investigation"), COORDINATOR) == [
        "A complaint can only be closed once it is finalised, reviewed or referred "
        "(it is Investigation)."
    ]


def test_closing_waits_for_an_open_internal_review():
    assert refusals("close", UNDER_REVIEW, COORDINATOR) == [
        "Closing must wait until its internal review is over."
    ]


def test_closing_waits_for_an_open_external_review():
    state = case("external_review", outcome_code="upheld", external_review_open=True)
    assert refusals("close", state, COORDINATOR) == [
        "Closing must wait until its external review is over."
    ]


def test_the_decision_maker_cannot_close():
    assert refusals("close", FINALISED, DECIDER) == [
        "Only a coordinator, or an administrator, may close it."
    ]


# ------------------------------------------------------------------------ reopen


def test_coordinator_reopens_a_closed_complaint_with_a_reason():
    closed = replace(FINALISED, status="closed", closed_at=EARLIER)
    inputs = {"reason": "The complainant sent new evidence."}
    assert apply("reopen", closed, COORDINATOR, inputs, NOW) == {
        "status": "under_assessment",
        "closed_at": None,
        "finalised_at": None,
        "decided_at": None,
        "decided_by_id": None,
        "drafted_by_id": None,
        "outcome_code": None,
        "outcome_reason": None,
        "referral_target_id": None,
        "reason": "The complainant sent new evidence.",
    }


def test_a_referred_matter_sent_back_is_reopened_for_assessment():
    inputs = {"reason": "Privacy officer found no breach."}
    changes = apply("reopen", case("referred"), COORDINATOR, inputs, NOW)
    assert changes["status"] == "under_assessment"


def test_reopening_needs_a_reason():
    assert refusals("reopen", FINALISED, COORDINATOR, {"reason": "  "}) == [
        "Reopening needs a reason."
    ]


def test_reopening_an_open_complaint_is_refused():
    assert refusals("reopen", case("investigation"), COORDINATOR, {"reason": "x"}) == [
        "A complaint can only be reopened once it is finalised, referred or closed "
        "(it is Investigation)."
    ]


def test_the_complaint_manager_cannot_reopen():
    assert refusals("reopen", FINALISED, MANAGER, {"reason": "x"}) == [
        "Only a coordinator, or an administrator, may reopen it."
    ]


def test_an_administrator_may_reopen():
    assert refusals("reopen", FINALISED, ADMINISTRATOR, {"reason": "x"}) == []


# -------------------------------------------------------------------- the buttons


def test_a_coordinator_sees_the_steps_of_a_registered_complaint():
    assert names(available(case("registered"), COORDINATOR)) == [
        "acknowledge",
        "assign",
        "set_category",
        "start_assessment",
        "wait_on_complainant",
        "refer",
        "withdraw",
    ]


def test_the_complaint_manager_sees_the_steps_of_their_investigation():
    assert names(available(case("investigation", acknowledged_at=EARLIER), MANAGER)) == [
        "wait_on_complainant",
        "submit_draft",
    ]


def test_another_complaint_manager_sees_no_steps_on_a_case_not_theirs():
    assert available(case("investigation"), ANOTHER_MANAGER) == []


def test_the_decision_maker_sees_decide_on_a_drafted_response():
    state = case("response_drafted", drafted_by_user=11)
    assert names(available(state, DECIDER)) == ["decide"]


def test_a_coordinator_sees_the_steps_after_finalisation():
    assert names(available(FINALISED, COORDINATOR)) == [
        "request_internal_review",
        "request_external_review",
        "close",
        "reopen",
    ]


def test_a_support_agent_sees_no_complaint_steps():
    assert available(case("registered"), AGENT) == []


def test_an_account_without_a_staff_record_acts_in_no_case_capacity():
    stranger = Actor(30, frozenset({"complaint_manager"}), None)
    assert available(CaseState("investigation"), stranger) == []


# ----------------------------------------------------------- the whole life, walked


def walk(state, steps):
    for name, actor, inputs in steps:
        changes = apply(name, state, actor, inputs, NOW)
        known = {k: v for k, v in changes.items() if k in CaseState.__dataclass_fields__}
        if "drafted_by_id" in changes:
            known["drafted_by_user"] = changes["drafted_by_id"]
        if "decided_by_id" in changes:
            known["decided_by_user"] = changes["decided_by_id"]
        if "outcome_code" in changes:
            known["outcome_code"] = changes["outcome_code"]
        if "status_before_pause" in changes:
            known["status_before_pause"] = changes["status_before_pause"]
        state = replace(state, **known)
    return state


def test_a_complaint_lives_from_receipt_to_close():
    officers = {"manager": MANAGER_OFFICER, "decision_maker": DECIDER_OFFICER}
    state = walk(
        CaseState("received"),
        [
            ("register", COORDINATOR, {}),
            ("acknowledge", COORDINATOR, {}),
            ("assign", COORDINATOR, officers),
            ("start_investigation", MANAGER, {}),
            ("wait_on_complainant", MANAGER, {}),
            ("resume", MANAGER, {}),
            ("submit_draft", MANAGER, {}),
            ("decide", DECIDER, {}),
            ("finalise", DECIDER, {"outcome": "partly_upheld"}),
            ("close", COORDINATOR, {}),
        ],
    )
    assert state.status == "closed"
    assert (state.drafted_by_user, state.decided_by_user) == (11, 12)
    assert state.registered_at == state.acknowledged_at == state.closed_at == NOW


# ------------------------------------------------------------------------ tickets

TICKET_STEPS = [
    ("respond", "new", "responded", {"first_response_at": NOW}),
    ("start_work", "responded", "in_progress", {}),
    ("wait_on_client", "in_progress", "waiting_on_client", {"paused_since": NOW}),
    ("resume", "waiting_on_client", "in_progress", {"paused_since": None}),
    ("resolve", "in_progress", "resolved", {"resolved_at": NOW}),
    ("close", "resolved", "closed", {"closed_at": NOW}),
]


@pytest.mark.parametrize("name, source, target, recorded", TICKET_STEPS)
def test_a_support_agent_moves_a_ticket_along(name, source, target, recorded):
    changes = ticket_apply(name, TicketState(source), AGENT, {}, NOW)
    assert changes == {"status": target, **recorded}


@pytest.mark.parametrize("name, source, target, recorded", TICKET_STEPS)
def test_a_ticket_step_from_the_wrong_status_is_refused(name, source, target, recorded):
    wrong = "closed" if source != "closed" else "new"
    [reason] = ticket_check(name, TicketState(wrong), AGENT, {}, NOW)
    assert reason.startswith("A ticket can only be ") and reason.endswith("(it is Closed).")


def test_a_ticket_can_only_be_resolved_while_it_is_in_progress():
    assert ticket_check("resolve", TicketState("new"), AGENT, {}, NOW) == [
        "A ticket can only be resolved while it is in progress (it is New)."
    ]


def test_a_coordinator_may_work_tickets():
    assert ticket_check("respond", TicketState("new"), COORDINATOR, {}, NOW) == []


def test_a_complaint_manager_cannot_work_tickets():
    assert ticket_check("respond", TicketState("new"), MANAGER, {}, NOW) == [
        "Only a support agent, a coordinator, or an administrator, may respond to it."
    ]


def test_a_resolved_ticket_reopens_with_a_reason_and_its_resolution_undone():
    changes = ticket_apply("reopen", TicketState("resolved"), AGENT, {"reason": "Again"}, NOW)
    assert changes == {"status": "in_progress", "resolved_at": None, "reason": "Again"}


def test_reopening_a_ticket_needs_a_reason():
    assert ticket_check("reopen", TicketState("resolved"), AGENT, {}, NOW) == [
        "Reopening needs a reason."
    ]


def test_responding_again_keeps_the_first_response_time():
    state = TicketState("new", first_response_at=EARLIER)
    assert ticket_apply("respond", state, AGENT, {}, NOW) == {"status": "responded"}


def test_an_agent_sees_the_steps_of_a_resolved_ticket():
    assert names(ticket_available(TicketState("resolved"), AGENT)) == ["close", "reopen"]
    assert names(ticket_available(TicketState("new"), AGENT)) == ["assign_agent", "respond"]
    assert ticket_available(TicketState("resolved"), MANAGER) == []


TAN = Agent(105, "G. Tan", True)
LEE = Agent(106, "K. Lee", True)
ANOTHER_AGENT = Actor(19, frozenset({"support_agent"}), 106, "K. Lee")


@pytest.mark.parametrize("status", ["new", "responded", "in_progress", "waiting_on_client"])
def test_a_support_agent_takes_an_open_ticket_nobody_works_and_its_status_stays(status):
    changes = ticket_apply("assign_agent", TicketState(status), AGENT, {"agent": TAN}, NOW)
    assert changes == {"status": status, "agent_id": 105}


def test_a_support_agent_hands_a_ticket_they_work_to_another_agent():
    state = TicketState("in_progress", agent_id=105, agent_name="G. Tan")
    changes = ticket_apply("assign_agent", state, AGENT, {"agent": LEE}, NOW)
    assert changes == {"status": "in_progress", "agent_id": 106}


def test_a_support_agent_cannot_take_or_pass_on_a_ticket_another_agent_works():
    state = TicketState("in_progress", agent_id=106, agent_name="K. Lee")
    assert ticket_check("assign_agent", state, AGENT, {"agent": TAN}, NOW) == [
        "This ticket is worked by K. Lee: only they, a coordinator or an administrator may "
        "assign it to someone else."
    ]
    assert "assign_agent" not in names(ticket_available(state, AGENT))
    assert "assign_agent" in names(ticket_available(state, ANOTHER_AGENT))


@pytest.mark.parametrize("actor", [COORDINATOR, ADMINISTRATOR], ids=["coordinator", "admin"])
def test_a_coordinator_or_administrator_reassigns_any_open_ticket(actor):
    state = TicketState("waiting_on_client", agent_id=106, agent_name="K. Lee")
    changes = ticket_apply("assign_agent", state, actor, {"agent": TAN}, NOW)
    assert changes == {"status": "waiting_on_client", "agent_id": 105}


def test_only_an_active_support_agent_works_a_ticket():
    officer = Agent(101, "L. O'Connor", False)
    assert ticket_check(
        "assign_agent", TicketState("new"), COORDINATOR, {"agent": officer}, NOW
    ) == [
        "L. O'Connor is not an active support agent: a ticket is worked by someone whose "
        "account holds the support-agent capacity."
    ]


def test_assigning_needs_an_agent_other_than_the_one_working_it():
    assert ticket_check("assign_agent", TicketState("new"), COORDINATOR, {}, NOW) == [
        "Assigning needs the support agent who is to work the ticket."
    ]
    state = TicketState("new", agent_id=105, agent_name="G. Tan")
    assert ticket_check("assign_agent", state, COORDINATOR, {"agent": TAN}, NOW) == [
        "G. Tan already works this ticket."
    ]


@pytest.mark.parametrize("status, label", [("resolved", "Resolved"), ("closed", "Closed")])
def test_a_resolved_or_closed_ticket_keeps_its_agent(status, label):
    assert ticket_check("assign_agent", TicketState(status), COORDINATOR, {"agent": TAN}, NOW) == [
        f"A ticket can only be assigned while it is open (it is {label})."
    ]


def test_a_complaint_manager_cannot_assign_a_ticket():
    assert ticket_check("assign_agent", TicketState("new"), MANAGER, {"agent": TAN}, NOW) == [
        "Only a support agent, a coordinator, or an administrator, may assign its support agent."
    ]


# ----------------------------------------------------------------- internal reviews

COMPLAINT = Assignment(MANAGER_OFFICER, DECIDER_OFFICER, decided_by_user=12)


def review(status: str, **facts) -> ReviewState:
    return ReviewState(status, **{"reviewer_id": 103, "complaint": COMPLAINT, **facts})


def test_coordinator_assigns_a_reviewer_clear_of_the_case():
    state = ReviewState("requested", complaint=COMPLAINT)
    inputs = {"reviewer": REVIEWER_OFFICER}
    assert review_apply("assign_reviewer", state, COORDINATOR, inputs, NOW) == {
        "status": "requested",
        "reviewer_id": 103,
    }


def test_a_reviewer_ranking_below_the_decision_maker_is_refused():
    junior = Officer(104, "B. Russo", "AO3", 3)
    state = ReviewState("requested", complaint=COMPLAINT)
    assert review_check("assign_reviewer", state, COORDINATOR, {"reviewer": junior}, NOW) == [
        "The internal reviewer must rank equal to or above the decision maker: "
        "B. Russo (AO3) ranks below D. Kowalski (AO8)."
    ]


def test_assigning_a_review_needs_a_reviewer():
    state = ReviewState("requested", complaint=COMPLAINT)
    assert review_check("assign_reviewer", state, COORDINATOR, {}, NOW) == [
        "Assigning needs an internal reviewer."
    ]


def test_the_reviewer_starts_the_review():
    assert review_apply("start", review("requested"), REVIEWER, {}, NOW) == {
        "status": "in_progress"
    }


def test_a_review_cannot_start_without_a_reviewer():
    state = ReviewState("requested", complaint=COMPLAINT)
    assert review_check("start", state, COORDINATOR, {}, NOW) == [
        "Starting needs an internal reviewer assigned first."
    ]


def test_a_review_waits_on_the_complainant_and_resumes():
    waiting = review_apply("wait_on_complainant", review("in_progress"), REVIEWER, {}, NOW)
    assert waiting == {"status": "awaiting_complainant", "paused_since": NOW}
    resumed = review_apply("resume", review("awaiting_complainant"), REVIEWER, {}, NOW)
    assert resumed == {"status": "in_progress", "paused_since": None}


def test_the_reviewer_completes_the_review_with_outcome_and_findings():
    inputs = {"outcome": "original_confirmed", "findings": "The process was followed."}
    assert review_apply("complete", review("in_progress"), REVIEWER, inputs, NOW) == {
        "status": "completed",
        "completed_at": NOW,
        "recorded_by_id": 13,
        "outcome": "original_confirmed",
        "findings": "The process was followed.",
    }


def test_completing_a_review_needs_an_outcome_and_findings():
    assert review_check("complete", review("in_progress"), REVIEWER, {}, NOW) == [
        "Recording the outcome needs an outcome.",
        "Recording the outcome needs the findings.",
    ]


def test_the_account_that_decided_cannot_complete_the_review():
    decider = replace(REVIEWER, user_id=12, name=None)
    inputs = {"outcome": "original_confirmed", "findings": "Fine."}
    assert review_check("complete", review("in_progress"), decider, inputs, NOW) == [
        "Nobody approves their own work: the account that decided the complaint cannot also "
        "record the outcome of its internal review."
    ]


def test_another_reviewer_cannot_complete_the_review():
    inputs = {"outcome": "original_confirmed", "findings": "Fine."}
    assert review_check("complete", review("in_progress"), ANOTHER_REVIEWER, inputs, NOW) == [
        "Only the reviewer of this internal review, or an administrator, may record its outcome."
    ]


def test_a_review_not_started_cannot_be_completed():
    inputs = {"outcome": "original_confirmed", "findings": "Fine."}
    assert review_check("complete", review("requested"), REVIEWER, inputs, NOW) == [
        "An internal review can only be completed while it is in progress (it is Requested)."
    ]


def test_a_withdrawn_review_needs_a_reason_and_ends_its_clock():
    assert review_check("withdraw", review("in_progress"), COORDINATOR, {}, NOW) == [
        "Withdrawing needs a reason."
    ]
    inputs = {"reason": "The complainant is satisfied."}
    assert review_apply("withdraw", review("awaiting_complainant"), COORDINATOR, inputs, NOW) == {
        "status": "withdrawn",
        "completed_at": NOW,
        "paused_since": None,
        "reason": "The complainant is satisfied.",
    }


def test_the_reviewer_sees_the_steps_of_their_review():
    assert names(review_available(review("in_progress"), REVIEWER)) == [
        "wait_on_complainant",
        "complete",
        "withdraw",
    ]
    assert review_available(review("in_progress"), ANOTHER_REVIEWER) == []
