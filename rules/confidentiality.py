"""Confidential complainants: who may see a complainant's identity and contact details.

A complaint marked confidential ("personal details are not to be used") shows who made it
only to the coordinator of its division (and the coordinator named on it) and to the
officers assigned to it: its manager, its decision maker and the reviewer of its internal
review. Everyone else reads "Confidential complainant": administrators too, since
docs/domain.md, "Confidentiality", names no exception for them.
"""

from .vocabulary import COORDINATOR

MASK = "Confidential complainant"


def may_see_complainant(
    *,
    confidential: bool,
    capacities,
    me: int | None,
    my_division_id: int | None,
    division_id: int | None,
    officer_ids,
) -> bool:
    """Whether a user sees the complainant of one complaint.

    `officer_ids` are the participants the complaint names as its coordinator, manager and
    decision maker, and the reviewers of its internal reviews.
    """
    if not confidential:
        return True
    if COORDINATOR in capacities and my_division_id is not None:
        if my_division_id == division_id:
            return True
    return me is not None and me in set(officer_ids)
