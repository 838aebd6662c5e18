"""Reading a legacy register (CSV): the file, its header, its values, and what a status needs.

Pure: bytes and strings in, plain values and problems out, each problem naming the row (as
a spreadsheet numbers it: the header is row 1), the column, the value and the reason in
plain words. No Flask, no database: `services/imports/` looks up divisions, officers and
lookups, and saves through the session so that every flush rule applies.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo

from .values import is_email_address
from .vocabulary import COMPLAINT_STATUSES, TICKET_STATUSES

UTF8_BOM = b"\xef\xbb\xbf"
HEADER_ROW = 1
# A legacy reference is kept in the description and the history, not in a column of its own.
LEGACY_REFERENCE_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row (or the file) is refused: row 0 is the file as a whole."""

    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False  # must be in the header and have a value on every row
    help: str = ""


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns one kind of register has, in the order the example file shows them."""

    noun: str  # "complaints", "tickets"
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


COMPLAINT_LAYOUT = Layout(
    "complaints",
    (
        Column("legacy_reference", True, "the old register's number, kept in the description"),
        Column("kind", help="complaint (blank), compliment or suggestion"),
        Column("received_at", True, "when it was received"),
        Column("division", True, "division code or name"),
        Column("status", True, "status code or name (received ... closed)"),
        Column("channel", help="channel code or name"),
        Column("category", help="category code or name"),
        Column("classification", help="informal, standard or complex"),
        Column("summary", True, "one line, at most 200 characters"),
        Column("description"),
        Column("outcome_sought"),
        Column("complainant_name", help="given and family names, or an organisation's name"),
        Column("complainant_email", help="finds the existing person with that address"),
        Column("complainant_phone"),
        Column("confidential", help="yes or no: personal details are not to be used"),
        Column("human_rights", help="yes or no: a human-rights aspect"),
        Column("registered_at", help="blank: the instant it was received"),
        Column("acknowledged_at"),
        Column("coordinator", help="staff username or email"),
        Column("manager", help="complaint manager: staff username or email"),
        Column("decision_maker", help="staff username or email"),
        Column("decided_at", help="blank on a finalised complaint: when it was finalised"),
        Column("finalised_at"),
        Column("outcome", help="outcome code or name, for finalised and closed complaints"),
        Column("outcome_reason", help="needed for withdrawn and declined"),
        Column("referred_to", help="referral code or name, for referred complaints"),
        Column("closed_at"),
    ),
)

TICKET_LAYOUT = Layout(
    "tickets",
    (
        Column("legacy_reference", True, "the old register's number, kept in the description"),
        Column("reported_at", True, "when the client reported it"),
        Column("client", True, "the client organisation's name"),
        Column("severity", True, "1, 2, 3a or 3b"),
        Column("status", True, "status code or name (new ... closed)"),
        Column("summary", True, "one line, at most 200 characters"),
        Column("description"),
        Column("channel", help="channel code or name"),
        Column("contact_name"),
        Column("contact_email", help="finds the existing person with that address"),
        Column("contact_phone"),
        Column("agent", help="support agent: staff username or email"),
        Column("first_response_at"),
        Column("resolved_at"),
        Column("closed_at"),
    ),
)


def column_key(text: str) -> str:
    """ "Received at", "received-at" and "RECEIVED_AT" all name `received_at`."""
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


# --- the file -------------------------------------------------------------------------


@dataclass(slots=True)
class Table:
    """The rows of a register file: {column: text} per row number, and what was wrong."""

    header: tuple[str, ...] = ()
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0

    @property
    def readable(self) -> bool:
        """False when the file as a whole (its encoding or header) is refused."""
        return not any(p.row in (0, HEADER_ROW) for p in self.problems)


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """UTF-8 text (a byte-order mark from Excel is dropped), or why the file is not."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex().upper()
        where = f"byte 0x{byte} on line {line}"
        return None, Problem(
            0,
            "",
            where,
            f"The file is not UTF-8 text ({where}). In Excel, save it as “CSV UTF-8 (Comma "
            "delimited)”; from another program, choose the UTF-8 encoding.",
        )


LINE_END = re.compile(r"\r\n|\r|\n")


