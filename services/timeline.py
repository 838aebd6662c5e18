"""A case's timeline: everything done and said on it, newest first, on one list.

Notes and contacts, messages in and out, documents, steps, due-date changes and the rest of
the history, each marked internal or shared with the complainant or client. One query per
source, its people loaded with it, so a case with 2,000 entries costs the same number of
statements as one with 20. A history entry that only repeats an entry already on the list
(a document added, a letter queued) is folded into it.

The service reads no request: the door hands in whether the reader may see the
complainant (`withheld`), whom they may see named (`person_visible`) and how to link an
entry (`links`).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from markupsafe import Markup
from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import joinedload

from models import (
    Attachment,
    CaseNote,
    HistoryEntry,
    InboundMessage,
    OutboundMessage,
    Participant,
    User,
    kinds,
)
from rules import correspondence as letters
from rules import notes as note_rules
from rules.attachments import describe_size

from . import case_contents, get_reads, history, localtime

# The filter chips, in the order the page shows them: key -> label.
GROUPS = {
    "all": "All",
    "conversation": "Conversation",
    "notes": "Notes",
    "documents": "Documents",
    "history": "Steps and history",
}
# The newest entries shown before "show all" (the statements are the same either way).
PAGE = 200
# Folded into the entry they repeat: a document added is the document's own entry; a letter
# sent is a line of the letter's entry (the history names it by id). A letter not sent for
# want of an address names none, and stays on the timeline: it says why.
FOLDED_ACTIONS = frozenset({"document_added"})
LETTER_LOGGED = "correspondence"
# Writing to these is writing inside the department.
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
STAFF_ROLES = frozenset(letters.ROLES) - {letters.COMPLAINANT}
WITHHELD = "withheld: the complainant asked for their personal details to be kept confidential."


@dataclass
class Links:
    """URLs the door builds (None: no link): download, outbox entry, printable letter,
    correcting a note."""

    download: object = lambda attachment_id: None
    outbox: object = lambda message_id: None
    print_letter: object = lambda message_id: None
    correct: object = lambda note_id: None


def _user_name(user) -> str:
    return str(user) if user is not None else "The system"


def _case_column(model, case):
    kind = kinds.find_kind(case)
    return getattr(model, f"{kind.name}_id") if kind is not None else None


def status_words(message: OutboundMessage, zone: str) -> str:
    """queued, sent, failed, to post, sent by post (when), in the officer's words."""
    if message.status == letters.NO_ADDRESS:
        if message.posted_at is not None:
            return f"sent by post ({localtime.zoned_text(message.posted_at, zone)})"
        return "to post"
    if message.status in (letters.QUEUED, letters.SENDING):
        return "queued"
    if message.status == letters.SENT:
        return "sent"
    if message.status == letters.FAILED:
        return "failed"
    return letters.STATUSES.get(message.status, message.status).lower()


def _entry(key, group, kind, at, zone, **fields) -> dict:
    entry = {
        "key": key,
        "group": group,
        "kind": kind,
        "at": at,
        "when": localtime.zoned_text(at, zone),
        "title": "",
        "who": "",
        "shared": False,
        "text": None,
        "html": None,
        "meta": [],
        "links": [],
        "files": [],
        "changes": [],
        "withheld": False,
    }
    entry.update(fields)
    return entry


