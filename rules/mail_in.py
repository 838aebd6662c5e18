"""Mail that comes in: what can become of a message, how it names a case, and how we know
our own mail and the people a case belongs to.

Pure Python: plain strings in, plain answers out (no Flask, no database).
"""

import re
from collections.abc import Iterable

# What became of a message received.
FILED = "filed"  # a reply, filed on the case it answers
CREATED = "created"  # new mail that became a new case
TRIAGE = "triage"  # waits for a coordinator: unknown sender, or it claims a case
IGNORED = "ignored"  # an auto-reply, a bounce, a loop: nothing done
QUARANTINED = "quarantined"  # malformed or oversized: kept for the administrator
DISMISSED = "dismissed"  # taken out of triage by a coordinator, with a reason
STATUSES = {
    FILED: "Filed on a case",
    CREATED: "Became a new case",
    TRIAGE: "Waiting for triage",
    IGNORED: "Ignored (automatic mail)",
    QUARANTINED: "Quarantined",
    DISMISSED: "Dismissed",
}
# Whatever a coordinator may still act on.
OPEN_STATUSES = frozenset({TRIAGE})

# What a mailbox creates from new mail.
CREATES = {"complaint": "complaints", "ticket": "tickets"}

NO_SUBJECT = "(no subject)"
SUMMARY_LIMIT = 200


def reference_pattern(prefixes: Iterable[str]) -> re.Pattern:
    """CTS-2026-000123, also inside [brackets], for the given prefixes."""
    alternatives = "|".join(re.escape(prefix) for prefix in sorted(set(prefixes)))
    return re.compile(rf"(?<![A-Za-z0-9])({alternatives})-(\d{{4}})-(\d{{6}})(?![0-9])", re.I)


def claimed_reference(subject: str | None, prefixes: Iterable[str]) -> str | None:
    """The first case reference a subject names ("Re: [CTS-2026-000123] ..."), upper-case."""
    if not subject:
        return None
    match = reference_pattern(prefixes).search(subject)
    if match is None:
        return None
    prefix, year, number = match.groups()
    return f"{prefix.upper()}-{year}-{number}"


_OUTBOX_ID = re.compile(r"<?outbox\.(\d{1,18})\.([0-9a-f]{16})@[^<>@\s]+>?\Z")


def outbox_id(message_id: str) -> tuple[int, str] | None:
    """(outbox row id, digest) of a Message-ID of ours, `<outbox.{id}.{digest}@{domain}>`;
    None for anyone else's. The digest is checked against the row by the caller."""
    match = _OUTBOX_ID.match((message_id or "").strip())
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def thread_ids(in_reply_to: Iterable[str], references: Iterable[str]) -> list[str]:
    """The Message-IDs a reply answers, the most direct first (In-Reply-To, then the
    References from the newest back), each once."""
    ordered = [*in_reply_to, *reversed(tuple(references))]
    return list(dict.fromkeys(item.strip() for item in ordered if item and item.strip()))


def normal_address(address: str | None) -> str | None:
    """An address as compared: trimmed, lower-case (None when empty)."""
    address = (address or "").strip().lower()
    return address or None


def same_address(one: str | None, other: str | None) -> bool:
    one, other = normal_address(one), normal_address(other)
    return one is not None and one == other


def domain_of(address: str | None) -> str | None:
    address = normal_address(address)
    if not address or "@" not in address:
        return None
    return address.rpartition("@")[2] or None


def summary_from_subject(subject: str | None) -> str:
    """A new case's summary: the subject on one line, trimmed to fit, or "(no subject)"."""
    text = " ".join((subject or "").split())
    if not text:
        return NO_SUBJECT
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rstrip() + "…"
    return text


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """(given, family) from a display name: "Sam Q Citizen" -> ("Sam Q", "Citizen")."""
    words = " ".join((name or "").replace('"', " ").split())
    if not words:
        return None, None
    given, _, family = words.rpartition(" ")
    return (given[:80] or None), family[:80]


def not_theirs(reference: str, sender: str | None, belongs_to: str) -> str:
    """Why a message that claims a case waits in triage, for the coordinator."""
    who = sender or "an unknown sender"
    return (
        f"It claims {reference}, but it is from {who}, who is not the {belongs_to} of "
        f"that case. Check who sent it before filing it; nothing was sent to the sender."
    )


def sender_words(name: str | None, address: str | None, *, hide_address: bool) -> str:
    """How the case's history names the sender: never a confidential complainant's
    address."""
    if hide_address:
        return "the complainant"
    name = " ".join((name or "").split())
    if name and address:
        return f"{name} <{address}>"
    return name or address or "an unknown sender"
