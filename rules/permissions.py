"""The permission table: which screens each capacity sees, what it may do there, which rows.

Data first: `RECORD_GRANTS` says, per capacity and screen, the record actions (list, view,
create, edit, delete, export) and the row scope; the workflow steps each capacity may take
on complaints, tickets and internal reviews come from rules.workflow's transitions, so the
buttons and the table never disagree. A capacity not named for a screen sees nothing there.

Scopes, narrowest first: "none"; "assigned" (the cases the officer manages, decides or
reviews, and the records hanging off them; for an internal reviewer on complaints, the
complaints under their review); "division" (the cases of the officer's division); "all".
Filtering rows by scope is the views' job; this module only says which scope applies.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from . import custody
from .vocabulary import (
    ADMINISTRATOR,
    CAPACITIES,
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)
from .workflow import COMPLAINTS, REVIEWS, TICKETS, Machine

# Screens by endpoint name, in the order the menu shows them.
SCREENS = (
    "complaint",
    "ticket",
    "internal_review",
    "external_review",
    "extension",
    "participant",
    "user",
    "apitoken",
    "division",
    "classificationlevel",
    "calendar",
    "slatarget",
    "pausestatus",
    "escalationrule",
    "channel",
    "category",
    "outcome",
    "referraltarget",
    "historyentry",
    "clockpause",
    "referencecounter",
    "mailtemplate",
    "cannedparagraph",
    "outboundmessage",
    "inboundmessage",
    "contactrestriction",
    "representative",
    "retentionrule",
    "disposalrecord",
)
RECORD_ACTIONS = ("list", "view", "create", "edit", "delete", "export")
SCOPES = ("none", "assigned", "division", "all")  # narrowest first
# Screens whose records move through a workflow: their steps are actions too.
WORKFLOWS: Mapping[str, Machine] = MappingProxyType(
    {"complaint": COMPLAINTS, "ticket": TICKETS, "internal_review": REVIEWS}
)


@dataclass(frozen=True, slots=True)
class Grant:
    actions: frozenset[str]
    scope: str


NOTHING = Grant(frozenset(), "none")

_EVERYTHING = frozenset(RECORD_ACTIONS)
_REGISTER = frozenset({"list", "view", "create", "edit", "export"})
_READ = frozenset({"list", "view"})
_MY_CASES = frozenset({"list", "view", "edit"})
_VIEW = frozenset({"view"})


def _grants(actions: frozenset[str], scope: str, screens: Iterable[str]) -> dict[str, Grant]:
    return {screen: Grant(actions, scope) for screen in screens}


_LOOKUPS = ("division", "classificationlevel", "channel", "category", "outcome", "referraltarget")

# Record actions and row scope, per capacity and screen.
RECORD_GRANTS: Mapping[str, Mapping[str, Grant]] = MappingProxyType(
    {
        ADMINISTRATOR: {
            **_grants(_EVERYTHING, "all", SCREENS),
            # Cases and people are closed or switched off, never deleted: their history
            # must stand. The audit log is append-only; reference numbers are gap-free;
            # clock pauses are the clock's own record.
            **_grants(
                _EVERYTHING - {"delete"},
                "all",
                (
                    "complaint",
                    "ticket",
                    "internal_review",
                    "external_review",
                    "extension",
                    "participant",
                ),
            ),
            "user": Grant(_EVERYTHING - {"delete", "export"}, "all"),
            # Revoked, never deleted; the secret is shown once, so nothing to export.
            "apitoken": Grant(_EVERYTHING - {"delete", "export"}, "all"),
            "historyentry": Grant(frozenset({"list", "view", "export"}), "all"),
            "clockpause": Grant(frozenset({"list", "view", "export"}), "all"),
            # Switched off, never deleted: the notifications it made name it.
            "escalationrule": Grant(_EVERYTHING - {"delete"}, "all"),
            "referencecounter": Grant(_READ, "all"),
            # Letter wording is edited, never added or removed: the portal knows each letter.
            "mailtemplate": Grant(frozenset({"list", "view", "edit"}), "all"),
            # Paragraphs are switched off, never deleted: replies were written from them.
            "cannedparagraph": Grant(frozenset({"list", "view", "create", "edit"}), "all"),
            # The outbox is the sender's record; failed messages may be sent again.
            "outboundmessage": Grant(frozenset({"list", "view", "retry"}), "all"),
            # Mail received: filed from triage or dismissed, never edited; the raw message
            # (a quarantined one may be harmful) is the administrator's alone.
            "inboundmessage": Grant(frozenset({"list", "view", "file", "dismiss", "raw"}), "all"),
            # Restrictions of contact are lifted, never deleted: their history must stand.
            "contactrestriction": Grant(_REGISTER | {"lift"}, "all"),
            "representative": Grant(_REGISTER, "all"),
            # One rule per kind of case: changed, never added or removed.
            "retentionrule": Grant(frozenset({"list", "view", "edit", "export"}), "all"),
            # Disposal records are kept for good; disposing is the administrator's alone.
            "disposalrecord": Grant(frozenset({"list", "view", "export", "dispose"}), "all"),
        },
        COORDINATOR: {
            **_grants(
                _REGISTER,
                "division",
                ("complaint", "internal_review", "external_review", "extension"),
            ),
            # The service desk serves client organisations, not a division.
            "ticket": Grant(_REGISTER, "all"),
            "participant": Grant(frozenset({"list", "view", "create", "edit"}), "all"),
            **_grants(_READ, "all", _LOOKUPS),
            "outboundmessage": Grant(_READ, "division"),
            "inboundmessage": Grant(frozenset({"list", "view", "file", "dismiss"}), "division"),
            # The register of restrictions of contact: coordinators and administrators only.
            "contactrestriction": Grant(_REGISTER | {"lift"}, "division"),
            "representative": Grant(_REGISTER, "division"),
        },
        COMPLAINT_MANAGER: {
            "complaint": Grant(_MY_CASES, "assigned"),
            "participant": Grant(_VIEW, "assigned"),
            "extension": Grant(_VIEW, "assigned"),
            "representative": Grant(_VIEW, "assigned"),
        },
        DECISION_MAKER: {
            "complaint": Grant(_MY_CASES, "assigned"),
            "participant": Grant(_VIEW, "assigned"),
            "extension": Grant(_VIEW, "assigned"),
            "representative": Grant(_VIEW, "assigned"),
        },
        INTERNAL_REVIEWER: {
            "internal_review": Grant(_MY_CASES, "assigned"),
            # Read-only: the complaints under their review.
            "complaint": Grant(_READ, "assigned"),
            "participant": Grant(_VIEW, "assigned"),
            "extension": Grant(_VIEW, "assigned"),
        },
        SUPPORT_AGENT: {
            "ticket": Grant(_REGISTER, "all"),
            "participant": Grant(frozenset({"list", "view", "create"}), "all"),
        },
    }
)


def _steps(capacity: str, machine: Machine) -> frozenset[str]:
    return frozenset(
        name
        for name, transition in machine.transitions.items()
        if capacity == ADMINISTRATOR or capacity in transition.capacities
    )


def _build() -> Mapping[str, Mapping[str, Grant]]:
    table = {}
    for capacity in CAPACITIES:
        row = {}
        for screen in SCREENS:
            grant = RECORD_GRANTS.get(capacity, {}).get(screen, NOTHING)
            steps = _steps(capacity, WORKFLOWS[screen]) if screen in WORKFLOWS else frozenset()
            if steps and grant.scope == "none":
                raise AssertionError(f"{capacity} takes steps on {screen} it cannot see")
            row[screen] = Grant(grant.actions | steps, grant.scope)
        table[capacity] = MappingProxyType(row)
    return MappingProxyType(table)


# The whole table: capacity -> screen -> Grant.
TABLE = _build()


# Report pages: figures to read ("list") and download ("export"). The scope says whose cases
# the figures count: tickets for the service-level report, complaints for the others.
SERVICE_LEVEL_REPORT = "service_level_report"
# A client organisation's service report: its tickets, as the service-level report counts.
CLIENT_REPORT = "client_report"
COMPLAINT_REPORTS = (
    "timeliness_report",
    "outcomes_report",
    "trends_report",
    "annual_report",
    "improvements_report",
    # Complaints by the complaint reports' scope; tickets as the service-level report's.
    "satisfaction_report",
)
REPORTS = (SERVICE_LEVEL_REPORT, CLIENT_REPORT, *COMPLAINT_REPORTS)
_REPORT = frozenset({"list", "export"})
REPORT_GRANTS: Mapping[str, Mapping[str, Grant]] = MappingProxyType(
    {
        ADMINISTRATOR: _grants(_REPORT, "all", REPORTS),
        COORDINATOR: {
            SERVICE_LEVEL_REPORT: Grant(_REPORT, "all"),
            CLIENT_REPORT: Grant(_REPORT, "all"),
            **_grants(_REPORT, "division", COMPLAINT_REPORTS),
        },
        COMPLAINT_MANAGER: _grants(_REPORT, "division", COMPLAINT_REPORTS),
        DECISION_MAKER: _grants(_REPORT, "division", COMPLAINT_REPORTS),
        SUPPORT_AGENT: {
            SERVICE_LEVEL_REPORT: Grant(_REPORT, "all"),
            CLIENT_REPORT: Grant(_REPORT, "all"),
        },
    }
)


def actions_of(screen: str) -> tuple[str, ...]:
    """Every action a screen knows: the record actions, then its workflow steps."""
    machine = WORKFLOWS.get(screen)
    return RECORD_ACTIONS + (tuple(machine.transitions) if machine else ())


def grant(capacity: str, screen: str) -> Grant:
    found = TABLE.get(capacity, {}).get(screen)
    return found if found is not None else REPORT_GRANTS.get(capacity, {}).get(screen, NOTHING)


def allowed(capacities: Iterable[str], screen: str, action: str) -> bool:
    """Whether any capacity held may take the action on the screen; unknown ones may not."""
    return any(action in grant(capacity, screen).actions for capacity in capacities)


def scope(capacities: Iterable[str], screen: str) -> str:
    """The widest row scope among the capacities held."""
    return max((grant(c, screen).scope for c in capacities), key=SCOPES.index, default="none")


def screens_for(capacities: Iterable[str]) -> list[str]:
    """The screens the capacities held open, in menu order."""
    capacities = list(capacities)
    return [screen for screen in SCREENS if scope(capacities, screen) != "none"]


def _cell(g: Grant, screen: str) -> str:
    if g.scope == "none":
        return "—"
    records = [a for a in RECORD_ACTIONS if a in g.actions]
    steps = [a for a in actions_of(screen)[len(RECORD_ACTIONS) :] if a in g.actions]
    text = ", ".join(records)
    # Actions of a screen's own (sending failed messages again), after its record actions.
    others = sorted(g.actions - set(actions_of(screen)))
    if others:
        text += ", " + ", ".join(others)
    if steps:
        text += "; steps: " + ", ".join(steps)
    return f"{text} ({g.scope})"


def table_markdown() -> str:
    """The whole table for the README: a row per screen, a column per capacity."""
    capacities = list(CAPACITIES)
    lines = [
        "| screen | "
        + " | ".join(CAPACITIES[c] for c in capacities)
        + " | fields those who may edit may change |",
        "|---|" + "---|" * (len(capacities) + 1),
    ]
    for screen in SCREENS:
        cells = [_cell(grant(c, screen), screen) for c in capacities]
        editable = any("edit" in grant(c, screen).actions for c in capacities)
        fields = custody.fields_cell(screen, CAPACITIES) if editable else "—"
        lines.append(f"| {screen} | " + " | ".join(cells) + f" | {fields} |")
    return "\n".join(lines) + "\n"
