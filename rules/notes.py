"""A case's notes and contact log: what an entry must say. Pure: values in, the problems in
the user's words out.

A note records what was done or thought; a contact records a conversation that happened
(a phone call, a meeting, a letter by post, a visit in person): when, and with whom. Neither
is ever edited: a correction is a new entry pointing at the one it corrects.
"""

from datetime import datetime
from types import MappingProxyType

# kind -> how the case file names it.
KINDS = MappingProxyType(
    {
        "note": "Internal note",
        "phone": "Phone call",
        "meeting": "Meeting",
        "post": "Letter by post",
        "in_person": "In person",
    }
)
CONTACTS = frozenset(KINDS) - {"note"}
# What a workflow step writes into the file when given its content (services/steps.py).
STEP_KINDS = MappingProxyType(
    {
        "draft": "Draft response",
        "decision": "Decision and reasons",
        "response": "Response to the client",
        "resolution": "Resolution",
    }
)
# What the complainant or client sends from their case's own page (services/case_page.py).
PUBLIC_KINDS = MappingProxyType(
    {
        "from_complainant": "Information from the complainant (case page)",
        "withdrawal": "Withdrawal (case page)",
        "review_grounds": "Grounds for an internal review (case page)",
    }
)
ALL_KINDS = MappingProxyType({**KINDS, **STEP_KINDS, **PUBLIC_KINDS})
SUMMARY_LIMIT = 20_000
WITH_WHOM_LIMIT = 200

NEVER_EDITED = (
    "Notes and contacts are never changed once recorded: add a correction that points at the "
    "entry it corrects."
)
NEVER_DELETED = (
    "Notes and contacts are never deleted: add a correction that points at the entry it corrects."
)


def problems(
    kind: str | None,
    summary: str | None,
    happened_at: datetime | None,
    with_whom: str | None,
    now: datetime,
    *,
    same_case_as_corrected: bool = True,
) -> list[str]:
    """Everything wrong with a new entry, in the order of the form's fields."""
    found = []
    if kind not in ALL_KINDS:
        found.append("Choose what the entry records: " + ", ".join(KINDS.values()).lower() + ".")
        return found
    words = ALL_KINDS[kind].lower()
    if kind in CONTACTS:
        if happened_at is None:
            found.append(f"Say when the {words} happened.")
        elif happened_at > now:
            found.append(f"The {words} is dated in the future: enter when it happened.")
        if not (with_whom or "").strip():
            found.append(f"Say who the {words} was with.")
        elif len(with_whom.strip()) > WITH_WHOM_LIMIT:
            found.append(f"Who it was with: at most {WITH_WHOM_LIMIT} characters.")
    if not (summary or "").strip():
        found.append("Write what was said or done: the summary is empty.")
    elif len(summary) > SUMMARY_LIMIT:
        found.append(
            f"The summary is {len(summary):,} characters long: at most {SUMMARY_LIMIT:,} fit. "
            "Attach a longer text as a document."
        )
    if not same_case_as_corrected:
        found.append("A correction corrects an entry of the same case.")
    return found
