"""The API's fields: one definition per field gives both its validation and its JSON Schema
in the OpenAPI document, so the two cannot drift apart.

Each field parses a JSON value (or a query-string value) into a Python value, or raises
`Invalid` with a message in plain words; `schema()` describes the same constraints.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from rules.values import is_email_address

# PostgreSQL integer columns: an id or a version past this is refused, never sent.
MAX_INT = 2_147_483_647
# Instants the register accepts: anything else is a typing slip.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
# NUL cannot be stored in PostgreSQL text; the schema says so with this pattern.
NO_NUL_PATTERN = "^[^\\u0000]*$"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Invalid(ValueError):
    """One field's value refused: the message names what is wrong, for the developer."""


@dataclass(frozen=True)
class Field:
    name: str
    description: str = ""
    required: bool = False
    # Whether JSON null is accepted (for an optional field: "not given").
    nullable: bool = True

    def json_type(self) -> dict:
        raise NotImplementedError

    def schema(self) -> dict:
        schema = self.json_type()
        if self.nullable and not self.required:
            kind = schema.get("type")
            if kind is not None:
                schema["type"] = [kind, "null"]
            elif "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        if self.description:
            schema["description"] = self.description
        return schema

    def parse(self, value):
        """The Python value; None for an optional field given as null."""
        if value is None:
            if self.required:
                raise Invalid("is required.")
            if not self.nullable:
                raise Invalid("may not be null: leave it out instead.")
            return None
        return self.convert(value)

    def convert(self, value):
        raise NotImplementedError

    def from_query(self, text: str):
        """A query-string value, which arrives as text."""
        return self.parse(text)


