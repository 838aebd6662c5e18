"""`Idempotency-Key` on writes: a retried request gets the first answer, never a second
complaint.

The key's row is inserted first, in the same transaction as the write it guards, and holds
the answer once the write is done. A second request with the same key (a retry, or the
same request sent twice at once) either finds the row and replays its answer, or, racing
the first, waits on the unique constraint until the first commits, and then replays. A
request refused (4xx) leaves no key behind, so the corrected request may reuse it. Keys
are kept for 24 hours.
"""

import hashlib
import json
import re
from datetime import timedelta

from flask import Response, request
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from models import IdempotencyKey, db, utcnow

from .problems import Problem

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
# Visible ASCII, as the IETF draft's examples: a UUID is the usual choice.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


def request_hash(body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    text = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


def given_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise Problem(
            400,
            f"The {HEADER} header must be 1 to 255 visible ASCII characters (a UUID is a good "
            "choice).",
            errors=[{"field": HEADER, "message": f"{HEADER} is not 1 to 255 visible characters."}],
            title="Invalid request",
        )
    return key


def replay(row: IdempotencyKey) -> Response:
    response = Response(row.response_body, status=row.status_code, mimetype="application/json")
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _stored(key: str) -> IdempotencyKey | None:
    return db.session.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key
        )
    ).scalar_one_or_none()


def _answer_from(row: IdempotencyKey, digest: str) -> Response:
    if row.request_hash != digest:
        raise Problem(
            422,
            f"This {HEADER} was already used, within the last 24 hours, for a different "
            f"request ({row.method} {row.path} with another body). Use a new key for a new "
            "request; send the very same request to get its answer again.",
            errors=[{"field": HEADER, "message": f"{HEADER} was used for a different request."}],
            title="Idempotency key reused",
        )
    return replay(row)


def run(body, write, retried: bool = False) -> Response:
    """Answer a write: `write()` makes the changes (flushed, not committed) and returns
    (status, JSON-able body, headers). Commits, with the key's row when a key was given."""
    key = given_key()
    if key is None:
        status, payload, headers = write()
        response = _response(status, payload, headers)
        # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
        db.session.commit()
        return response
    digest = request_hash(body)
    now = utcnow()
    stored = _stored(key)
    if stored is not None and stored.created_at > now - KEPT_FOR:
        return _answer_from(stored, digest)
    # Keys older than a day are forgotten: this one, and the account's other stale ones.
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.created_at <= now - KEPT_FOR
        )
    )
    row = IdempotencyKey(
        user_id=current_user.id,
        key=key,
        method=request.method,
        path=request.path[:400],
        request_hash=digest,
        status_code=0,
        response_body="",
        created_at=now,
    )
    db.session.add(row)
    try:
        # A request racing this one with the same key waits here until that one commits.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        stored = _stored(key)
        if stored is None and not retried:  # the other request failed: try once more
            return run(body, write, retried=True)
        if stored is None:
            raise Problem(
                409, "Another request with this key is in progress: retry shortly."
            ) from None
        return _answer_from(stored, digest)
    status, payload, headers = write()
    response = _response(status, payload, headers)
    row.status_code = status
    row.response_body = response.get_data(as_text=True)
    row.location = headers.get("Location")
    # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
    db.session.commit()
    return response


def _response(status, payload, headers) -> Response:
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for name, value in headers.items():
        response.headers[name] = value
    return response
