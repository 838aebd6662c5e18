"""Separation of duties, rule by rule (docs/domain.md, "Separation of duties")."""

import pytest

from rules.duties import (
    Assignment,
    Officer,
    ReviewAssignment,
    check_complaint,
    check_review,
    eligible_decision_makers,
    eligible_reviewers,
    enforce_complaint,
    enforce_review,
)
from rules.errors import RuleViolation

AO5 = Officer(1, "A. Brown", "AO5", 5)
AO6 = Officer(2, "J. Smith", "AO6", 6)
AO7 = Officer(3, "K. Lee", "AO7", 7)
AO8 = Officer(4, "M. Fitzgerald", "AO8", 8)
AO8_TOO = Officer(5, "D. Kowalski", "AO8", 8)
SES1 = Officer(6, "P. Raman", "SES1", 9)
UNGRADED = Officer(7, "T. Whittaker", None, None)


def test_a_complaint_with_nobody_assigned_yet_breaks_no_rule():
    assert check_complaint(Assignment(None, None)) == []


def test_a_manager_alone_or_a_decision_maker_alone_breaks_no_rule():
    assert check_complaint(Assignment(AO7, None)) == []
    assert check_complaint(Assignment(None, AO5)) == []


def test_a_decision_maker_ranking_above_the_manager_is_accepted():
    assert check_complaint(Assignment(AO6, AO8)) == []


# Rule 1 -----------------------------------------------------------------------------


def test_decision_maker_must_rank_above_the_manager():
    assert check_complaint(Assignment(AO7, AO6)) == [
        "The decision maker must rank above the complaint manager: "
        "J. Smith (AO6) does not rank above K. Lee (AO7)."
    ]


def test_decision_maker_of_equal_rank_to_the_manager_is_refused():
    assert check_complaint(Assignment(AO8, AO8_TOO)) == [
        "The decision maker must rank above the complaint manager: "
        "D. Kowalski (AO8) does not rank above M. Fitzgerald (AO8)."
    ]


def test_decision_maker_cannot_be_the_manager():
    assert check_complaint(Assignment(AO7, AO7)) == [
        "The decision maker must not be the complaint manager: K. Lee is both."
    ]


def test_decision_maker_without_a_recorded_level_cannot_be_shown_to_rank_above():
    assert check_complaint(Assignment(AO6, UNGRADED)) == [
        "The decision maker must rank above the complaint manager: T. Whittaker's "
        "classification level is not recorded, so T. Whittaker cannot be shown to rank "
        "above J. Smith (AO6)."
    ]


def test_manager_without_a_recorded_level_cannot_be_shown_to_rank_below():
    assert check_complaint(Assignment(UNGRADED, SES1)) == [
        "The decision maker must rank above the complaint manager: T. Whittaker's "
        "classification level is not recorded, so P. Raman (SES1) cannot be shown to rank "
        "above them."
    ]


# Rule 3 -----------------------------------------------------------------------------


def test_subject_of_the_complaint_cannot_manage_it():
    assert check_complaint(Assignment(AO6, AO8, subjects=frozenset({AO6.id}))) == [
        "Nobody the complaint is about may handle it: J. Smith is a subject of the "
        "complaint and cannot be its complaint manager."
    ]


def test_subject_of_the_complaint_cannot_decide_it():
    assert check_complaint(Assignment(AO6, AO8, subjects=frozenset({AO8.id}))) == [
        "Nobody the complaint is about may handle it: M. Fitzgerald is a subject of the "
        "complaint and cannot be its decision maker."
    ]


def test_officer_involved_before_lodgement_cannot_manage_or_decide_it():
    assert check_complaint(Assignment(AO6, AO8, involved=frozenset({AO6.id, AO8.id}))) == [
        "Nobody involved in the matter before it was lodged may handle it: J. Smith was "
        "involved before it was lodged and cannot be its complaint manager.",
        "Nobody involved in the matter before it was lodged may handle it: M. Fitzgerald was "
        "involved before it was lodged and cannot be its decision maker.",
    ]