def _clean_text(value) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string.")
    if "\x00" in value:
        raise Invalid("contains a NUL character, which cannot be stored.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("contains characters that are not valid Unicode text.") from None
    return value


@dataclass(frozen=True)
class Text(Field):
    max_length: int | None = None

    def json_type(self) -> dict:
        schema = {"type": "string", "pattern": NO_NUL_PATTERN}
        if self.required:
            schema["minLength"] = 1
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema

    def convert(self, value):
        value = _clean_text(value).strip()
        if not value:
            if self.required:
                raise Invalid("is required and may not be blank.")
            return None
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(f"is {len(value)} characters long: at most {self.max_length} fit.")
        return value


@dataclass(frozen=True)
class Choice(Field):
    choices: Mapping[str, str] = field(default_factory=dict)

    def json_type(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}

    def convert(self, value):
        if not isinstance(value, str) or value not in self.choices:
            shown = value if isinstance(value, str) and len(value) <= 40 else None
            start = (
                f"has no choice “{shown}”" if shown is not None else "is not one of the choices"
            )
            raise Invalid(f"{start}: use one of {', '.join(self.choices)}.")
        return value


@dataclass(frozen=True)
class Code(Field):
    """The code of a row of a lookup list administrators keep (a division, a channel)."""

    max_length: int = 40
    # The lookup list it names ("division", "channel"): the document lists its codes.
    lookup: str = ""
    # Filled in per request from the database when the document is asked for with a token.
    codes: Sequence[str] | None = None

    def json_type(self) -> dict:
        if self.codes:
            return {"type": "string", "enum": list(self.codes)}
        return {"type": "string", "minLength": 1, "maxLength": self.max_length}

    def convert(self, value):
        value = _clean_text(value).strip()
        if not value:
            raise Invalid("may not be blank.")
        if len(value) > self.max_length:
            raise Invalid(f"is longer than any code ({self.max_length} characters at most).")
        return value


@dataclass(frozen=True)
class Email(Text):
    def json_type(self) -> dict:
        return {**super().json_type(), "format": "email"}

    def convert(self, value):
        value = super().convert(value)
        if value is not None and not is_email_address(value):
            raise Invalid("is not an email address (name@example.com).")
        return value


@dataclass(frozen=True)
class Boolean(Field):
    def json_type(self) -> dict:
        return {"type": "boolean"}

    def convert(self, value):
        if not isinstance(value, bool):
            raise Invalid("must be true or false.")
        return value

    def from_query(self, text):
        if text in ("true", "false"):
            return text == "true"
        raise Invalid("must be true or false.")


@dataclass(frozen=True)
class Integer(Field):
    minimum: int = 1
    maximum: int = MAX_INT

    def json_type(self) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def convert(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be a whole number.")
        if not self.minimum <= value <= self.maximum:
            raise Invalid(f"must be between {self.minimum} and {self.maximum}.")
        return value

    def from_query(self, text):
        if not re.fullmatch(r"[+-]?\d{1,12}", text or ""):
            raise Invalid("must be a whole number.")
        return self.parse(int(text))


@dataclass(frozen=True)
class Instant(Field):
    """A moment, ISO 8601 with its offset: 2026-03-02T09:00:00+10:00."""

    not_in_future: bool = False

    def json_type(self) -> dict:
        return {"type": "string", "format": "date-time", "maxLength": 40}

    def convert(self, value):
        value = _clean_text(value).strip()
        try:
            instant = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise Invalid(
                "is not a date and time: use ISO 8601 with an offset, "
                "e.g. 2026-03-02T09:00:00+10:00."
            ) from None
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise Invalid(
                "has no time zone offset: add one, e.g. 2026-03-02T09:00:00+10:00 (or Z for UTC)."
            )
        try:
            instant = instant.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise Invalid("is out of range.") from None
        if not EARLIEST <= instant < LATEST:
            raise Invalid("must fall between the years 2000 and 2099.")
        if self.not_in_future and instant > datetime.now(timezone.utc):
            raise Invalid("is in the future.")
        return instant


@dataclass(frozen=True)
class Day(Field):
    """A calendar day, ISO 8601: 2026-03-02 (read in the case's own local time)."""

    def json_type(self) -> dict:
        return {"type": "string", "format": "date"}

    def convert(self, value):
        value = _clean_text(value).strip()
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            raise Invalid("is not a day: use YYYY-MM-DD, e.g. 2026-03-02.") from None
        if not EARLIEST.date() <= day < LATEST.date():
            raise Invalid("must fall between the years 2000 and 2099.")
        return day


@dataclass(frozen=True)
class Ids(Field):
    """A list of record ids (people complained about, people involved)."""

    max_items: int = 20

    def json_type(self) -> dict:
        return {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
            "maxItems": self.max_items,
            "uniqueItems": True,
        }

    def convert(self, value):
        if not isinstance(value, list):
            raise Invalid("must be a list of ids.")
        if len(value) > self.max_items:
            raise Invalid(f"lists {len(value)} ids: at most {self.max_items}.")
        ids = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_INT:
                raise Invalid("must list whole-number ids only.")
            if item in ids:
                raise Invalid(f"lists {item} twice.")
            ids.append(item)
        return ids


@dataclass(frozen=True)
class Nested(Field):
    """An object with fields of its own (a new complainant)."""

    fields: Sequence[Field] = ()

    def json_type(self) -> dict:
        return object_schema(self.fields)

    def convert(self, value):
        if not isinstance(value, dict):
            raise Invalid("must be an object.")
        values, errors = parse_object(self.fields, value, prefix=f"{self.name}.")
        if errors:
            raise NestedInvalid(errors)
        return values


class NestedInvalid(Invalid):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def object_schema(fields: Sequence[Field]) -> dict:
    schema = {
        "type": "object",
        "properties": {f.name: f.schema() for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def error(name: str, message: str) -> dict:
    return {"field": name, "message": f"{name} {message}"}


def parse_object(fields: Sequence[Field], body: dict, prefix: str = "") -> tuple[dict, list]:
    """The fields' values from a JSON object, and every error, each naming its field."""
    known = {f.name: f for f in fields}
    values, errors = {}, []
    for name in body:
        if name not in known:
            shown = name if len(name) <= 60 else name[:60] + "…"
            errors.append(
                error(
                    prefix + shown,
                    f"is not a field here: the fields are {', '.join(known)}.",
                )
            )
    for f in fields:
        if f.name not in body:
            if f.required:
                errors.append(error(prefix + f.name, "is required."))
            continue
        try:
            values[f.name] = f.parse(body[f.name])
        except NestedInvalid as nested:
            errors += nested.errors
        except Invalid as invalid:
            errors.append(error(prefix + f.name, str(invalid)))
    return values, errors


def parse_query(fields: Sequence[Field], args) -> tuple[dict, list]:
    """The fields' values from a query string (each given at most once), and every error."""
    known = {f.name: f for f in fields}
    values, errors = {}, []
    for name in args:
        if name not in known:
            shown = name if len(name) <= 60 else name[:60] + "…"
            errors.append(
                error(shown, f"is not a parameter here: the parameters are {', '.join(known)}.")
            )
    for f in fields:
        given = args.getlist(f.name)
        if not given:
            continue
        if len(given) > 1:
            errors.append(error(f.name, "is given more than once: give it once."))
            continue
        try:
            values[f.name] = f.from_query(given[0])
        except Invalid as invalid:
            errors.append(error(f.name, str(invalid)))
    return values, errors
