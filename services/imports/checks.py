"""Checking one row of a legacy register: the look-ups a row's codes, names and people are
found in (loaded once for the whole file), the legacy references imported before, and the
checker each kind of register builds on, which reads a row's values into a candidate and
collects every problem with it."""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from models import HistoryEntry, Participant, User
from rules import imports as rules
from rules.imports import Problem

from .. import history

IMPORT_ACTION = "import"


# --- shared look-ups --------------------------------------------------------------------


class Lookups:
    """Rows a register names by code or name, loaded once for the whole file."""

    def __init__(self, session, model):
        self.model = model
        self.by_key = {}
        for row in session.scalars(select(model)):
            self.by_key.setdefault(row.code.lower(), row)
            self.by_key.setdefault(row.name.lower(), row)

    def find(self, text: str, what: str):
        row = self.by_key.get(text.strip().lower())
        if row is None:
            known = sorted({r.code for r in self.by_key.values() if r.active})
            raise ValueError(f"There is no {what} “{text}”: use one of " + ", ".join(known) + ".")
        if not row.active:
            raise ValueError(
                f"The {what} {row.name} is switched off: an administrator can switch it on "
                "under Configuration, or choose another."
            )
        return row


class Staff:
    """Staff members by login username or by email address."""

    def __init__(self, session):
        self.by_username = {}
        self.by_email = {}
        people = session.scalars(
            select(Participant)
            .where(Participant.kind == "staff")
            .options(joinedload(Participant.level))
        ).all()
        for person in people:
            if person.email:
                self.by_email.setdefault(person.email.strip().lower(), person)
        for username, person_id in session.execute(
            select(User.username, User.participant_id).where(User.participant_id.is_not(None))
        ):
            person = next((p for p in people if p.id == person_id), None)
            if person is not None:
                self.by_username[username.lower()] = person

    def find(self, text: str) -> Participant:
        key = text.strip().lower()
        person = self.by_username.get(key) or self.by_email.get(key)
        if person is None:
            raise ValueError(
                f"No staff member has the username or email address “{text}”: add them under "
                "People first, or correct the value."
            )
        return person


def people_by_email(session, emails) -> dict[str, Participant]:
    """Existing people who are not staff, by lower-case email (the first one found wins)."""
    found = {}
    emails = sorted(emails)
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        rows = session.scalars(
            select(Participant)
            .where(func.lower(Participant.email).in_(chunk), Participant.kind != "staff")
            .order_by(Participant.id)
        )
        for person in rows:
            found.setdefault(person.email.strip().lower(), person)
    return found


def imported_before(session, model) -> dict[str, str]:
    """Legacy references already imported, lower-cased, with the reference each became."""
    seen = {}
    for reference, changes in session.execute(
        select(model.reference, HistoryEntry.changes)
        .join(model, model.id == HistoryEntry.record_id)
        .where(HistoryEntry.action == IMPORT_ACTION, HistoryEntry.record_type == model.__name__)
    ):
        try:
            legacy = json.loads(changes or "{}").get("legacy_reference", [None, None])[1]
        except (ValueError, AttributeError, IndexError, TypeError):
            continue
        if legacy:
            seen[str(legacy).strip().lower()] = reference
    return seen


def column_length(model, name: str) -> int | None:
    return getattr(model.__table__.c[name].type, "length", None)


# --- one row ----------------------------------------------------------------------------


@dataclass
class Candidate:
    """A row that passed every check: what to create, and where it came from."""

    row: int
    legacy_reference: str
    instant: datetime  # received or reported: references follow it
    values: dict
    person: dict | None = None  # {"email", "given_name", "family_name", "phone"} to find or add
    numbering: tuple[str, int] = ("", 0)  # (prefix, year) of its reference number
    reference: str | None = None


