"""Who may change what on a saved case or officer, and by which path.

Some values are not ordinary fields: the instant a clock starts from, the officers a case
is assigned to, the people it is about, an officer's rank. The person being timed or
checked must not move them. Each is changed only through its own path:

- a clock's start (received, reported, requested): set at creation, corrected afterwards
  only by a coordinator or administrator, with a reason (`correction_problems`);
- an assignment (complaint manager and decision maker, internal reviewer, a ticket's
  support agent): only through its assign step, which checks the separation of duties
  (for a ticket, who may hand it over and to whom) and records who assigned;
- the people a complaint is about (staff complained about, staff involved) and its
  coordinator: only by a coordinator or administrator;
- an officer's classification level: only by an administrator, with a reason
  (`regrade_problems`);
- a classification level's rank (the seniority of everyone on it): only by an
  administrator, with a reason (`rerank_problems`).

`FIELD_EDITORS` is the field-by-role table of the edit forms: a field named there is
shown to, and changeable by, only the capacities named (none: a path above changes it);
every other field of an edit form is open to whoever may edit the screen.
"""

from datetime import datetime

from .vocabulary import ADMINISTRATOR, COORDINATOR

CLOCK_START = "clock start"
ASSIGNMENT = "assignment"
PEOPLE = "people"
RANK = "rank"

CORRECTORS = frozenset({ADMINISTRATOR, COORDINATOR})
PEOPLE_EDITORS = frozenset({ADMINISTRATOR, COORDINATOR})
RANK_EDITORS = frozenset({ADMINISTRATOR})
NOBODY = frozenset()

# model -> (field, what kind of value it is); relationships with their key column.
GUARDED = {
    "Complaint": (
        ("received_at", CLOCK_START),
        ("manager", ASSIGNMENT),
        ("manager_id", ASSIGNMENT),
        ("decision_maker", ASSIGNMENT),
        ("decision_maker_id", ASSIGNMENT),
        ("coordinator", PEOPLE),
        ("coordinator_id", PEOPLE),
        ("subjects", PEOPLE),
        ("involved", PEOPLE),
    ),
    "Ticket": (
        ("reported_at", CLOCK_START),
        ("agent", ASSIGNMENT),
        ("agent_id", ASSIGNMENT),
    ),
    "InternalReview": (
        ("requested_at", CLOCK_START),
        ("reviewer", ASSIGNMENT),
        ("reviewer_id", ASSIGNMENT),
    ),
    "Participant": (("level", RANK), ("level_id", RANK)),
    "ClassificationLevel": (("rank", RANK),),
}

# Who may change the kind of value directly (an edit form, inline edit); None: only a path.
DIRECT_EDITORS = {CLOCK_START: NOBODY, ASSIGNMENT: NOBODY, PEOPLE: PEOPLE_EDITORS, RANK: NOBODY}

# screen -> edit-form field -> the capacities that may change it there.
FIELD_EDITORS = {
    "complaint": {
        "received_at": NOBODY,
        "manager": NOBODY,
        "decision_maker": NOBODY,
        "coordinator": PEOPLE_EDITORS,
        "subjects": PEOPLE_EDITORS,
        "involved": PEOPLE_EDITORS,
    },
    "ticket": {"reported_at": NOBODY, "agent": NOBODY},
    "internal_review": {"requested_at": NOBODY, "reviewer": NOBODY},
    "participant": {"level": NOBODY},
}

CLOCK_START_WORDS = {
    "Complaint": ("received", "Received", "complaint"),
    "Ticket": ("reported", "Reported", "ticket"),
    "InternalReview": ("requested", "Requested", "internal review"),
}


# How a field left out of the edit form is changed instead (for the README's table).
FIELD_PATHS = {
    "received_at": "Correct received instant",
    "reported_at": "Correct reported instant",
    "requested_at": "Correct requested instant",
    "manager": "the assign step",
    "decision_maker": "the assign step",
    "reviewer": "the assign reviewer step",
    "agent": "the assign agent step",
    "level": "Change classification level",
}
PATH_EDITORS = {
    "received_at": CORRECTORS,
    "reported_at": CORRECTORS,
    "requested_at": CORRECTORS,
    "level": RANK_EDITORS,
}


def fields_cell(screen: str, names: dict) -> str:
    """The permission table's column of fields: who may change the guarded ones, and how."""
    fields = FIELD_EDITORS.get(screen)
    if not fields:
        return "every field of the edit form"
    parts = []
    for field, editors in fields.items():
        who = ", ".join(names[c] for c in names if c in editors)
        if editors:
            parts.append(f"{field}: {who} only")
        else:
            path = FIELD_PATHS[field]
            by = PATH_EDITORS.get(field)
            if by:
                path += f" ({', '.join(names[c] for c in names if c in by)}, with a reason)"
            parts.append(f"{field}: nobody in the form; {path}")
    return "every other field of the edit form; " + "; ".join(parts)


