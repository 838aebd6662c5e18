"""The permission table, walked cell by cell against the table written out here.

A change to rules/permissions.py (or to who may take a workflow step) must be made here
too, on purpose.
"""

import pytest

from rules.permissions import (
    COMPLAINT_REPORTS,
    RECORD_ACTIONS,
    REPORTS,
    SCREENS,
    TABLE,
    actions_of,
    allowed,
    scope,
    screens_for,
    table_markdown,
)
from rules.vocabulary import CAPACITIES

EVERYTHING = "list view create edit delete export"
REGISTER = "list view create edit export"
COMPLAINT_STEPS = (
    "register acknowledge assign set_category start_assessment start_investigation "
    "wait_on_complainant "
    "resume submit_draft decide finalise request_internal_review record_review_outcome "
    "request_external_review refer withdraw close reopen"
)
COORDINATOR_COMPLAINT_STEPS = (
    "register acknowledge assign set_category start_assessment wait_on_complainant resume "
    "request_internal_review request_external_review refer withdraw close reopen"
)
TICKET_STEPS = "assign_agent respond start_work wait_on_client resume resolve close reopen"
REVIEW_STEPS = "assign_reviewer start wait_on_complainant resume complete withdraw"
LOOKUPS = ("division", "classificationlevel", "channel", "category", "outcome", "referraltarget")

# capacity -> screen -> (actions, scope); a screen left out is ("", "none").
EXPECTED = {
    "administrator": {
        **{screen: (EVERYTHING, "all") for screen in SCREENS},
        **{
            screen: ("list view create edit export", "all")
            for screen in ("external_review", "extension", "participant")
        },
        "complaint": (f"list view create edit export {COMPLAINT_STEPS}", "all"),
        "ticket": (f"list view create edit export {TICKET_STEPS}", "all"),
        "internal_review": (f"list view create edit export {REVIEW_STEPS}", "all"),
        "user": ("list view create edit", "all"),
        "historyentry": ("list view export", "all"),
        "clockpause": ("list view export", "all"),
        "escalationrule": ("list view create edit export", "all"),
        "referencecounter": ("list view", "all"),
        "apitoken": ("list view create edit", "all"),
        "mailtemplate": ("list view edit", "all"),
        "cannedparagraph": ("list view create edit", "all"),
        "outboundmessage": ("list view retry", "all"),
        "inboundmessage": ("list view file dismiss raw", "all"),
        # Restrictions of contact are lifted, never deleted.
        "contactrestriction": ("list view create edit export lift", "all"),
        "representative": ("list view create edit export", "all"),
        # Retention periods are changed, never removed; a disposal is made by its action.
        "retentionrule": ("list view edit export", "all"),
        "disposalrecord": ("list view export dispose", "all"),
    },
    "coordinator": {
        "complaint": (f"{REGISTER} {COORDINATOR_COMPLAINT_STEPS}", "division"),
        "ticket": (f"{REGISTER} {TICKET_STEPS}", "all"),
        "internal_review": (
            f"{REGISTER} assign_reviewer start wait_on_complainant resume withdraw",
            "division",
        ),
        "external_review": (REGISTER, "division"),
        "extension": (REGISTER, "division"),
        "participant": ("list view create edit", "all"),
        **{screen: ("list view", "all") for screen in LOOKUPS},
        "outboundmessage": ("list view", "division"),
        "inboundmessage": ("list view file dismiss", "division"),
        "contactrestriction": ("list view create edit export lift", "division"),
        "representative": (REGISTER, "division"),
    },
    "complaint_manager": {
        "complaint": (
            "list view edit acknowledge start_investigation wait_on_complainant resume "
            "submit_draft",
            "assigned",
        ),
        "participant": ("view", "assigned"),
        "extension": ("view", "assigned"),
        "representative": ("view", "assigned"),
    },
    "decision_maker": {
        "complaint": ("list view edit decide finalise", "assigned"),
        "participant": ("view", "assigned"),
        "extension": ("view", "assigned"),
        "representative": ("view", "assigned"),
    },
    "internal_reviewer": {
        "internal_review": (
            "list view edit start wait_on_complainant resume complete withdraw",
            "assigned",
        ),
        "complaint": ("list view record_review_outcome", "assigned"),
        "participant": ("view", "assigned"),
        "extension": ("view", "assigned"),
    },
    "support_agent": {
        "ticket": (f"{REGISTER} {TICKET_STEPS}", "all"),
        "participant": ("list view create", "all"),
    },
}


def expected(capacity, screen):
    actions, row_scope = EXPECTED[capacity].get(screen, ("", "none"))
    return set(actions.split()), row_scope


def test_the_table_covers_every_capacity_and_screen():
    assert set(TABLE) == set(CAPACITIES) == set(EXPECTED)
    for capacity in TABLE:
        assert tuple(TABLE[capacity]) == SCREENS


def test_every_screen_knows_the_record_actions_and_its_workflow_steps():
    assert actions_of("extension") == RECORD_ACTIONS
    assert actions_of("complaint") == RECORD_ACTIONS + tuple(COMPLAINT_STEPS.split())
    assert actions_of("ticket") == RECORD_ACTIONS + tuple(TICKET_STEPS.split())
    assert actions_of("internal_review") == RECORD_ACTIONS + tuple(REVIEW_STEPS.split())


WALK = [
    pytest.param(capacity, screen, action, id=f"{capacity}-{screen}-{action}")
    for capacity in CAPACITIES
    for screen in SCREENS
    for action in actions_of(screen)
]


