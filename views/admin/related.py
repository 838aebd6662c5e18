"""A case's related records on its details page, each a link both ways: a complaint's
complainant, reviews, extensions, tickets and letters; a review's, extension's or ticket's
complaint; a participant's cases, as complainant, client or contact, and as officer.
Nobody retypes a reference into a search box.

A record is a link only when the signed-in officer may open it (the permission table and
the row scope of its screen); otherwise it is named without a link, and a confidential
complainant is not named at all to whoever may not see them.
"""

from flask import url_for
from sqlalchemy import literal, select, union_all

from models import (
    Complaint,
    Extension,
    ExternalReview,
    InternalReview,
    OutboundMessage,
    Participant,
    Representative,
    Ticket,
    db,
    kinds,
)
from rules import conduct as conduct_rules
from rules import correspondence as letters
from rules import permissions
from rules.confidentiality import MASK
from rules.vocabulary import (
    COMPLAINT_STATUSES,
    EXTERNAL_BODIES,
    EXTERNAL_REVIEW_STATUSES,
    REVIEW_STATUSES,
    TICKET_STATUSES,
)
from services import access, case_contents, timeline

from ..context import current_actor, visibility

SCREENS = {
    **{kind.model: kind.name for kind in kinds.KINDS},
    ExternalReview: "external_review",
    Extension: "extension",
    Participant: "participant",
    OutboundMessage: "outboundmessage",
    Representative: "representative",
}


def opens(record, via=None) -> bool:
    """Whether the signed-in officer may open the record's details page (`via`: the
    complaint whose page names the record, which can decide it without a query)."""
    actor = current_actor()
    screen = SCREENS[type(record)]
    if not permissions.allowed(access.capacity_codes(actor), screen, "view"):
        return False
    return access.may(db.session, actor, screen, "view", record, via=via)


def link(record, text: str, via=None) -> dict:
    url = None
    if opens(record, via):
        url = url_for(f"{SCREENS[type(record)]}.details_view", id=record.id)
    return {"text": text, "url": url}


def links(pairs) -> list[dict]:
    """[(record, text)] as links, whether each may be opened read in one statement for
    every kind of record together, however many records."""
    pairs = list(pairs)
    ids: dict[type, list[int]] = {}
    for record, _ in pairs:
        ids.setdefault(type(record), []).append(record.id)
    actor = current_actor()
    capacities = access.capacity_codes(actor)
    asked = [
        select(literal(SCREENS[model]).label("screen"), model.id.label("id")).where(
            model.id.in_(wanted), access.rows(actor, SCREENS[model], "view")
        )
        for model, wanted in ids.items()
        if permissions.allowed(capacities, SCREENS[model], "view")
    ]
    openable: set[tuple[str, int]] = set()
    if asked:
        openable = {
            (screen, record_id)
            for screen, record_id in db.session.execute(
                asked[0] if len(asked) == 1 else union_all(*asked)
            )
        }
    return [
        {
            "text": text,
            "url": url_for(f"{SCREENS[type(record)]}.details_view", id=record.id)
            if (SCREENS[type(record)], record.id) in openable
            else None,
        }
        for record, text in pairs
    ]


def group(title: str, links: list[dict]) -> dict:
    return {"title": title, "links": links}


class RelatedRecords:
    """Mixed into the case screens: `related` for admin/_related.html."""

    def related_records(self, model) -> list[dict]:
        groups = []
        if isinstance(model, Ticket):
            # A ticket's client organisation and contact: not complainants, never masked.
            people = [
                link(person, person.display_name)
                for person in (model.client, model.contact)
                if person is not None
            ]
            groups.append(group("Client and contact", people))
        complaint = kinds.complaint_of(model)
        if complaint is not None:
            status = COMPLAINT_STATUSES.get(complaint.status, complaint.status)
            groups.append(
                group("Complaint", [link(complaint, f"{complaint.reference}, {status}")])
            )
        return groups

    def details_context(self, model):
        context = super().details_context(model)
        context["related"] = [g for g in self.related_records(model) if g["links"]]
        return context


# The newest letters named among the related records (the timeline has them all).
LETTERS_SHOWN = 10