def _notes(session, case, zone, links) -> list[dict]:
    if case_contents.known_empty_of(case, "case_note"):
        return []
    column = _case_column(CaseNote, case)
    rows = session.scalars(
        select(CaseNote)
        .where(column == case.id)
        .options(
            joinedload(CaseNote.user).joinedload(User.participant),
            joinedload(CaseNote.user).lazyload(User.capacities),
        )
    ).all()
    corrected_by: dict[int, list[int]] = {}
    for note in rows:
        if note.corrects_id is not None:
            corrected_by.setdefault(note.corrects_id, []).append(note.id)
    entries = []
    for note in rows:
        contact = note.kind in note_rules.CONTACTS
        title = note_rules.ALL_KINDS.get(note.kind, note.kind)
        if contact:
            happened = localtime.zoned_text(note.happened_at, zone)
            title += f" with {note.with_whom or ''}, {happened}"
        entries.append(
            _entry(
                f"note-{note.id}",
                "notes",
                "contact" if contact else "note",
                note.recorded_at,
                zone,
                title=f"{title} (entry {note.id})",
                who=(
                    "The complainant or client, on their case's page"
                    if note.user is None and note.kind in note_rules.PUBLIC_KINDS
                    else _user_name(note.user)
                ),
                shared=bool(note.shared),
                text=note.summary,
                note_id=note.id,
                corrects_id=note.corrects_id,
                corrected_by=sorted(corrected_by.get(note.id, [])),
                links=[{"text": f"Correct entry {note.id}…", "url": links.correct(note.id)}],
            )
        )
    return entries


def _documents(session, case, zone, links, withheld) -> tuple[list[dict], dict]:
    if case_contents.known_empty_of(case, "attachment"):
        return [], {}
    column = _case_column(Attachment, case)
    rows = session.scalars(
        select(Attachment)
        .where(column == case.id)
        .options(
            joinedload(Attachment.uploaded_by).joinedload(User.participant),
            joinedload(Attachment.uploaded_by).lazyload(User.capacities),
            joinedload(Attachment.inbound_message),
        )
    ).all()
    by_message: dict[int, list[dict]] = {}
    entries = []
    for attachment in rows:
        file = {
            "name": attachment.original_filename,
            "url": None if withheld else links.download(attachment.id),
            "size": describe_size(attachment.size),
        }
        if attachment.inbound_message_id is not None:
            by_message.setdefault(attachment.inbound_message_id, []).append(file)
        if attachment.uploaded_by is not None:
            who = _user_name(attachment.uploaded_by)
        elif attachment.inbound_message_id is not None:
            who = "Came by email"
        else:
            who = "Sent by the complainant"
        meta = [] if withheld else [("Type", attachment.content_type), ("Size", file["size"])]
        entry_links = []
        if attachment.inbound_message_id is not None:
            entry_links.append(
                {
                    "text": "The email it came with",
                    "url": f"#message-in-{attachment.inbound_message_id}",
                }
            )
        entries.append(
            _entry(
                f"document-{attachment.id}",
                "documents",
                "document",
                attachment.uploaded_at,
                zone,
                title="Document" if withheld else f"Document: {attachment.original_filename}",
                who=who,
                # The complainant's own files are known to them; staff documents are not sent.
                shared=attachment.uploaded_by is None,
                text=f"File {WITHHELD}" if withheld else (attachment.note or None),
                files=[] if withheld else [file],
                meta=meta,
                links=[] if withheld else entry_links,
                withheld=withheld,
            )
        )
    return entries, by_message


def _messages_in(session, case, zone, withheld, files_of, person_visible) -> list[dict]:
    if case_contents.known_empty_of(case, "inbound_message"):
        return []
    column = _case_column(InboundMessage, case)
    rows = session.scalars(
        select(InboundMessage)
        .where(column == case.id)
        .options(joinedload(InboundMessage.participant))
    ).all()
    entries = []
    for message in rows:
        if withheld or not _visible(person_visible, message.participant):
            fields = {
                "title": "Email received",
                "who": "",
                "text": f"Message {WITHHELD}",
                "withheld": True,
            }
        else:
            sender = message.from_address or ""
            if message.from_name:
                sender = f"{message.from_name} <{sender}>" if sender else message.from_name
            html = None
            if message.body_html:
                # Safe markup only because the HTML was sanitised (nh3) when it arrived.
                html = Markup(message.body_html)
            fields = {
                "title": f"Email received: {message.subject or '(no subject)'}",
                "who": sender,
                "html": html,
                "text": None if html is not None else (message.body_text or ""),
                "files": files_of.get(message.id, []),
            }
        entries.append(
            _entry(
                f"message-in-{message.id}",
                "conversation",
                "message_in",
                message.received_at,
                zone,
                shared=bool(message.shared),
                **fields,
            )
        )
    return entries