def _lines(text: str):
    """The text's lines with their endings, as `io.StringIO(text, newline="")` gives them
    (\r\n, \r or \n), one at a time: a StringIO would hold a second copy of the file at
    four bytes a character while it is read."""
    start = 0
    for end in LINE_END.finditer(text):
        yield text[start : end.end()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def read_table(data: bytes, layout: Layout) -> Table:
    """Decode and parse the file; check the header; split each row into its columns."""
    table = Table()
    text, problem = decode(data)
    if problem is not None:
        table.problems.append(problem)
        return table
    reader = csv.reader(_lines(text), strict=True)
    row_number = 0
    header = None
    while True:
        row_number += 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.problems.append(_malformed(row_number, str(error), header is None))
            if header is None:
                return table
            table.rows_read += 1
            continue
        if header is None:
            header = _check_header(values, layout, table)
            if not table.readable:
                return table
            continue
        if not any(v.strip() for v in values):
            continue  # a blank line, or a row of empty cells a spreadsheet left behind
        table.rows_read += 1
        if len(values) != len(header):
            table.problems.append(
                Problem(
                    row_number,
                    "",
                    _shorten(",".join(values)),
                    f"The row has {len(values)} values but the header has {len(header)} "
                    "columns: a value with a comma in it must be in double quotes.",
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(header, values, strict=True) if name}
        stray = [v for name, v in zip(header, values, strict=True) if not name and v.strip()]
        if stray:
            table.problems.append(
                Problem(
                    row_number,
                    "",
                    _shorten(stray[0]),
                    "A value is in a column with no name in the header: name the column or "
                    "clear the value.",
                )
            )
            continue
        table.rows.append((row_number, row))
    if header is None:
        table.problems.append(Problem(0, "", "", "The file is empty: it has no header row."))
    return table


def _malformed(row_number: int, error: str, in_header: bool) -> Problem:
    if "unexpected end of data" in error:
        reason = (
            "A double quote opened on this row is never closed, so the rest of the file "
            "could not be read."
        )
    elif "NUL" in error:
        reason = "The row holds a NUL character: this is not a text file."
    else:
        reason = (
            "The quoting is malformed: a value in double quotes must end with a double quote "
            'followed by a comma or the end of the line (write a quote inside a value as "").'
        )
    return Problem(HEADER_ROW if in_header else row_number, "", "", reason)


def _check_header(values: list[str], layout: Layout, table: Table) -> tuple[str, ...]:
    keys = tuple(column_key(v) for v in values)
    table.header = keys
    if len(values) == 1 and (";" in values[0] or "\t" in values[0]):
        separator = "semicolons" if ";" in values[0] else "tabs"
        table.problems.append(
            Problem(
                HEADER_ROW,
                "",
                _shorten(values[0]),
                f"The columns are separated by {separator}: save the file as comma-separated "
                "values (CSV).",
            )
        )
        return keys
    seen = set()
    for original, key in zip(values, keys, strict=True):
        if not key:
            continue  # a column a spreadsheet left without a name: its cells must be empty
        if key not in layout.names:
            table.problems.append(
                Problem(
                    HEADER_ROW,
                    original,
                    original,
                    f"Unknown column “{original.strip()}”: the {layout.noun} columns are "
                    + ", ".join(layout.names)
                    + ".",
                )
            )
        elif key in seen:
            table.problems.append(
                Problem(HEADER_ROW, original, original, f"The column {key} appears twice.")
            )
        seen.add(key)
    missing = [name for name in layout.required if name not in keys]
    if missing:
        table.problems.append(
            Problem(
                HEADER_ROW,
                ", ".join(missing),
                "",
                f"The header lacks the required column{'s' if len(missing) > 1 else ''} "
                + ", ".join(missing)
                + ".",
            )
        )
    return keys


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- values ---------------------------------------------------------------------------

# dd/mm/yyyy, optionally with HH:MM, HH:MM:SS, and am or pm: how Australian registers write it.
DAY_FIRST = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})


def _day_first(value: str) -> datetime | None:
    match = DAY_FIRST.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, half = match.groups()
    hour = int(hour or 0)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(int(year), int(month), int(day), hour, int(minute or 0), int(second or 0))
    except ValueError:
        return None