class ComplaintRelatedRecords(RelatedRecords):
    def related_records(self, model) -> list[dict]:
        local = lambda instant: self.zoned_text(instant, model)  # noqa: E731
        groups = []
        if model.complainant is not None:
            if visibility().shows_complainant(model):
                person = model.complainant
                groups.append(group("Complainant", [link(person, person.display_name, via=model)]))
            else:
                groups.append(group("Complainant", [{"text": MASK, "url": None}]))
        # Named as the complainant is (hidden from whoever may not see the complainant).
        current = [r for r in model.representatives if r.ended_at is None]
        shows = visibility().shows_complainant(model)
        named = [(r, representative_text(r)) for r in current] if shows else []
        masked = [] if shows else [{"text": MASK, "url": None} for _ in current]
        internal = [
            (
                review,
                f"{REVIEW_STATUSES.get(review.status, review.status)}, requested "
                f"{local(review.requested_at)}",
            )
            for review in model.internal_reviews
        ]
        external = [
            (
                review,
                f"{EXTERNAL_BODIES.get(review.body, review.body)}, "
                f"{EXTERNAL_REVIEW_STATUSES.get(review.status, review.status)}",
            )
            for review in model.external_reviews
        ]
        extensions = [
            (extension, f"To {local(extension.new_due_at)}: {extension.reason}")
            for extension in model.extensions
        ]
        tickets = [
            (t, f"{t.reference}, {TICKET_STATUSES.get(t.status, t.status)}")
            for t in (
                []
                if case_contents.known_empty_of(model, "ticket")
                else db.session.scalars(
                    select(Ticket).where(Ticket.complaint_id == model.id).order_by(Ticket.id)
                )
            )
        ]
        letters_shown = [
            (
                message,
                f"{message.subject} "
                f"({letters.STATUSES.get(message.status, message.status)}, "
                f"{local(message.created_at)})",
            )
            # The timeline's letters, read once for the page.
            for message in sorted(
                timeline.letters_of(db.session, model),
                key=lambda message: (message.created_at, message.id),
                reverse=True,
            )[:LETTERS_SHOWN]
        ]
        # One check per screen for all of them: the page costs the same for many records.
        found = iter(links(named + internal + external + extensions + tickets + letters_shown))
        groups.append(group("Representatives", masked + [next(found) for _ in named]))
        groups.append(group("Internal reviews", [next(found) for _ in internal]))
        groups.append(group("External reviews", [next(found) for _ in external]))
        groups.append(group("Extensions", [next(found) for _ in extensions]))
        groups.append(group("Tickets", [next(found) for _ in tickets]))
        letter_links = [next(found) for _ in letters_shown]
        if len(letter_links) == LETTERS_SHOWN:
            letter_links.append(
                {
                    "text": f"The newest {LETTERS_SHOWN}; every one is on the timeline",
                    "url": None,
                }
            )
        if letter_links and model.reference and may_list("outboundmessage"):
            # The outbox has no filter by case: its search finds the reference in subjects.
            letter_links.append(
                {
                    "text": f"Search the outbox for {model.reference}",
                    "url": url_for("outboundmessage.index_view", search=model.reference),
                }
            )
        groups.append(group("Letters and emails", letter_links))
        return groups


def representative_text(representative) -> str:
    kind = conduct_rules.REPRESENTATIVE_KINDS.get(representative.kind, representative.kind)
    letters_go = conduct_rules.REPRESENTATIVE_LETTERS.get(representative.letters, "")
    return f"{representative.participant.display_name}, {kind}: {letters_go}"


def may_list(screen: str) -> bool:
    return permissions.allowed(access.capacity_codes(current_actor()), screen, "list")


# The newest of each kind of a person's cases listed on their page.
PERSON_CASES = 50


def _newest(model, *conditions):
    """The newest of the person's cases of this kind that the reader may open: a case out
    of their scope is not even named on a person's page."""
    actor = current_actor()
    screen = SCREENS[model]
    if not permissions.allowed(access.capacity_codes(actor), screen, "view"):
        return []
    return db.session.scalars(
        select(model)
        .where(*conditions, access.rows(actor, screen, "view"))
        .order_by(model.id.desc())
        .limit(PERSON_CASES)
    ).all()


def _complaint_text(complaint) -> str:
    status = COMPLAINT_STATUSES.get(complaint.status, complaint.status)
    return f"{complaint.reference or 'New complaint'}, {status}"


def _ticket_text(ticket) -> str:
    status = TICKET_STATUSES.get(ticket.status, ticket.status)
    return f"{ticket.reference or 'New ticket'}, {status}"


class ParticipantRelatedRecords:
    """Mixed into the participant screen: `related` for admin/_related.html, the cases the
    person is on, each a link where the reader may open it. A confidential complainant the
    reader may not see has no cases listed as complainant (that would name them)."""

    def participant_cases(self, person) -> list[dict]:
        groups = []
        if visibility().shows_person(person):
            groups.append(
                group(
                    "Complaints made",
                    links(
                        (c, _complaint_text(c))
                        for c in _newest(Complaint, Complaint.complainant_id == person.id)
                    ),
                )
            )
        groups.append(
            group(
                "Tickets (client or contact)",
                links(
                    (t, _ticket_text(t))
                    for t in _newest(
                        Ticket, (Ticket.client_id == person.id) | (Ticket.contact_id == person.id)
                    )
                ),
            )
        )
        groups.append(
            group(
                "Complaints handled (coordinator, manager or decision maker)",
                links(
                    (c, _complaint_text(c))
                    for c in _newest(
                        Complaint,
                        (Complaint.coordinator_id == person.id)
                        | (Complaint.manager_id == person.id)
                        | (Complaint.decision_maker_id == person.id),
                    )
                ),
            )
        )
        groups.append(
            group(
                "Internal reviews conducted",
                links(
                    (r, str(r))
                    for r in _newest(InternalReview, InternalReview.reviewer_id == person.id)
                ),
            )
        )
        groups.append(
            group(
                "Tickets worked (support agent)",
                links((t, _ticket_text(t)) for t in _newest(Ticket, Ticket.agent_id == person.id)),
            )
        )
        return [g for g in groups if g["links"]]
