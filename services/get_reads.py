"""What a GET request has read and may read again: a GET changes nothing, so what it read
once stands for the rest of it (a case's letters, what a case holds, the unread count read
with the signed-in account). Outside a request, or in one that may write, nothing is kept:
the caller asks the database."""

from flask import has_request_context, request


def kept(name: str) -> dict | None:
    """The GET request's store called `name` (a dict), or None when nothing may be kept."""
    if not has_request_context() or request.method != "GET":
        return None
    return request.environ.setdefault(f"portal.{name}", {})