class RowChecker:
    """Reads one row's values into a candidate, collecting every problem with it."""

    record_type = ""
    model = None

    def __init__(self, session, layout, actor: User | None, now: datetime, file_name: str):
        self.session = session
        self.layout = layout
        self.actor = actor
        self.now = now
        self.file_name = file_name
        self.seen_in_file: dict[str, int] = {}
        self.previous = imported_before(session, self.model)
        self.new_people: dict[str, Participant | int] = {}

    # subclasses: prepare(rows), check(row, values) -> Candidate | None, build(candidate)

    def problem(self, problems, row, column, value, reason):
        problems.append(Problem(row, column, value, reason))

    def required(self, problems, row, values):
        for name in self.layout.required:
            if not values.get(name, ""):
                self.problem(problems, row, name, "", f"A value is required in {name}.")

    def legacy(self, problems, row, values) -> str:
        reference = values.get("legacy_reference", "")
        if not reference:
            return reference
        key = reference.lower()
        why_long = rules.too_long(reference, rules.LEGACY_REFERENCE_LENGTH)
        if why_long:
            self.problem(problems, row, "legacy_reference", reference, why_long)
        if key in self.seen_in_file:
            self.problem(
                problems,
                row,
                "legacy_reference",
                reference,
                f"Row {self.seen_in_file[key]} has the same legacy reference: "
                "each legacy case may appear once.",
            )
        else:
            self.seen_in_file[key] = row
        if key in self.previous:
            self.problem(
                problems,
                row,
                "legacy_reference",
                reference,
                f"Legacy reference {reference} was imported before as {self.previous[key]}: "
                "it is not imported twice.",
            )
        return reference

    def text(self, problems, row, values, column, model_column=None, model=None):
        value = values.get(column, "")
        if value:
            why = rules.too_long(value, column_length(model or self.model, model_column or column))
            if why:
                self.problem(problems, row, column, _shown(value), why)
        return value or None

    def instant(self, problems, row, values, column, tz):
        value = values.get(column, "")
        if not value:
            return None
        try:
            return rules.parse_instant(value, tz, self.now)
        except ValueError as error:
            self.problem(problems, row, column, value, str(error))
            return None

    def choice(self, problems, row, values, column, choices, what, default=None):
        value = values.get(column, "")
        if not value:
            return default
        try:
            return rules.match_choice(value, choices, what)
        except ValueError as error:
            self.problem(problems, row, column, value, str(error))
            return None

    def lookup(self, problems, row, values, column, lookups, what):
        value = values.get(column, "")
        if not value:
            return None
        try:
            return lookups.find(value, what)
        except ValueError as error:
            self.problem(problems, row, column, value, str(error))
            return None

    def officer(self, problems, row, values, column):
        value = values.get(column, "")
        if not value:
            return None
        try:
            return self.staff.find(value)
        except ValueError as error:
            self.problem(problems, row, column, value, str(error))
            return None

    def date_only(self, values) -> frozenset[str]:
        return frozenset(
            name for name, value in values.items() if value and rules.is_date_only(value)
        )

    def flag(self, problems, row, values, column):
        value = values.get(column, "")
        try:
            return rules.parse_flag(value)
        except ValueError as error:
            self.problem(problems, row, column, value, str(error))
            return False

    def person(self, problems, row, values, prefix, existing):
        """The person a row names (name, email, phone): found by email, or to be added."""
        name = values.get(f"{prefix}_name", "")
        email = values.get(f"{prefix}_email", "")
        phone = values.get(f"{prefix}_phone", "")
        if not (name or email or phone):
            return None
        if email and not rules.looks_like_email(email):
            self.problem(problems, row, f"{prefix}_email", email, "Not an email address.")
            return None
        for column, value, model_column in (
            (f"{prefix}_email", email, "email"),
            (f"{prefix}_phone", phone, "phone"),
        ):
            why = rules.too_long(value, column_length(Participant, model_column))
            if why:
                self.problem(problems, row, column, _shown(value), why)
        given, family = rules.split_name(name) if name else (None, None)
        for part, model_column in ((given, "given_name"), (family, "family_name")):
            why = rules.too_long(part or "", column_length(Participant, model_column))
            if why:
                self.problem(problems, row, f"{prefix}_name", _shown(name), f"A name part: {why}")
        if email and email.lower() in existing:
            return {"existing": existing[email.lower()]}
        if not name:
            self.problem(
                problems,
                row,
                f"{prefix}_name",
                "",
                f"Nobody has the address {email} yet: a new person needs a name.",
            )
            return None
        return {"email": email or None, "given_name": given, "family_name": family, "phone": phone}

    def participant(self, spec, **extra) -> Participant | None:
        """The person of a candidate: existing, added once per address, or added."""
        if spec is None:
            return None
        if "existing" in spec:
            return spec["existing"]
        key = (spec["email"] or "").lower()
        if key and key in self.new_people:
            found = self.new_people[key]
            return self.session.get(Participant, found) if isinstance(found, int) else found
        person = Participant(
            kind="complainant",
            given_name=spec["given_name"],
            family_name=spec["family_name"],
            email=spec["email"],
            phone=spec["phone"] or None,
            **extra,
        )
        self.session.add(person)
        if key:
            self.new_people[key] = person
        return person

    def flushed(self) -> None:
        """After a batch is flushed: the people it added are remembered by id, so that the
        records flushed can be let go (a later row naming one of them reads it again)."""
        self.new_people = {
            key: person.id if not isinstance(person, int) and person.id is not None else person
            for key, person in self.new_people.items()
        }

    def note(self, record, candidate):
        history.note(
            self.session,
            record,
            IMPORT_ACTION,
            f"Imported from the legacy register {self.file_name}, row {candidate.row} "
            f"(legacy reference {candidate.legacy_reference}).",
            {
                "legacy_reference": [None, candidate.legacy_reference],
                "imported_from": [None, f"{self.file_name}, row {candidate.row}"],
            },
        )


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def with_legacy_reference(description: str | None, reference: str) -> str:
    """The description, ending with the legacy reference (the grid's search finds it)."""
    line = f"Legacy reference: {reference}"
    return f"{description}\n\n{line}" if description else line