def test_subject_of_the_complaint_cannot_review_it():
    complaint = Assignment(AO6, AO8, subjects=frozenset({SES1.id}))
    assert check_review(ReviewAssignment(SES1, complaint)) == [
        "Nobody the complaint is about may handle it: P. Raman is a subject of the complaint "
        "and cannot be its internal reviewer."
    ]


def test_officer_involved_before_lodgement_cannot_review_it():
    complaint = Assignment(AO6, AO8, involved=frozenset({SES1.id}))
    assert check_review(ReviewAssignment(SES1, complaint)) == [
        "Nobody involved in the matter before it was lodged may handle it: P. Raman was "
        "involved before it was lodged and cannot be its internal reviewer."
    ]


def test_every_broken_rule_is_reported_not_just_the_first():
    problems = check_complaint(Assignment(AO7, AO6, subjects=frozenset({AO7.id, AO6.id})))
    assert [p.split(":")[0] for p in problems] == [
        "The decision maker must rank above the complaint manager",
        "Nobody the complaint is about may handle it",
        "Nobody the complaint is about may handle it",
    ]


# Rule 2 -----------------------------------------------------------------------------


def test_reviewer_ranking_with_the_decision_maker_is_accepted():
    assert check_review(ReviewAssignment(AO8_TOO, Assignment(AO6, AO8))) == []


def test_reviewer_ranking_above_the_decision_maker_is_accepted():
    assert check_review(ReviewAssignment(SES1, Assignment(AO6, AO8))) == []


def test_reviewer_must_rank_equal_to_or_above_the_decision_maker():
    assert check_review(ReviewAssignment(AO7, Assignment(AO5, AO8))) == [
        "The internal reviewer must rank equal to or above the decision maker: "
        "K. Lee (AO7) ranks below M. Fitzgerald (AO8)."
    ]


def test_reviewer_cannot_be_the_original_decision_maker():
    assert check_review(ReviewAssignment(AO8, Assignment(AO6, AO8))) == [
        "The internal reviewer must not be the decision maker of the complaint: "
        "M. Fitzgerald is its decision maker."
    ]


def test_reviewer_cannot_be_the_complaint_manager():
    assert check_review(ReviewAssignment(AO6, Assignment(AO6, AO8))) == [
        "The internal reviewer must not be the complaint manager of the complaint: "
        "J. Smith is its complaint manager."
    ]


def test_reviewer_without_a_recorded_level_cannot_be_shown_to_rank_with_the_decider():
    assert check_review(ReviewAssignment(UNGRADED, Assignment(AO6, AO8))) == [
        "The internal reviewer must rank equal to or above the decision maker: "
        "T. Whittaker's classification level is not recorded, so T. Whittaker cannot be "
        "shown to rank equal to or above M. Fitzgerald (AO8)."
    ]


def test_reviewer_of_a_decision_maker_without_a_recorded_level_is_refused():
    assert check_review(ReviewAssignment(SES1, Assignment(AO6, UNGRADED))) == [
        "The internal reviewer must rank equal to or above the decision maker: "
        "T. Whittaker's classification level is not recorded, so P. Raman (SES1) cannot be "
        "shown to rank equal to or above them."
    ]


def test_a_review_with_no_reviewer_yet_breaks_no_rule():
    assert check_review(ReviewAssignment(None, Assignment(AO6, AO8))) == []


# Rule 4 -----------------------------------------------------------------------------


def test_the_account_that_drafted_cannot_record_the_decision():
    assert check_complaint(Assignment(AO6, AO8, drafted_by_user=40, decided_by_user=40)) == [
        "Nobody approves their own work: the account that drafted the response cannot also "
        "record the decision on it."
    ]


def test_the_drafter_refused_the_decision_is_named_when_known():
    assignment = Assignment(
        AO6, AO8, drafted_by_user=40, decided_by_user=40, drafted_by_name="J. Smith"
    )
    assert check_complaint(assignment) == [
        "Nobody approves their own work: J. Smith drafted the response, so cannot also "
        "record the decision on it."
    ]


