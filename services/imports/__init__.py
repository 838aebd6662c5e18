"""Importing a legacy register: complaints or service-desk tickets from a CSV file.

register: what a complaint row and a ticket row become, and the import itself, all or
nothing. checks: what checking any row needs (the look-ups and the row checker).
"""

from .checks import (
    IMPORT_ACTION,
    Candidate,
    Lookups,
    RowChecker,
    Staff,
    column_length,
    imported_before,
    people_by_email,
    with_legacy_reference,
)
from .register import (
    BATCH_SIZE,
    KINDS,
    ComplaintRows,
    ImportRefused,
    ImportReport,
    Progress,
    TicketRows,
    acting_as,
    find_actor,
    import_register,
)

__all__ = [
    "BATCH_SIZE",
    "IMPORT_ACTION",
    "KINDS",
    "Candidate",
    "ComplaintRows",
    "ImportRefused",
    "ImportReport",
    "Lookups",
    "Progress",
    "RowChecker",
    "Staff",
    "TicketRows",
    "acting_as",
    "column_length",
    "find_actor",
    "import_register",
    "imported_before",
    "people_by_email",
    "with_legacy_reference",
]
