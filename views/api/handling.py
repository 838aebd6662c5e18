"""What every endpoint does with a request: the permission table asked for the action,
the JSON body read and checked, the record looked up within the caller's row scope (else a
404), lookups and people resolved with an error naming the field, and pages of a listing."""

import json
import re

from flask import request
from flask_login import current_user
from sqlalchemy import func, select

from models import Participant, db, utcnow
from rules import permissions
from rules.errors import RuleViolation
from services import access, confidentiality
from views.links import absolute_url

from ..context import current_actor
from .fields import error, parse_object
from .problems import Problem, invalid
from .resources import LOOKUPS, PER_PAGE, Resource

MAX_BODY = 1_000_000
# What a reference number can look like (CTS-2026-000123): anything else is not one.
REFERENCE = re.compile(r"[A-Za-z0-9-]{1,40}")


def account_words() -> str:
    codes = sorted(access.capacity_codes(current_actor()))
    held = ", ".join(code.replace("_", " ") for code in codes) or "no capacity"
    return f"Your account ({current_user.username}: {held})"


def require(resource: Resource, action: str, words: str) -> None:
    if not permissions.allowed(access.capacity_codes(current_actor()), resource.screen, action):
        raise Problem(403, f"{account_words()} may not {words}.")


def json_body() -> dict:
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(
            415, "Send the body as JSON, with the header Content-Type: application/json."
        )
    if (request.content_length or 0) > MAX_BODY:
        raise Problem(413, f"The body is larger than {MAX_BODY} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise Problem(413, f"The body is larger than {MAX_BODY} bytes.")

    def refuse_constant(name):
        raise ValueError(f"{name} is not a JSON number")

    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise Problem(400, "The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as failure:
        raise Problem(400, f"The body is not valid JSON: {failure}.") from None
    if not isinstance(body, dict):
        raise invalid(
            [{"field": "(body)", "message": 'The body must be a JSON object: {"field": value}.'}]
        )
    return body


def parsed(fields, body) -> dict:
    values, errors = parse_object(fields, body)
    if errors:
        raise invalid(errors)
    return values


def flush() -> None:
    """Save what is pending: a rule refused on save (separation of duties) is a 422."""
    try:
        db.session.flush()
    except RuleViolation as refusal:
        db.session.rollback()
        raise Problem(422, str(refusal), title="Refused by the rules") from None


def scoped_one(resource: Resource, reference: str, action: str):
    """The record the caller may take the action on, or 404 (unknown or out of scope)."""
    record = None
    if REFERENCE.fullmatch(reference):
        record = db.session.execute(
            select(resource.model).where(
                resource.model.reference == reference,
                access.rows(current_actor(), resource.screen, action),
            )
        ).scalar_one_or_none()
    if record is None:
        raise Problem(
            404,
            f"There is no {resource.noun} {reference[:40]} open to you (it does not exist, or "
            "it is outside the records your account reaches).",
        )
    return record


def etag(record) -> dict:
    return {"ETag": f'"{record.version}"'}


def lookup(model_name: str, code: str | None, field_name: str, errors: list, active_only=True):
    """The lookup row with this code, or None with an error naming the field."""
    if code is None:
        return None
    model = LOOKUPS[model_name]
    row = db.session.execute(select(model).filter_by(code=code)).scalar_one_or_none()
    if row is not None and (not active_only or getattr(row, "active", True)):
        return row
    query = select(model.code)
    if hasattr(model, "active"):
        query = query.where(model.active.is_(True))
    codes = db.session.execute(query.order_by(model.code)).scalars().all()
    known = ", ".join(codes) or "(none yet)"
    words = "is no longer in use" if row is not None else "is not known"
    errors.append(error(field_name, f"“{code}” {words}: use one of {known}."))
    return None


def participant(
    record_id: int | None, field_name: str, errors: list, kinds: tuple, words: str
) -> Participant | None:
    """A participant the caller may see, of one of `kinds`, or None with an error."""
    if record_id is None:
        return None
    person = db.session.execute(
        select(Participant).where(
            Participant.id == record_id,
            access.rows(current_actor(), "participant", "view"),
            confidentiality.person_visible(current_actor(), Participant.id),
        )
    ).scalar_one_or_none()
    if person is None or person.kind not in kinds:
        errors.append(error(field_name, f"{record_id} is not {words} open to you."))
        return None
    return person


def staff_list(ids: list[int] | None, field_name: str, errors: list) -> list[Participant]:
    if not ids:
        return []
    found = (
        db.session.execute(
            select(Participant).where(Participant.id.in_(ids), Participant.kind == "staff")
        )
        .scalars()
        .all()
    )
    missing = sorted(set(ids) - {person.id for person in found})
    if missing:
        listed = ", ".join(str(i) for i in missing)
        errors.append(error(field_name, f"lists {listed}, which are not staff members."))
    return list(found)


def page_links(endpoint, page, per_page, total) -> dict:
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    last = max(1, -(-total // per_page))

    def link(number):
        return absolute_url(endpoint, **args, page=number, per_page=per_page)

    return {
        "next": link(page + 1) if page < last else None,
        "previous": link(page - 1) if 1 < page <= last else None,
    }


def listing(resource: Resource, query, values) -> dict:
    page = values.get("page", 1)
    per_page = values.get("per_page", PER_PAGE)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    order = getattr(resource.model, resource.kind.opened_field)
    rows = (
        db.session.execute(
            query.order_by(order.desc(), resource.model.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .scalars()
        .all()
    )
    return {
        "items": [resource.represent(row, full=False) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        **page_links(f"api.{resource.plural}", page, per_page, total),
    }


def overdue_condition(kind, wanted: bool):
    is_overdue = kind.overdue_condition(utcnow())
    return is_overdue if wanted else ~is_overdue


def check_filter_range(values, start, end):
    if start in values and end in values and values[start] >= values[end]:
        raise invalid([error(end, f"must be later than {start}.")])


def ensure_in_scope(resource: Resource, record, field_name: str, words: str) -> None:
    condition = access.rows(current_actor(), resource.screen, "create")
    found = db.session.execute(
        select(resource.model.id).where(resource.model.id == record.id, condition)
    ).first()
    if found is None:
        raise invalid(
            [
                error(
                    field_name,
                    f"puts the {resource.noun} outside the records open to you ({words}): "
                    "you may lodge only within them. Nothing was saved.",
                )
            ]
        )