def may_edit_field(capacities, screen: str, field: str) -> bool:
    """Whether an edit form shows the field to, and takes it from, these capacities."""
    editors = FIELD_EDITORS.get(screen, {}).get(field)
    return editors is None or bool(set(capacities) & editors)


def may_change_directly(capacities, kind: str) -> bool:
    return bool(set(capacities) & DIRECT_EDITORS[kind])


def refusal(model_name: str, field: str, kind: str) -> str:
    """Why a change made outside its path was refused, in the team's words."""
    if kind == CLOCK_START:
        word, label, noun = CLOCK_START_WORDS[model_name]
        return (
            f"The {word} instant starts the {noun}'s clocks: it is set when the {noun} is "
            f"created, and afterwards only a coordinator or administrator may correct it, "
            f"with a reason (Correct {word} instant, on the {noun}'s page). Nothing was saved."
        )
    if kind == ASSIGNMENT:
        if model_name == "Ticket":
            return (
                "A ticket's support agent changes only through the Assign agent step (or "
                "Assign agent… on the list), which checks who may hand the ticket over and "
                "records who assigned. Nothing was saved."
            )
        if model_name == "InternalReview":
            return (
                "The internal reviewer changes only through the Assign reviewer step, which "
                "checks the separation of duties and records who assigned. Nothing was saved."
            )
        return (
            "The complaint manager and decision maker change only through the Assign officers "
            "step (or Assign manager and decision maker… on the list), which checks the "
            "separation of duties and records who reassigned. Nothing was saved."
        )
    if kind == PEOPLE:
        return (
            "Only a coordinator or an administrator may change who a complaint is about (staff "
            "complained about, staff involved) or its coordinator. Nothing was saved."
        )
    if model_name == "ClassificationLevel":
        return (
            "A classification level's rank changes only by an administrator, with a reason "
            "(edit the level: the screen lists the open cases the new rank breaks and asks "
            "why). Nothing was saved."
        )
    return (
        "An officer's classification level changes only by an administrator, with a reason "
        "(Change classification level, on the person's page). Nothing was saved."
    )


def correction_problems(
    capacities, word: str, reason: str | None, old: datetime | None, new: datetime | None, now
) -> list[str]:
    """Why a clock's start may not be corrected as asked (empty: it may)."""
    problems = []
    if not set(capacities) & CORRECTORS:
        problems.append(f"Only a coordinator or an administrator may correct the {word} instant.")
    if new is None:
        problems.append(f"Corrected {word} instant: enter the date and time.")
    elif new > now:
        problems.append(f"Corrected {word} instant: it is in the future. Enter when it happened.")
    elif old is not None and new == old:
        problems.append(f"Corrected {word} instant: it is the same as the one recorded.")
    if not (reason or "").strip():
        problems.append("Reason: say why the instant is corrected; it is kept in the history.")
    return problems


def regrade_problems(capacities, reason: str | None, old_level, new_level) -> list[str]:
    """Why an officer's level may not be changed as asked (empty: it may)."""
    problems = []
    if not set(capacities) & RANK_EDITORS:
        problems.append("Only an administrator may change an officer's classification level.")
    if new_level is None:
        problems.append("Classification level: choose the officer's new level.")
    elif old_level is not None and new_level == old_level:
        problems.append("Classification level: it is the officer's level already.")
    if not (reason or "").strip():
        problems.append("Reason: say why the level changes; it is kept in the history.")
    return problems


def rerank_problems(capacities, reason: str | None, old_rank, new_rank) -> list[str]:
    """Why a classification level's rank may not be changed as asked (empty: it may)."""
    problems = []
    if not set(capacities) & RANK_EDITORS:
        problems.append("Only an administrator may change a classification level's rank.")
    if new_rank is None:
        problems.append("Rank: give the level's new rank, a whole number.")
    elif old_rank is not None and new_rank == old_rank:
        problems.append("Rank: it is the level's rank already.")
    if not (reason or "").strip():
        problems.append("Reason: say why the rank changes; it is kept in the history.")
    return problems


def editable_fields(capacities, screen: str, fields) -> list[str]:
    """The fields of an edit form these capacities may change."""
    return [field for field in fields if may_edit_field(capacities, screen, field)]