def test_another_account_may_record_the_decision_on_a_draft():
    assert check_complaint(Assignment(AO6, AO8, drafted_by_user=40, decided_by_user=41)) == []


def test_the_account_that_decided_cannot_record_the_review_outcome():
    complaint = Assignment(AO6, AO8, decided_by_user=41)
    assert check_review(ReviewAssignment(SES1, complaint, recorded_by_user=41)) == [
        "Nobody approves their own work: the account that decided the complaint cannot also "
        "record the outcome of its internal review."
    ]


def test_another_account_may_record_the_review_outcome():
    complaint = Assignment(AO6, AO8, decided_by_user=41)
    assert check_review(ReviewAssignment(SES1, complaint, recorded_by_user=42)) == []


def test_nobody_recorded_yet_is_not_their_own_work():
    assert check_complaint(Assignment(None, None, drafted_by_user=None)) == []
    assert check_review(ReviewAssignment(None, Assignment(None, None))) == []


# Enforcing ---------------------------------------------------------------------------


def test_enforcing_a_complaint_raises_every_problem_joined_by_lines():
    with pytest.raises(RuleViolation) as refused:
        enforce_complaint(Assignment(AO7, AO6, involved=frozenset({AO7.id})))
    assert str(refused.value).splitlines() == check_complaint(
        Assignment(AO7, AO6, involved=frozenset({AO7.id}))
    )
    assert len(str(refused.value).splitlines()) == 2


def test_enforcing_a_sound_complaint_passes_quietly():
    enforce_complaint(Assignment(AO6, AO8))


def test_enforcing_a_review_raises_on_a_broken_rule():
    with pytest.raises(RuleViolation, match="must rank equal to or above"):
        enforce_review(ReviewAssignment(AO5, Assignment(AO6, AO8)))


def test_enforcing_a_sound_review_passes_quietly():
    enforce_review(ReviewAssignment(SES1, Assignment(AO6, AO8), recorded_by_user=1))


# Pickers -----------------------------------------------------------------------------

STAFF = [AO5, AO6, AO7, AO8, AO8_TOO, SES1, UNGRADED]


def test_decision_maker_picker_offers_only_officers_above_the_manager():
    assert eligible_decision_makers(AO7, STAFF) == [AO8, AO8_TOO, SES1]


def test_decision_maker_picker_leaves_out_subjects_and_the_involved():
    assert eligible_decision_makers(AO7, STAFF, subjects={AO8.id}, involved={SES1.id}) == [AO8_TOO]


def test_decision_maker_picker_without_a_manager_offers_every_graded_officer():
    assert eligible_decision_makers(None, STAFF) == [AO5, AO6, AO7, AO8, AO8_TOO, SES1]


def test_decision_maker_picker_offers_nobody_above_a_manager_whose_level_is_not_recorded():
    assert eligible_decision_makers(UNGRADED, STAFF) == []


def test_reviewer_picker_offers_officers_at_or_above_the_decision_maker_but_not_them():
    assert eligible_reviewers(Assignment(AO6, AO8), STAFF) == [AO8_TOO, SES1]


def test_reviewer_picker_leaves_out_subjects_and_the_involved():
    complaint = Assignment(AO6, AO8, subjects=frozenset({SES1.id}))
    assert eligible_reviewers(complaint, STAFF) == [AO8_TOO]


def test_reviewer_picker_leaves_out_the_manager_even_when_senior_enough():
    assert eligible_reviewers(Assignment(SES1, None), STAFF) == [AO5, AO6, AO7, AO8, AO8_TOO]


def test_every_officer_a_picker_offers_passes_the_rules_when_saved():
    for manager in STAFF:
        for decider in eligible_decision_makers(manager, STAFF, subjects={AO5.id}):
            assignment = Assignment(manager, decider, subjects=frozenset({AO5.id}))
            assert not [p for p in check_complaint(assignment) if decider.name in p]
            for reviewer in eligible_reviewers(assignment, STAFF):
                assert check_review(ReviewAssignment(reviewer, assignment)) == []