def _visible(person_visible, participant) -> bool:
    """Whether the reader may see who this person is (a confidential complainant elsewhere
    may be a ticket's contact)."""
    return participant is None or person_visible is None or person_visible(participant)


def _hides_recipient(message, withheld, person_visible) -> bool:
    if withheld and message.recipient_role == letters.COMPLAINANT:
        return True
    return not _visible(person_visible, message.participant)


def letters_of(session, case) -> list[OutboundMessage]:
    """Every letter and email of the case, with whom it went to, who wrote and who posted
    it and its attachments. A page that shows them twice (the timeline, and the newest
    among the related records) reads them once: kept for the rest of a GET request."""
    kept = get_reads.kept("case_reads")
    key = ("letters", type(case).__name__, case.id)
    if kept is not None and key in kept:
        return kept[key]
    if case_contents.known_empty_of(case, "outbound_message"):
        return []
    column = _case_column(OutboundMessage, case)
    rows = (
        session.scalars(
            select(OutboundMessage)
            .where(column == case.id)
            .options(
                joinedload(OutboundMessage.participant),
                joinedload(OutboundMessage.author).joinedload(User.participant),
                joinedload(OutboundMessage.author).lazyload(User.capacities),
                joinedload(OutboundMessage.posted_by).joinedload(User.participant),
                joinedload(OutboundMessage.posted_by).lazyload(User.capacities),
                joinedload(OutboundMessage.attachments),
            )
        )
        .unique()
        .all()
    )
    if kept is not None:
        kept[key] = rows
    return rows


def _messages_out(session, case, zone, links, withheld, person_visible) -> list[dict]:
    rows = letters_of(session, case)
    entries = []
    for message in rows:
        hidden = _hides_recipient(message, withheld, person_visible)
        role = letters.ROLES.get(message.recipient_role, message.recipient_role)
        if hidden:
            recipient = f"the {role}"
        else:
            recipient = message.recipient_name or f"the {role}"
            if message.recipient_name:
                recipient += f", {role}"
            if message.recipient_address:
                recipient += f" <{message.recipient_address}>"
        status = status_words(message, zone)
        kind_noun = "Reply" if message.author_id is not None else "Letter"
        if message.recipient_role in STAFF_ROLES:
            kind_noun = "Reminder" if message.author_id is None else "Message"
        meta = [("To", recipient), ("Status", status)]
        if message.posted_by is not None:
            meta.append(("Posted by", _user_name(message.posted_by)))
        entry_links = [{"text": "Outbox entry", "url": links.outbox(message.id)}]
        if message.status == letters.NO_ADDRESS:
            entry_links.append({"text": "Printable letter", "url": links.print_letter(message.id)})
        entries.append(
            _entry(
                f"message-out-{message.id}",
                "conversation",
                "message_out",
                message.created_at,
                zone,
                title=(
                    f"{kind_noun} to the {role}" if hidden else f"{kind_noun}: {message.subject}"
                ),
                who=_user_name(message.author) if message.author is not None else "The system",
                shared=message.recipient_role not in STAFF_ROLES,
                text=f"Letter {WITHHELD}" if hidden else message.body,
                meta=meta,
                status=message.status,
                files=[]
                if hidden
                else [
                    {
                        "name": file.original_filename,
                        "url": links.download(file.id),
                        "size": describe_size(file.size),
                    }
                    for file in message.attachments
                ],
                links=[link for link in entry_links if link["url"]],
                withheld=hidden,
                message_id=message.id,
                log=[],
            )
        )
    return entries


