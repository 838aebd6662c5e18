"""Which received messages were written by a machine and must create nothing.

Pure: header values in (already decoded to one line), a reason in an administrator's words
out, or None for mail a person wrote. Follows RFC 3834 (Auto-Submitted), RFC 3464 (delivery
status notifications) and the vendor headers that auto-responders set in practice, as help
desks such as Zammad and FreeScout read them.
"""

import re
from collections.abc import Mapping, Sequence

OWN_MESSAGE = "a message the portal sent itself"
BOUNCE = "a delivery failure report (bounce)"
READ_RECEIPT = "a read receipt"

# Senders that only machines use; a postmaster can be a person, so it needs a DSN too.
MAILER_DAEMONS = frozenset({"mailer-daemon", "mailer_daemon", "mailerdaemon"})
POSTMASTERS = frozenset({"postmaster"})
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
SUPPRESSING = frozenset({"all", "oof"})

# services/correspondence/sending.py message_id: <outbox.{id}.{digest}@{domain}>
_OUTBOX_ID = re.compile(r"<outbox\.\d+\.[0-9a-f]+@([^<>@\s]+)>", re.IGNORECASE)


def _first_token(value: str) -> str:
    """`auto-replied; owner-email="x"` -> `auto-replied`."""
    return value.split(";", 1)[0].strip().lower()[:60]


def is_own_message_id(message_id: str, own_domains: Sequence[str]) -> bool:
    match = _OUTBOX_ID.fullmatch(message_id.strip())
    domains = {domain.strip().lower() for domain in own_domains if domain and domain.strip()}
    return bool(match) and match.group(1).lower() in domains


def automatic_reason(
    headers: Mapping[str, Sequence[str]],
    *,
    content_type: str,
    report_type: str | None,
    part_types: Sequence[str],
    from_address: str | None,
    message_id: str,
    own_domains: Sequence[str] = (),
) -> str | None:
    """Why this message must create nothing, or None.

    `headers` maps lower-case header names to every value of that header; `part_types` are
    the content types of every part (to find a message/delivery-status anywhere)."""

    def values(name: str) -> list[str]:
        return [value.strip() for value in headers.get(name, ()) if value and value.strip()]

    if is_own_message_id(message_id, own_domains):
        return OWN_MESSAGE

    content_type = (content_type or "").lower()
    report_type = (report_type or "").strip().lower()
    if content_type == "multipart/report" and report_type == "delivery-status":
        return BOUNCE
    if content_type == "multipart/report" and report_type == "disposition-notification":
        return READ_RECEIPT
    carries_dsn = content_type == "multipart/report" or any(
        part.lower() == "message/delivery-status" for part in part_types
    )
    local_part = (from_address or "").rpartition("@")[0].lower()
    empty_return_path = any(value.replace(" ", "") == "<>" for value in values("return-path"))
    if carries_dsn and (
        local_part in MAILER_DAEMONS or local_part in POSTMASTERS or empty_return_path
    ):
        return BOUNCE
    if local_part in MAILER_DAEMONS and not values("auto-submitted"):
        # A mailer daemon never writes as a person, with or without a DSN (old qmail bounces).
        return BOUNCE

    for value in values("auto-submitted"):
        token = _first_token(value)
        if token != "no":
            return f"an automatic reply (Auto-Submitted: {token})"
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        for value in values(name):
            return f"an automatic reply ({label}: {_first_token(value)})"
    for value in values("x-auto-response-suppress"):
        tokens = {token.strip().lower() for token in value.split(",")}
        if tokens & SUPPRESSING:
            return f"an automatic reply (X-Auto-Response-Suppress: {value[:60]})"
    for value in values("precedence"):
        token = _first_token(value)
        if token in BULK_PRECEDENCE:
            return f"bulk or mailing-list mail (Precedence: {token})"
    return None