@pytest.mark.parametrize("capacity, screen, action", WALK)
def test_each_capacity_may_take_exactly_the_actions_the_table_grants(capacity, screen, action):
    actions, _ = expected(capacity, screen)
    assert allowed([capacity], screen, action) is (action in actions)


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("screen", SCREENS)
def test_each_capacity_sees_the_rows_the_table_scopes(capacity, screen):
    _, row_scope = expected(capacity, screen)
    assert scope([capacity], screen) == row_scope


def test_a_capacity_sees_a_screen_exactly_when_it_may_act_on_it():
    for capacity in CAPACITIES:
        for screen in SCREENS:
            actions, row_scope = expected(capacity, screen)
            assert bool(actions) is (row_scope != "none"), (capacity, screen)


def test_the_widest_scope_among_the_capacities_held_applies():
    assert scope(["complaint_manager", "coordinator"], "complaint") == "division"
    assert scope(["complaint_manager", "administrator"], "complaint") == "all"
    assert scope(["complaint_manager", "decision_maker"], "complaint") == "assigned"
    assert scope(["support_agent", "internal_reviewer"], "ticket") == "all"
    assert scope(["support_agent"], "complaint") == "none"


def test_actions_of_several_capacities_add_up():
    both = ["complaint_manager", "decision_maker"]
    assert allowed(both, "complaint", "submit_draft")
    assert allowed(both, "complaint", "decide")
    assert not allowed(both, "complaint", "create")


def test_no_capacity_means_nothing_is_allowed():
    assert not allowed([], "complaint", "view")
    assert scope([], "complaint") == "none"
    assert screens_for([]) == []


def test_unknown_capacities_screens_and_actions_are_refused():
    assert not allowed(["superuser"], "complaint", "view")
    assert not allowed(["administrator"], "audit", "view")
    assert not allowed(["administrator"], "complaint", "approve")
    assert scope(["administrator"], "audit") == "none"


def test_coordinators_never_delete_cases():
    for screen in ("complaint", "ticket", "internal_review", "external_review", "extension"):
        assert not allowed(["coordinator"], screen, "delete")


def test_nobody_edits_the_audit_log_or_the_reference_counters():
    for screen in ("historyentry", "referencecounter"):
        for action in ("create", "edit", "delete"):
            assert not allowed(CAPACITIES, screen, action)


def test_the_screens_each_capacity_opens_in_menu_order():
    assert screens_for(["administrator"]) == list(SCREENS)
    assert screens_for(["support_agent"]) == ["ticket", "participant"]
    assert screens_for(["complaint_manager"]) == [
        "complaint",
        "extension",
        "participant",
        "representative",
    ]
    assert screens_for(["internal_reviewer"]) == [
        "complaint",
        "internal_review",
        "extension",
        "participant",
    ]
    assert screens_for(["coordinator"]) == [
        "complaint",
        "ticket",
        "internal_review",
        "external_review",
        "extension",
        "participant",
        "division",
        "classificationlevel",
        "channel",
        "category",
        "outcome",
        "referraltarget",
        "outboundmessage",
        "inboundmessage",
        "contactrestriction",
        "representative",
    ]
    assert screens_for(["support_agent", "complaint_manager"]) == [
        "complaint",
        "ticket",
        "extension",
        "participant",
        "representative",
    ]


def test_the_markdown_table_has_a_row_per_screen_a_column_per_capacity_and_one_of_fields():
    lines = table_markdown().splitlines()
    assert lines[0] == (
        "| screen | "
        + " | ".join(CAPACITIES.values())
        + " | fields those who may edit may change |"
    )
    assert len(lines) == 2 + len(SCREENS)
    assert all(line.count("|") == len(CAPACITIES) + 3 for line in lines)
    support_desk = next(line for line in lines if line.startswith("| ticket |"))
    assert (
        "| list, view, create, edit, export; steps: assign_agent, respond, start_work, "
        "wait_on_client, resume, resolve, close, reopen (all) | every other field of the edit "
        "form; reported_at: nobody in the form; Correct reported instant"
    ) in support_desk
    assert support_desk.endswith("; agent: nobody in the form; the assign agent step |")
    assert "| user | list, view, create, edit (all) | — |" in table_markdown()
    complaint = next(line for line in lines if line.startswith("| complaint |"))
    assert "subjects: Administrator, Divisional Complaint Coordinator only" in complaint
    assert "manager: nobody in the form; the assign step" in complaint
    history = next(line for line in lines if line.startswith("| historyentry |"))
    assert history.endswith("| — |")


# Report pages: capacity -> report -> scope of the cases its figures count.
EXPECTED_REPORTS = {
    "administrator": {report: "all" for report in REPORTS},
    "coordinator": {
        "service_level_report": "all",
        "client_report": "all",
        "timeliness_report": "division",
        "outcomes_report": "division",
        "trends_report": "division",
        "annual_report": "division",
        "improvements_report": "division",
        "satisfaction_report": "division",
    },
    "complaint_manager": {report: "division" for report in COMPLAINT_REPORTS},
    "decision_maker": {report: "division" for report in COMPLAINT_REPORTS},
    "internal_reviewer": {},
    "support_agent": {"service_level_report": "all", "client_report": "all"},
}


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("report", REPORTS)
def test_each_capacity_reads_and_downloads_the_reports_the_table_grants(capacity, report):
    row_scope = EXPECTED_REPORTS[capacity].get(report, "none")
    assert scope([capacity], report) == row_scope
    for action in ("list", "export"):
        assert allowed([capacity], report, action) is (row_scope != "none")
    for action in ("view", "create", "edit", "delete"):
        assert not allowed([capacity], report, action)


def test_reports_are_not_record_screens():
    assert not set(REPORTS) & set(SCREENS)
    assert all(report not in screens_for(CAPACITIES) for report in REPORTS)
