"""What a complaint holds, asked in one statement: which kinds of related record it has
(extensions, reviews, improvements by id; requests for more time, representatives,
tickets, links to its page, late review requests, subjects, involved staff, issues, ended
clock pauses, notes, documents and messages by whether there are any).

Most complaints have none of most of them. The details page asks once (`read`), and every
part of the page that would read a kind the complaint has none of skips its statement: a
collection found empty is set empty on the complaint, and `known_empty` answers the panels
that query by hand. What a GET request has read it keeps for the rest of that request (a
GET changes nothing); any other request, and any code outside one, asks the database as
before.
"""

import functools

from sqlalchemy import and_, bindparam, exists, inspect, literal, select, union_all
from sqlalchemy.orm.attributes import set_committed_value

from models import (
    Attachment,
    CaseLink,
    CaseNote,
    ClockPause,
    Complaint,
    Extension,
    ExtensionRequest,
    ExternalReview,
    Improvement,
    InboundMessage,
    InternalReview,
    LateReviewRequest,
    OutboundMessage,
    Participant,
    Representative,
    Ticket,
    complaint_issue,
    kinds,
)
from models.cases import complaint_involved, complaint_subject

from . import get_reads

# Related records listed by id (the history reads theirs): model -> the complaint's collection.
LISTED = {
    Extension: "extensions",
    InternalReview: "internal_reviews",
    ExternalReview: "external_reviews",
    Improvement: "improvements",
}

# The complaint's other collections, set empty when it has none.
COLLECTIONS = {
    "extension_request": "extension_requests",
    "representative": "representatives",
    "complaint_subject": "subjects",
    "complaint_involved": "involved",
    "complaint_issue": "issues",
}


def _probes(complaint_id):
    """kind -> the condition that the complaint has at least one of that kind."""
    by_complaint = {
        "extension_request": ExtensionRequest.complaint_id,
        "representative": Representative.complaint_id,
        "ticket": Ticket.complaint_id,
        "case_link": CaseLink.complaint_id,
        "late_review_request": LateReviewRequest.complaint_id,
        "complaint_subject": complaint_subject.c.complaint_id,
        "complaint_involved": complaint_involved.c.complaint_id,
        "complaint_issue": complaint_issue.c.complaint_id,
        "case_note": CaseNote.complaint_id,
        "attachment": Attachment.complaint_id,
        "inbound_message": InboundMessage.complaint_id,
        "outbound_message": OutboundMessage.complaint_id,
    }
    probes = {kind: exists().where(col == complaint_id) for kind, col in by_complaint.items()}
    probes["ended_clock_pause"] = exists().where(
        and_(
            ClockPause.case_type == kinds.COMPLAINT.name,
            ClockPause.case_id == complaint_id,
            ClockPause.ended_at.is_not(None),
        )
    )
    return probes


# The people its records name (subjects, involved staff, representatives, reviewers, who
# approved an extension, who asked for more time and who decided): the page asks at once
# whether each may be named, and reads them at once. Subjects and involved staff by their
# own mark: they are the complaint's collections of those names.
PEOPLE = (
    ("subjects", complaint_subject.c.participant_id, complaint_subject.c.complaint_id),
    ("involved", complaint_involved.c.participant_id, complaint_involved.c.complaint_id),
    ("person", Representative.participant_id, Representative.complaint_id),
    ("person", InternalReview.reviewer_id, InternalReview.complaint_id),
    ("person", Extension.approved_by_id, Extension.complaint_id),
    ("person", ExtensionRequest.requested_by_id, ExtensionRequest.complaint_id),
    ("person", ExtensionRequest.decided_by_id, ExtensionRequest.complaint_id),
)
PERSON_MARKS = {mark for mark, _, _ in PEOPLE}


