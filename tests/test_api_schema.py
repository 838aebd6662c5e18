"""The OpenAPI document is valid, and the API keeps to it: schemathesis sends requests built
from the document (valid ones and edge cases) to every operation, with a token, and no
answer is a server error or strays from the statuses, media types and schemas documented.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import just, one_of
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from models import Participant, Ticket, User, db, utcnow
from services import api_tokens
from tests.scoped_world import CHEAP_HASH

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(app, make, monkeypatch):
    """An administrator's token (every complaint and ticket in reach), and a few records."""
    monkeypatch.setattr(
        User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
    )
    admin = make.user("root", "administrator")
    manager = make.user("manny", "complaint_manager", level="AO4")
    decider = make.user("deakin", "decision_maker", level="AO7")
    make.complaint(confidential=True)
    registered = make.complaint(status="registered", registered_at=utcnow())
    acme = Participant(kind="client_organisation", organisation_name="Acme Pty Ltd")
    ticket = Ticket(severity="2", summary="Slow", client=acme, reported_at=utcnow())
    db.session.add(ticket)
    issued = api_tokens.issue(db.session, admin, "Schemathesis")
    db.session.commit()
    return {
        "headers": {"Authorization": f"Bearer {issued.secret}"},
        "complaint": registered.reference,
        "ticket": ticket.reference,
        "client": acme.id,
        "manager": manager.participant_id,
        "decider": decider.participant_id,
    }


@pytest.fixture
def api_headers(api_world):
    return api_world["headers"]


def explicit_cases(operation, world) -> list:
    """Requests that reach the records made above: the generated ones mostly miss them."""
    complaint = {"reference": world["complaint"]}
    ticket = {"reference": world["ticket"]}
    json = "application/json"
    return {
        "GET /complaints/{reference}": [operation.Case(path_parameters=complaint)],
        "POST /complaints/{reference}/transitions": [
            operation.Case(
                path_parameters=complaint, body={"step": "acknowledge"}, media_type=json
            ),
            operation.Case(
                path_parameters=complaint,
                body={
                    "step": "assign",
                    "manager": world["manager"],
                    "decision_maker": world["decider"],
                },
                media_type=json,
            ),
        ],
        "GET /complaints/{reference}/notes": [operation.Case(path_parameters=complaint)],
        "POST /complaints/{reference}/notes": [
            operation.Case(
                path_parameters=complaint,
                body={"kind": "note", "summary": "Rang the counter."},
                media_type=json,
            ),
            operation.Case(
                path_parameters=complaint,
                body={"kind": "phone", "summary": "No date.", "with_whom": "Ms C"},
                media_type=json,
            ),
        ],
        "GET /tickets/{reference}/notes": [operation.Case(path_parameters=ticket)],
        "POST /tickets/{reference}/notes": [
            operation.Case(
                path_parameters=ticket,
                body={"kind": "note", "summary": "Index rebuilt.", "shared": True},
                media_type=json,
            )
        ],
        "GET /tickets/{reference}": [operation.Case(path_parameters=ticket)],
        "POST /tickets/{reference}/transitions": [
            operation.Case(path_parameters=ticket, body={"step": "respond"}, media_type=json)
        ],
        "POST /tickets": [
            operation.Case(
                body={"severity": "2", "client_id": world["client"], "summary": "Help"},
                media_type=json,
            )
        ],
    }.get(operation.label, [])


@pytest.fixture
def api_schema(app, api_headers):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=api_headers)


def test_the_document_is_valid_openapi_and_names_every_constraint(client, api_headers):
    public = client.get("/api/v1/openapi.json")
    assert public.status_code == 200
    validate(public.get_json())
    document = client.get("/api/v1/openapi.json", headers=api_headers).get_json()
    validate(document)
    lodge = document["paths"]["/complaints"]["post"]["requestBody"]["content"]
    body = lodge["application/json"]["schema"]
    assert body["required"] == ["division", "summary"]
    assert body["properties"]["summary"]["maxLength"] == 200
    assert body["properties"]["kind"]["enum"] == ["complaint", "compliment", "suggestion"]
    assert body["additionalProperties"] is False
    # With a token, the lookup lists' codes as they are now; without, none are given away.
    assert "D1" in body["properties"]["division"]["enum"]
    public_body = public.get_json()["paths"]["/complaints"]["post"]["requestBody"]
    assert (
        "enum"
        not in public_body["content"]["application/json"]["schema"]["properties"]["division"]
    )
    steps = document["paths"]["/complaints/{reference}/transitions"]["post"]
    step_names = steps["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "register" in step_names["step"]["enum"]
    assert {"401", "403", "404", "409", "412", "422"} <= set(steps["responses"])


# Per operation and mode: enough to reach every field's edges, and the run stays near 30 s.
EXAMPLES = 15


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_built_from_the_document_gets_a_server_error(api_schema, api_world, mode):
    # schemathesis's own pytest plugin (from_fixture) does not run on pytest 9: one
    # Hypothesis test per operation instead, with the same strategies and checks.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # list, lodge, read, step, read notes, add a note, reply: of complaints and tickets
    assert len(operations) == 14

    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode == GenerationMode.POSITIVE:
            strategy = one_of(strategy, *map(just, explicit_cases(operation, api_world)))

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def call(case):
            case.call_and_validate(headers=api_world["headers"], checks=CHECKS)

        call()
