"""Separation of duties: who may manage, decide and review a complaint
(docs/domain.md, "Separation of duties").

Pure: plain values in, the broken rules out as sentences a coordinator understands. Every
door that saves an assignment (admin form, API, import) calls `enforce_complaint` or
`enforce_review`; pickers offer only `eligible_decision_makers` and `eligible_reviewers`.
Nobody assigned yet (None) breaks no rule.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import RuleViolation


@dataclass(frozen=True, slots=True)
class Officer:
    """A staff participant as the rules see them: `rank` from their classification level."""

    id: int
    name: str  # "J. Smith"
    level_code: str | None
    rank: int | None

    def __str__(self) -> str:
        return f"{self.name} ({self.level_code})" if self.level_code else self.name


@dataclass(frozen=True, slots=True)
class Assignment:
    """One complaint's people, as it would be saved."""

    manager: Officer | None
    decision_maker: Officer | None
    subjects: frozenset[int] = frozenset()  # participant ids of the staff complained about
    involved: frozenset[int] = frozenset()  # participant ids otherwise involved before lodgement
    drafted_by_user: int | None = None  # account ids, for rule 4
    decided_by_user: int | None = None
    # Optional: who those accounts are, so a refusal can name them.
    drafted_by_name: str | None = None
    decided_by_name: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewAssignment:
    reviewer: Officer | None
    complaint: Assignment
    recorded_by_user: int | None = None
    recorded_by_name: str | None = None


RULE_1 = "The decision maker must rank above the complaint manager"
RULE_1_SAME = "The decision maker must not be the complaint manager"
RULE_2_RANK = "The internal reviewer must rank equal to or above the decision maker"
RULE_2_MANAGER = "The internal reviewer must not be the complaint manager of the complaint"
RULE_2_DECIDER = "The internal reviewer must not be the decision maker of the complaint"
RULE_3_SUBJECT = "Nobody the complaint is about may handle it"
RULE_3_INVOLVED = "Nobody involved in the matter before it was lodged may handle it"
RULE_4 = "Nobody approves their own work"


def _not_recorded(officer: Officer) -> str:
    return f"{officer.name}'s classification level is not recorded"


def _decision_maker_problems(manager: Officer | None, decision_maker: Officer | None) -> list[str]:
    """Rule 1."""
    if manager is None or decision_maker is None:
        return []
    if manager.id == decision_maker.id:
        return [f"{RULE_1_SAME}: {decision_maker.name} is both."]
    if decision_maker.rank is None:
        return [
            f"{RULE_1}: {_not_recorded(decision_maker)}, so {decision_maker.name} cannot be "
            f"shown to rank above {manager}."
        ]
    if manager.rank is None:
        return [
            f"{RULE_1}: {_not_recorded(manager)}, so {decision_maker} cannot be shown "
            "to rank above them."
        ]
    if decision_maker.rank <= manager.rank:
        return [f"{RULE_1}: {decision_maker} does not rank above {manager}."]
    return []


def _reviewer_problems(reviewer: Officer | None, complaint: Assignment) -> list[str]:
    """Rule 2."""
    if reviewer is None:
        return []
    manager, decision_maker = complaint.manager, complaint.decision_maker
    if manager is not None and reviewer.id == manager.id:
        return [f"{RULE_2_MANAGER}: {reviewer.name} is its complaint manager."]
    if decision_maker is None:
        return []
    if reviewer.id == decision_maker.id:
        return [f"{RULE_2_DECIDER}: {reviewer.name} is its decision maker."]
    if reviewer.rank is None:
        return [
            f"{RULE_2_RANK}: {_not_recorded(reviewer)}, so {reviewer.name} cannot be shown "
            f"to rank equal to or above {decision_maker}."
        ]
    if decision_maker.rank is None:
        return [
            f"{RULE_2_RANK}: {_not_recorded(decision_maker)}, so {reviewer} cannot be "
            "shown to rank equal to or above them."
        ]
    if reviewer.rank < decision_maker.rank:
        return [f"{RULE_2_RANK}: {reviewer} ranks below {decision_maker}."]
    return []


def _conflict_problems(
    officer: Officer | None, role: str, subjects: frozenset[int], involved: frozenset[int]
) -> list[str]:
    """Rule 3, for one officer in one role."""
    if officer is None:
        return []
    if officer.id in subjects:
        return [
            f"{RULE_3_SUBJECT}: {officer.name} is a subject of the complaint and cannot be "
            f"its {role}."
        ]
    if officer.id in involved:
        return [
            f"{RULE_3_INVOLVED}: {officer.name} was involved before it was lodged and cannot "
            f"be its {role}."
        ]
    return []


def _own_work(worker: int | None, recorder: int | None, name: str | None, work: str, act: str):
    """Rule 4: the same account on both sides of an approval."""
    if worker is None or worker != recorder:
        return []
    if name:
        return [f"{RULE_4}: {name} {work}, so cannot also {act}."]
    return [f"{RULE_4}: the account that {work} cannot also {act}."]


def check_complaint(a: Assignment) -> list[str]:
    """Every rule the complaint's assignment breaks, each naming the rule and the people."""
    problems = _decision_maker_problems(a.manager, a.decision_maker)
    problems += _conflict_problems(a.manager, "complaint manager", a.subjects, a.involved)
    problems += _conflict_problems(a.decision_maker, "decision maker", a.subjects, a.involved)
    problems += _own_work(
        a.drafted_by_user,
        a.decided_by_user,
        a.drafted_by_name or a.decided_by_name,
        "drafted the response",
        "record the decision on it",
    )
    return problems


def check_review(r: ReviewAssignment) -> list[str]:
    """Every rule the internal review's reviewer or recorder breaks."""
    complaint = r.complaint
    problems = _reviewer_problems(r.reviewer, complaint)
    problems += _conflict_problems(
        r.reviewer, "internal reviewer", complaint.subjects, complaint.involved
    )
    problems += _own_work(
        complaint.decided_by_user,
        r.recorded_by_user,
        complaint.decided_by_name or r.recorded_by_name,
        "decided the complaint",
        "record the outcome of its internal review",
    )
    return problems


def enforce_complaint(a: Assignment) -> None:
    problems = check_complaint(a)
    if problems:
        raise RuleViolation("\n".join(problems))


def enforce_review(r: ReviewAssignment) -> None:
    problems = check_review(r)
    if problems:
        raise RuleViolation("\n".join(problems))


def eligible_decision_makers(
    manager: Officer | None,
    candidates: Iterable[Officer],
    subjects: Iterable[int] = (),
    involved: Iterable[int] = (),
) -> list[Officer]:
    """The candidates a decision-maker picker offers, in the order given."""
    subjects, involved = frozenset(subjects), frozenset(involved)
    return [
        candidate
        for candidate in candidates
        if candidate.rank is not None
        and not _decision_maker_problems(manager, candidate)
        and not _conflict_problems(candidate, "decision maker", subjects, involved)
    ]


def eligible_reviewers(complaint: Assignment, candidates: Iterable[Officer]) -> list[Officer]:
    """The candidates an internal-reviewer picker offers, in the order given."""
    return [
        candidate
        for candidate in candidates
        if candidate.rank is not None
        and not _reviewer_problems(candidate, complaint)
        and not _conflict_problems(
            candidate, "internal reviewer", complaint.subjects, complaint.involved
        )
    ]
