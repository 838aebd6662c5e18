"""Workflow steps through the API: the step and its inputs read from the body, the
record's version checked (If-Match or `version`), and a refusal answered with the status
that says why (403 not yours to take, 409 not from this status, 422 an input wrong)."""

import re

from flask import request
from flask_login import current_user

from models import utcnow
from rules.errors import RuleViolation
from services import steps

from . import idempotency
from .fields import error
from .handling import etag, flush, json_body, lookup, parsed, require, scoped_one
from .problems import Problem, invalid
from .resources import Resource


def if_match() -> int | None:
    """The version If-Match names ("3", W/"3" or 3); None when not sent or "*"."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,10})"?\s*', header)
    if match is None:
        raise Problem(
            400,
            'If-Match must be the ETag of the record you read, e.g. If-Match: "3".',
            errors=[{"field": "If-Match", "message": "If-Match is not a version."}],
            title="Invalid request",
        )
    return int(match.group(1))


def refuse_stale(resource: Resource, record, sent_header, sent_body) -> None:
    for sent, status in ((sent_header, 412), (sent_body, 409)):
        if sent is not None and sent != record.version:
            raise Problem(
                status,
                f"This {resource.noun} is at version {record.version}, not {sent}: it was "
                f"changed after you read it. Nothing was saved: read it again, then repeat "
                "the step if it still applies.",
                headers=etag(record),
                title="Changed since you read it",
            )


def step_inputs(resource: Resource, step: str, values: dict, record) -> dict:
    """The step's inputs as the rules read them; lookups and people resolved."""
    inputs, errors = {}, []
    for key in resource.stepper.step_keys(step):
        if key in values:
            inputs[key] = values[key]
    try:
        if step == "assign":
            inputs["manager"] = steps.officer(
                steps.staff_member(
                    inputs.get("manager"),
                    f"manager {inputs.get('manager')} is not a staff member.",
                )
            )
            if "decision_maker" in values:
                chosen = steps.staff_member(
                    values["decision_maker"],
                    f"decision_maker {values['decision_maker']} is not a staff member.",
                )
            else:
                chosen = record.decision_maker
            inputs["decision_maker"] = steps.officer(chosen)
        if step == "assign_agent":
            inputs["agent"] = steps.support_agent(
                inputs.get("agent"), f"agent {inputs.get('agent')} is not a staff member."
            )
    except RuleViolation as refusal:
        name = str(refusal).split(" ", 1)[0]
        errors.append({"field": name, "message": str(refusal)})
    if "outcome" in inputs:
        try:
            inputs.update(steps.outcome_inputs(inputs["outcome"]))
        except RuleViolation:
            lookup("outcome", inputs["outcome"], "outcome", errors)
    if inputs.get("referral_target") is not None:
        try:
            inputs["referral_target"] = steps.referral_target_id(inputs["referral_target"])
        except RuleViolation:
            lookup("referral_target", inputs["referral_target"], "referral_target", errors)
    if inputs.get("category") is not None:
        try:
            inputs["category"] = steps.category_id(inputs["category"])
        except RuleViolation:
            lookup("category", inputs["category"], "category", errors)
    if errors:
        raise invalid(errors)
    return inputs


def refusal(refused: steps.StepRefused) -> Problem:
    """403 when the step is not this caller's to take, 409 when not from this status,
    422 when an input is missing or wrong; each message from the rules, naming its field."""
    detail = " ".join(refused.problems)
    if refused.kind == steps.NOT_YOURS:
        return Problem(403, detail)
    if refused.kind == steps.NOT_NOW:
        return Problem(409, detail, title="Not possible now")
    return invalid(
        [{"field": refused.field_of(message), "message": message} for message in refused.problems],
        detail,
    )


def transition(resource: Resource, reference: str):
    body = json_body()
    fields = resource.step_fields
    values = parsed(fields, body)
    step = values["step"]
    require(resource, step, f"take the step “{step}” on {resource.plural}")
    record = scoped_one(resource, reference, step)
    reads = resource.stepper.step_keys(step)
    extra = [name for name in body if name not in ("step", "version", *reads)]
    if extra:
        takes = ", ".join(reads) if reads else "no inputs"
        raise invalid(
            [
                error(name, f"is not an input of the step {step}: it takes {takes}.")
                for name in extra
            ]
        )
    sent_header = if_match()

    def write():
        refuse_stale(resource, record, sent_header, values.get("version"))
        actor, now = steps.actor_of(current_user), utcnow()
        inputs = step_inputs(resource, step, values, record)
        try:
            message = resource.stepper.take(step, record, inputs, actor, now)
        except steps.StepRefused as refused:
            raise refusal(refused) from None
        except RuleViolation as refused:
            raise Problem(422, str(refused), title="Refused by the rules") from None
        flush()
        body = resource.represent(record, actor)
        body["message"] = message
        return 200, body, etag(record)

    return idempotency.run(body, write)