def parse_instant(text: str, tz: tzinfo, now: datetime) -> datetime:
    """An instant from ISO 8601 or dd/mm/yyyy [HH:MM[:SS]]; no offset: local time in `tz`.

    A date alone is the start of that day. Raises ValueError with the reason in words.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _day_first(value)
    if parsed is None:
        raise ValueError(
            "Not a date: write 2025-03-14T09:30 (ISO 8601) or 14/03/2025 09:30 (day first)."
        )
    if parsed.tzinfo is None:
        local = parsed.replace(tzinfo=tz)
        # A wall-clock time skipped when daylight saving starts does not exist locally.
        if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != parsed:
            raise ValueError(
                f"{parsed:%d/%m/%Y %H:%M} does not exist in {getattr(tz, 'key', tz)}: "
                "the clocks skip it when daylight saving starts."
            )
        parsed = local
    instant = parsed.astimezone(timezone.utc)
    if instant > now:
        raise ValueError("The date is in the future.")
    return instant


def is_date_only(text: str) -> bool:
    """A date without a time of day: 2025-03-14 or 14/03/2025."""
    value = text.strip()
    if DAY_FIRST.fullmatch(value):
        return ":" not in value
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError("Write yes or no.")


def match_choice(text: str, choices: Mapping[str, str], what: str) -> str:
    """The code of a choice given by its code or its label, in any case."""
    wanted = text.strip().lower()
    for code, label in choices.items():
        if wanted in (code.lower(), label.lower(), column_key(label)):
            return code
    raise ValueError(f"There is no {what} “{text}”: use one of " + ", ".join(choices) + ".")


def too_long(text: str, length: int | None) -> str | None:
    if length is not None and len(text) > length:
        return f"At most {length} characters (this one has {len(text)})."
    return None


def split_name(text: str) -> tuple[str | None, str]:
    """ "Sam Citizen" -> ("Sam", "Citizen"); a single word is a family name."""
    parts = text.split()
    if len(parts) == 1:
        return None, parts[0]
    return " ".join(parts[:-1]), parts[-1]


def looks_like_email(text: str) -> bool:
    return is_email_address(text)


# --- what a status needs --------------------------------------------------------------

# Compliments and suggestions are recorded and passed on, never investigated.
FEEDBACK_STATUSES = frozenset({"received", "registered", "acknowledged", "closed"})
# A review lives in records of its own: import the complaint as finalised, then record it.
NOT_IMPORTED_STATUSES = frozenset({"internal_review", "external_review"})
ASSIGNED_STATUSES = frozenset(
    {"investigation", "response_drafted", "decided", "finalised"}
)  # and closed, when finalised
DECIDED_STATUSES = frozenset({"decided", "finalised", "closed"})
FINALISED_STATUSES = frozenset({"finalised", "closed"})
CLOSED_AT_STATUSES = frozenset({"closed", "referred"})


def complaint_status_problems(kind: str, status: str, given: Iterable[str]) -> list[tuple]:
    """(column, reason) for each field the status needs but lacks, or has but cannot have.

    `given`: the columns holding a value on the row. Mirrors the workflow: an instant is
    recorded by the step that reaches it, so a status has the instants of its steps.
    """
    given = set(given)
    status_name = COMPLAINT_STATUSES[status]
    problems = []

    def need(column, why):
        if column not in given:
            problems.append((column, f"A {status_name.lower()} {kind} needs {why}."))

    def refuse(column, why):
        if column in given:
            problems.append((column, f"{why} (the status is {status_name})."))

    if status in NOT_IMPORTED_STATUSES:
        return [
            (
                "status",
                f"A complaint under {status_name.lower()} cannot be imported: import it as "
                "Finalised, then record the review request on its page.",
            )
        ]
    if kind != "complaint":
        if status not in FEEDBACK_STATUSES:
            return [
                (
                    "status",
                    f"A {kind} is recorded and passed on, never {status_name.lower()}: use "
                    "Received, Registered, Acknowledged or Closed.",
                )
            ]
        for column in (
            "manager",
            "decision_maker",
            "decided_at",
            "finalised_at",
            "outcome",
            "outcome_reason",
            "referred_to",
        ):
            refuse(column, f"A {kind} has no {column.replace('_', ' ')}")
    if status == "received":
        refuse("registered_at", "A complaint still Received has not been registered")
        for column in ("manager", "decision_maker"):
            refuse(column, "Officers are assigned once a complaint is registered")
    if status == "acknowledged":
        need("acknowledged_at", "the instant it was acknowledged (acknowledged_at)")
    if status == "received":
        refuse("acknowledged_at", "A complaint still Received has not been acknowledged")

    referral = status == "referred" or (status == "closed" and "referred_to" in given)
    if status == "referred":
        need("referred_to", "the process it was referred to (referred_to)")
    elif status != "closed":
        refuse("referred_to", "Only a referred complaint names the process it was referred to")
    if status in CLOSED_AT_STATUSES:
        need("closed_at", "the instant it was closed (closed_at)")
    else:
        refuse("closed_at", "Only a closed or referred complaint has a closing instant")

    if kind == "complaint" and not referral:
        finalised = status in FINALISED_STATUSES
        if status in ASSIGNED_STATUSES or finalised:
            need("manager", "its complaint manager")
            need("decision_maker", "its decision maker")
        if status == "decided":
            need("decided_at", "the instant it was decided (decided_at)")
        elif not finalised:
            refuse("decided_at", "Only a decided or finalised complaint has a decision instant")
        if finalised:
            need("finalised_at", "the instant the response was given (finalised_at)")
            need("outcome", "its outcome")
        else:
            for column in ("finalised_at", "outcome", "outcome_reason"):
                refuse(column, "Only a finalised or closed complaint has an outcome")
    elif kind == "complaint" and referral:
        for column in ("decided_at", "finalised_at", "outcome", "outcome_reason"):
            refuse(column, "A referred complaint is not decided here")
    return problems


def ticket_status_problems(status: str, given: Iterable[str]) -> list[tuple]:
    """(column, reason) for the instants a ticket's status needs or cannot have."""
    given = set(given)
    status_name = TICKET_STATUSES[status]
    order = ("new", "responded", "in_progress", "waiting_on_client", "resolved", "closed")
    reached = order.index(status)
    steps = (
        ("first_response_at", order.index("responded"), "the first response"),
        ("resolved_at", order.index("resolved"), "the resolution"),
        ("closed_at", order.index("closed"), "the closing"),
    )
    problems = []
    for column, step, words in steps:
        if reached >= step and column not in given:
            problems.append(
                (column, f"A ticket whose status is {status_name} needs the instant of {words}.")
            )
        elif reached < step and column in given:
            problems.append(
                (
                    column,
                    f"A ticket whose status is {status_name} has not reached {words}, "
                    "so this must be blank.",
                )
            )
    return problems


