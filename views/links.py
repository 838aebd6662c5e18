"""Absolute links the portal hands out (the API's `url`, `next`, `previous` and
`Location`, the OpenAPI document's server): built on PORTAL_URL, never on the request's
Host header, which the caller chooses. Without PORTAL_URL they are paths, which a client
resolves against the address it used."""

from flask import has_request_context, request, url_for

from services.correspondence.letters import portal_address


def absolute_url(endpoint: str, **values) -> str:
    path = url_for(endpoint, **values)
    base = portal_address()
    if not base:
        return path
    # PORTAL_URL already ends with the folder the portal is served under, if any.
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root) :]
    return base + path