class Contents:
    """What one complaint was found to hold: `ids` of the listed kinds (by model name),
    `present`: the other kinds it has any of, `people`: whom its records name."""

    def __init__(self, ids: dict[str, set[int]], present: set[str], people: set[int]):
        self.ids = ids
        self.present = present
        self.people = people
        self.read: list = []  # the people read for a GET's page, held for its request

    def has(self, kind: str) -> bool:
        return kind in self.present or bool(self.ids.get(kind))


@functools.cache
def _statement():
    """The one statement, built once (with the complaint's id as its parameter)."""
    complaint_id = bindparam("complaint_id")
    branches = [
        select(literal(model.__name__).label("kind"), model.id.label("id")).where(
            model.complaint_id == complaint_id
        )
        for model in LISTED
    ]
    branches += [
        select(literal(kind).label("kind"), literal(0).label("id")).where(condition)
        for kind, condition in _probes(complaint_id).items()
    ]
    branches += [
        select(literal(mark).label("kind"), person.label("id")).where(of == complaint_id)
        for mark, person, of in PEOPLE
    ]
    return union_all(*branches)


def read(session, complaint: Complaint) -> Contents:
    """One statement: the complaint's listed records by id and which other kinds it has.
    Sets empty every collection of the complaint it has none of (nothing reads them again)."""
    kept = get_reads.kept("case_contents")
    key = (kinds.COMPLAINT.name, complaint.id)
    if kept is not None and key in kept:
        return kept[key]
    ids: dict[str, set[int]] = {}
    present: set[str] = set()
    people: set[int] = set()
    marked: dict[str, list[int]] = {"subjects": [], "involved": []}
    listed = {model.__name__ for model in LISTED}
    for kind, record_id in session.execute(_statement(), {"complaint_id": complaint.id}):
        if kind in listed:
            ids.setdefault(kind, set()).add(record_id)
        elif kind in PERSON_MARKS:
            if record_id is not None:
                people.add(record_id)
                if kind in marked:
                    marked[kind].append(record_id)
        else:
            present.add(kind)
    found = Contents(ids, present, people)
    loaded = inspect(complaint).dict
    empty = [name for model, name in LISTED.items() if model.__name__ not in ids]
    if kept is not None:
        # The others only for a GET's page, which saves nothing: a request that may write
        # could add one by its key and then read the collection.
        empty += [name for kind, name in COLLECTIONS.items() if kind not in present]
    for name in empty:
        if name not in loaded:
            set_committed_value(complaint, name, [])
    if kept is not None:
        found.read = _read_people(session, complaint, people, marked)
        kept[key] = found
    return found


def _read_people(session, complaint: Complaint, people: set[int], marked: dict) -> list:
    """For a GET's page: every person its records name, read in one statement (their
    records' references to them, the history's names and the facts then need none), and
    its subjects and involved staff set from them. Returns those read, to be held for the
    request (the session keeps only records something holds)."""
    missing = [
        person_id
        for person_id in people
        if session.identity_map.get(session.identity_key(Participant, person_id)) is None
    ]
    read = (
        session.scalars(select(Participant).where(Participant.id.in_(missing))).all()
        if missing
        else []
    )
    loaded = inspect(complaint).dict
    for name, person_ids in marked.items():
        if name not in loaded and person_ids:
            set_committed_value(
                complaint,
                name,
                [session.get(Participant, person_id) for person_id in sorted(set(person_ids))],
            )
    return read


def known_empty(case_type: str, case_id, kind: str) -> bool:
    """Whether this GET request has already found that the case has none of `kind` (never
    asks the database: False when nobody has read the case's contents)."""
    kept = get_reads.kept("case_contents")
    if kept is None:
        return False
    found = kept.get((case_type, case_id))
    return found is not None and not found.has(kind)


def known_empty_of(case, kind: str) -> bool:
    found_kind = kinds.find_kind(case)
    if found_kind is None or getattr(case, "id", None) is None:
        return False
    return known_empty(found_kind.name, case.id, kind)