def _letter_logged(row) -> int | None:
    """The outbox message a correspondence history entry is about, if it names one."""
    if row.action != LETTER_LOGGED or not row.changes:
        return None
    try:
        named = json.loads(row.changes).get("message")
    except (ValueError, AttributeError):
        return None
    return named[1] if isinstance(named, list) and len(named) == 2 else None


def _history(session, case, zone, person_visible, letters_by_id) -> list[dict]:
    if person_visible is None:
        confidential = history._confidential_complainant(case)

        def hidden(related):
            return isinstance(related, Participant) and related.id == confidential

    else:

        def hidden(related):
            return isinstance(related, Participant) and not person_visible(related)

    records = history._records_of(case)
    rows = session.scalars(
        select(HistoryEntry)
        .where(
            or_(
                *(
                    (HistoryEntry.record_type == record_type) & HistoryEntry.record_id.in_(ids)
                    for record_type, ids in records.items()
                )
            ),
            HistoryEntry.action.not_in(FOLDED_ACTIONS),
        )
        .options(
            joinedload(HistoryEntry.user).joinedload(User.participant),
            joinedload(HistoryEntry.user).lazyload(User.capacities),
        )
    ).all()
    reader = history._Reader(session, zone, hidden)
    # The people the changes name, read and asked about at once (not one by one as shown).
    named = reader.read_named((row.record_type, row.changes) for row in rows)
    if named and hasattr(person_visible, "expect"):
        person_visible.expect(named)
    own_type = type(case).__name__
    entries = []
    for row in rows:
        letter = letters_by_id.get(_letter_logged(row))
        if letter is not None:
            if not letter["withheld"]:
                letter["log"].append(f"{localtime.zoned_text(row.at, zone)}: {row.summary}")
            continue
        record = (
            ""
            if row.record_type == own_type
            else history.RECORD_NOUNS.get(row.record_type, row.record_type)
        )
        entries.append(
            _entry(
                f"history-{row.id}",
                "history",
                "history",
                row.at,
                zone,
                title=f"{record}: {row.summary}" if record else row.summary,
                who=_user_name(row.user),
                action=row.action,
                changes=reader.changes(row.record_type, row.changes),
            )
        )
    return entries


def _order(entry):
    # Newest first; within one instant, the later-made row first.
    key = entry["key"].rsplit("-", 1)
    return (entry["at"] or EARLIEST, int(key[1]) if key[1].isdigit() else 0)


def timeline_of(
    case,
    *,
    withheld: bool = False,
    person_visible=None,
    links: Links | None = None,
    group: str = "all",
    show_all: bool = False,
) -> dict:
    """The case's timeline as the details page shows it: `entries` (newest first, the
    chosen group, the newest PAGE unless show_all), `counts` per group, `hidden` (how many
    more "show all" would show), `group`."""
    session = inspect(case).session
    if session is None or kinds.find_kind(case) is None or case.id is None:
        return {"entries": [], "counts": dict.fromkeys(GROUPS, 0), "hidden": 0, "group": "all"}
    links = links or Links()
    zone = localtime.case_timezone(case, localtime.settings_in_force())
    documents, files_of = _documents(session, case, zone, links, withheld)
    sent = _messages_out(session, case, zone, links, withheld, person_visible)
    entries = (
        _notes(session, case, zone, links)
        + documents
        + _messages_in(session, case, zone, withheld, files_of, person_visible)
        + sent
        + _history(session, case, zone, person_visible, {e["message_id"]: e for e in sent})
    )
    entries.sort(key=_order, reverse=True)
    counts = {key: 0 for key in GROUPS}
    counts["all"] = len(entries)
    for entry in entries:
        counts[entry["group"]] += 1
    group = group if group in GROUPS else "all"
    chosen = entries if group == "all" else [e for e in entries if e["group"] == group]
    shown = chosen if show_all else chosen[:PAGE]
    return {
        "entries": shown,
        "counts": counts,
        "hidden": len(chosen) - len(shown),
        "group": group,
    }
