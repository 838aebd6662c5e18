"""Which capacities open which screens (administrators open every screen)."""

from rules.vocabulary import (
    ADMINISTRATOR,
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)

# Complaints, reviews, extensions, and the people they name.
REGISTER = frozenset(
    {ADMINISTRATOR, COORDINATOR, COMPLAINT_MANAGER, DECISION_MAKER, INTERNAL_REVIEWER}
)
# The service desk.
TICKETS = frozenset({ADMINISTRATOR, COORDINATOR, SUPPORT_AGENT})
# Accounts, configuration and the audit log.
ADMINISTRATION = frozenset({ADMINISTRATOR})
