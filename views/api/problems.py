"""Errors as `application/problem+json` (RFC 9457): a status, a title, and a detail a
developer can act on; validation errors list each field with its message."""

import json

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raised anywhere in an API view: becomes the problem response."""

    def __init__(self, status: int, detail: str, *, errors=None, headers=None, title=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.title = title

    def response(self) -> Response:
        return problem(
            self.status, self.detail, errors=self.errors, headers=self.headers, title=self.title
        )


def problem(status: int, detail: str, *, errors=None, headers=None, title=None) -> Response:
    body = {
        "type": "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid(errors: list[dict], detail: str | None = None) -> Problem:
    """422 naming every field refused."""
    return Problem(
        422,
        detail or " ".join(e["message"] for e in errors),
        errors=errors,
        title="Invalid request",
    )


def unauthorised(detail: str) -> Problem:
    return Problem(
        401,
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="complaints-portal"'},
    )