# Instants that follow one another on a case: (earlier, later).
COMPLAINT_ORDER = (
    ("received_at", "registered_at"),
    ("registered_at", "acknowledged_at"),
    ("received_at", "acknowledged_at"),
    ("received_at", "decided_at"),
    ("decided_at", "finalised_at"),
    ("received_at", "finalised_at"),
    ("finalised_at", "closed_at"),
    ("received_at", "closed_at"),
)
TICKET_ORDER = (
    ("reported_at", "first_response_at"),
    ("first_response_at", "resolved_at"),
    ("reported_at", "resolved_at"),
    ("resolved_at", "closed_at"),
    ("reported_at", "closed_at"),
)


def order_problems(
    instants: dict[str, datetime | None], pairs, date_only: frozenset[str] = frozenset()
) -> list[tuple]:
    """(column, reason) for each instant before one it must follow.

    A date without a time (`date_only`) on the same day as the instant it follows is taken
    as that instant: registered "14/04/2025" after receipt at 13:40 that day is fine.
    """
    problems = []
    for earlier, later in pairs:
        first, second = instants.get(earlier), instants.get(later)
        if first is None or second is None or second >= first:
            continue
        if later in date_only and second + timedelta(days=1) > first:
            instants[later] = first
            continue
        problems.append((later, f"It is earlier than {earlier}."))
    return problems
