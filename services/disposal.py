"""Retention and disposal: which cases are past their retention period, and the one path
that disposes of one (docs/records.md).

Disposal removes a case's personal content and keeps what the reports count: the
complainant's name and contact details (the person is unlinked, and blanked when no other
case names them), every free text (summary, description, outcome sought, reasons, root
cause, improvements' words, extension and review texts), the documents and their files,
the messages sent and received (their files too), the notes and contact log, and the
values the history kept of all of these. Kind, category, issues, classification, channel,
division, every date, the outcome, the reviews and the improvements' dates stay, so every
report counts the case as before. A `DisposalRecord` says what was removed, when, by whom
and under which authority, and the case's history says it was disposed of.

The history is append-only: on PostgreSQL its trigger lets only the database function
`history_entry_dispose` blank entries (models/cases.py); on SQLite this module's
`_blank_history` is the one place that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, literal, or_, select, text, update

from models import (
    Attachment,
    CaseLink,
    CaseNote,
    Complaint,
    ContactRestriction,
    DisposalRecord,
    HistoryEntry,
    IdempotencyKey,
    InboundMessage,
    LateReviewRequest,
    Notification,
    OutboundMessage,
    Participant,
    Representative,
    RestrictedContact,
    RetentionRule,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    User,
    outbound_attachment,
    search_index,
)
from rules import retention
from rules.errors import RuleViolation

from . import history

REMOVED = retention.REMOVED


@dataclass(frozen=True, slots=True)
class PastRetention:
    """A case whose retention period has ended and that has not been disposed of."""

    case_type: str
    case_id: int
    reference: str
    case_kind: str
    closed_at: datetime
    kept_until: datetime
    years: int
    division_id: int | None


def rules_by_kind(session) -> dict[str, RetentionRule]:
    return {rule.case_kind: rule for rule in session.scalars(select(RetentionRule))}


def case_kind_of(case) -> str:
    return case.kind if isinstance(case, Complaint) else "ticket"


def past_retention(session, now: datetime, *, complaint_scope=None) -> list[PastRetention]:
    """Every case past its retention at `now`, oldest closed first. complaint_scope: a
    where-clause on Complaint limiting the complaints listed (tickets are the desk's)."""
    found = []
    for kind, rule in rules_by_kind(session).items():
        before = retention.closed_before(now, rule.years)
        if kind == "ticket":
            rows = session.execute(
                select(Ticket.id, Ticket.reference, Ticket.closed_at).where(
                    Ticket.closed_at.is_not(None),
                    Ticket.closed_at <= before,
                    Ticket.disposed_at.is_(None),
                )
            ).all()
            found += [
                PastRetention(
                    "ticket",
                    i,
                    ref,
                    kind,
                    closed,
                    retention.kept_until(closed, rule.years),
                    rule.years,
                    None,
                )
                for i, ref, closed in rows
            ]
            continue
        query = select(
            Complaint.id, Complaint.reference, Complaint.closed_at, Complaint.division_id
        ).where(
            Complaint.kind == kind,
            Complaint.closed_at.is_not(None),
            Complaint.closed_at <= before,
            Complaint.disposed_at.is_(None),
        )
        if complaint_scope is not None:
            query = query.where(complaint_scope)
        found += [
            PastRetention(
                "complaint",
                i,
                ref,
                kind,
                closed,
                retention.kept_until(closed, rule.years),
                rule.years,
                division,
            )
            for i, ref, closed, division in session.execute(query).all()
        ]
    return sorted(found, key=lambda row: (row.closed_at, row.reference))


def dispose(session, case, user, now: datetime, folder: Path) -> DisposalRecord:
    """Dispose of a complaint or ticket past its retention period; the caller commits
    (RuleViolation, nothing changed, when it may not be disposed of)."""
    kind = case_kind_of(case)
    rule = rules_by_kind(session).get(kind)
    problem = retention.disposal_problem(
        reference=case.reference,
        closed_at=case.closed_at,
        disposed_at=case.disposed_at,
        years=rule.years if rule is not None else None,
        authority=rule.authority if rule is not None else "",
        now=now,
    )
    if problem:
        raise RuleViolation(problem)
    if isinstance(case, Complaint):
        removed, blanked = _empty_complaint(session, case, folder)
    else:
        removed, blanked = _empty_ticket(session, case, folder)
    case.disposed_at = now
    session.flush()
    # The entries the flush just wrote hold the old values too: blanked with the rest.
    for record_type, ids in blanked.items():
        _blank_history(session, record_type, ids)
    search_index.purge_removed(session.connection())
    record = DisposalRecord(
        case_type="complaint" if isinstance(case, Complaint) else "ticket",
        case_id=case.id,
        reference=case.reference,
        case_kind=kind,
        closed_at=case.closed_at,
        disposed_at=now,
        disposed_by=user,
        retention_years=rule.years,
        record_class=rule.record_class,
        authority=rule.authority,
        removed="; ".join(removed) or "nothing personal was left",
    )
    session.add(record)
    history.note(
        session,
        case,
        "dispose",
        f"Disposed of {rule.years} years after it closed, under {rule.authority}: "
        "personal content removed",
    )
    return record


# --- what a disposal empties -------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _remove_files(session, folder: Path, attachments, messages) -> None:
    message_ids = [m.id for m in messages]
    if message_ids:
        session.execute(
            delete(outbound_attachment).where(
                outbound_attachment.c.outbound_message_id.in_(message_ids)
            )
        )
    for attachment in attachments:
        (folder / attachment.stored_name).unlink(missing_ok=True)
        session.execute(
            delete(outbound_attachment).where(outbound_attachment.c.attachment_id == attachment.id)
        )
        session.delete(attachment)


def _empty_messages(session, folder: Path, inbound, outbound) -> None:
    for message in inbound:
        if message.raw_stored_name:
            (folder / message.raw_stored_name).unlink(missing_ok=True)
        message.raw_stored_name = None
        message.message_id = f"disposed-{message.id}"
        message.from_address = None
        message.from_name = None
        message.to_address = None
        message.subject = REMOVED
        message.in_reply_to = None
        message.references_header = None
        message.body_text = None
        message.body_html = None
        message.sha256 = None
        message.reason = None
    for message in outbound:
        message.recipient_address = None
        message.recipient_name = None
        message.subject = REMOVED
        message.body = REMOVED
        message.last_error = None
        message.in_reply_to = None
        message.references_header = None


def _case_files(session, column_values: list) -> tuple[list, list, list]:
    """(attachments, inbound, outbound) of the cases named by (column, ids) pairs."""

    def where(model):
        return or_(*(getattr(model, column).in_(ids) for column, ids in column_values if ids))

    attachments = session.scalars(select(Attachment).where(where(Attachment))).all()
    inbound = session.scalars(select(InboundMessage).where(where(InboundMessage))).all()
    outbound = session.scalars(select(OutboundMessage).where(where(OutboundMessage))).all()
    return list(attachments), list(inbound), list(outbound)


def _unlink_person(session, case, field: str, others) -> list[int]:
    """Unlink the case's person; blank them when no case still open to them names them.
    Returns the ids of the people blanked."""
    person = getattr(case, field)
    if person is None:
        return []
    setattr(case, field, None)
    account = select(User.id).where(User.participant_id == person.id).limit(1)
    if person.kind == "staff" or session.scalar(account) is not None:
        return []
    contacts = select(Participant.id).where(Participant.organisation_id == person.id)
    if any(session.scalar(query.limit(1)) is not None for query in (contacts,)):
        return []
    if any(session.scalar(query.limit(1)) is not None for query in others(person.id)):
        return []
    _blank_person(person)
    return [person.id]


def _empty_complaint(session, complaint, folder: Path):
    review_ids = [r.id for r in complaint.internal_reviews]
    columns = [("complaint_id", [complaint.id]), ("internal_review_id", review_ids)]
    attachments, inbound, outbound = _case_files(session, columns)
    notes = session.execute(
        delete(CaseNote).where(
            or_(CaseNote.complaint_id == complaint.id, CaseNote.internal_review_id.in_(review_ids))
        )
    ).rowcount
    _remove_files(session, folder, attachments, outbound)
    _empty_messages(session, folder, inbound, outbound)
    for review in complaint.internal_reviews:
        review.late_reason = None
        review.findings = None
    for review in complaint.external_reviews:
        review.outcome = None
    for extension in complaint.extensions:
        extension.reason = REMOVED
    for request in complaint.extension_requests:
        request.reason = REMOVED
        request.decision_note = None
    for improvement in complaint.improvements:
        improvement.description = REMOVED
        improvement.made_by = REMOVED
    complaint.summary = REMOVED
    complaint.description = None
    complaint.outcome_sought = None
    complaint.outcome_reason = None
    complaint.root_cause = None
    if complaint.change_made:
        complaint.change_made = REMOVED
    complaint.lodgement_key = None
    people = _unlink_person(
        session,
        complaint,
        "complainant",
        lambda pid: (
            select(Complaint.id).where(
                Complaint.complainant_id == pid,
                Complaint.id != complaint.id,
                Complaint.disposed_at.is_(None),
            ),
            select(Ticket.id).where(or_(Ticket.client_id == pid, Ticket.contact_id == pid)),
            select(Representative.id).where(Representative.participant_id == pid),
            select(ContactRestriction.id).where(
                ContactRestriction.participant_id == pid,
                ContactRestriction.complaint_id != complaint.id,
            ),
        ),
    )
    people += _empty_representatives(session, complaint)
    restrictions = _empty_conduct_records(session, complaint)
    _empty_linked(session, "complaint", complaint.id, complaint.reference)
    session.execute(
        update(LateReviewRequest)
        .where(LateReviewRequest.complaint_id == complaint.id)
        .values(grounds=REMOVED, decision_reason=None)
    )
    _forget_api_answers(session, complaint.reference)
    removed = [
        "complainant's and representatives' names and contact details",
        "summary, description, outcome sought, reasons, root cause and other free text",
        _count(len(attachments), "document"),
        _count(len(inbound) + len(outbound), "message"),
        _count(notes, "note"),
    ]
    blanked = {
        "Complaint": [complaint.id],
        "InternalReview": review_ids,
        "ExternalReview": [r.id for r in complaint.external_reviews],
        "Extension": [e.id for e in complaint.extensions],
        "Improvement": [i.id for i in complaint.improvements],
        "Participant": people,
        "Representative": [r.id for r in complaint.representatives],
        "ContactRestriction": restrictions,
    }
    return removed, blanked


def _empty_ticket(session, ticket, folder: Path):
    attachments, inbound, outbound = _case_files(session, [("ticket_id", [ticket.id])])
    notes = session.execute(delete(CaseNote).where(CaseNote.ticket_id == ticket.id)).rowcount
    _remove_files(session, folder, attachments, outbound)
    _empty_messages(session, folder, inbound, outbound)
    ticket.summary = REMOVED
    ticket.description = None
    people = _unlink_person(
        session,
        ticket,
        "contact",
        lambda pid: (
            select(Complaint.id).where(
                Complaint.complainant_id == pid, Complaint.disposed_at.is_(None)
            ),
            select(Ticket.id).where(
                or_(Ticket.client_id == pid, Ticket.contact_id == pid),
                Ticket.id != ticket.id,
                Ticket.disposed_at.is_(None),
            ),
        ),
    )
    _empty_linked(session, "ticket", ticket.id, ticket.reference)
    _forget_api_answers(session, ticket.reference)
    removed = [
        "contact's name and contact details",
        "summary and description",
        _count(len(attachments), "document"),
        _count(len(inbound) + len(outbound), "message"),
        _count(notes, "note"),
    ]
    return removed, {"Ticket": [ticket.id], "Participant": people}


def _empty_representatives(session, complaint) -> list[int]:
    """The complaint's representatives: their authority's words go, and each person is
    blanked when no other case or representation names them."""
    blanked = []
    for representative in complaint.representatives:
        representative.authority = REMOVED
        representative.authority_notes = None
        person = representative.participant
        if person is None or person.kind == "staff":
            continue
        others = (
            select(Representative.id).where(
                Representative.participant_id == person.id,
                Representative.complaint_id != complaint.id,
            ),
            select(Complaint.id).where(
                Complaint.complainant_id == person.id, Complaint.disposed_at.is_(None)
            ),
            select(Ticket.id).where(
                or_(Ticket.client_id == person.id, Ticket.contact_id == person.id)
            ),
        )
        if any(session.scalar(query.limit(1)) is not None for query in others):
            continue
        _blank_person(person)
        blanked.append(person.id)
    return blanked


def _empty_conduct_records(session, complaint) -> list[int]:
    """Restrictions of contact decided on the complaint, and contacts recorded under
    them: their words go; channels and dates stay."""
    restrictions = session.scalars(
        select(ContactRestriction).where(ContactRestriction.complaint_id == complaint.id)
    ).all()
    for restriction in restrictions:
        restriction.conduct = REMOVED
        restriction.subject_matter = None
        restriction.contact_times = None
        restriction.permitted_contact = None
        restriction.lift_reason = None
    session.execute(
        update(RestrictedContact)
        .where(RestrictedContact.complaint_id == complaint.id)
        .values(summary=REMOVED)
    )
    return [r.id for r in restrictions]


def _empty_linked(session, case_type: str, case_id: int, reference: str) -> None:
    """Survey comments, the complainant's links to the case, and the words of the
    notifications officers were sent about it."""
    column = getattr(SurveyInvitation, f"{case_type}_id")
    invitations = select(SurveyInvitation.id).where(column == case_id)
    session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.invitation_id.in_(invitations))
        .values(comment=None)
    )
    session.execute(delete(CaseLink).where(getattr(CaseLink, f"{case_type}_id") == case_id))
    session.execute(
        update(Notification)
        .where(Notification.case_type == case_type, Notification.case_id == case_id)
        .values(title=reference)
    )


def _blank_person(person) -> None:
    person.given_name = None
    person.family_name = REMOVED
    person.organisation_name = None
    person.email = None
    person.phone = None
    person.address = None
    person.position_title = None


def _forget_api_answers(session, reference: str) -> None:
    """The API keeps its answers to repeated requests a while: those naming the case go."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.response_body.contains(reference)))


def _blank_history(session, record_type: str, ids) -> None:
    ids = [int(i) for i in ids if i is not None]
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT history_entry_dispose(:record_type, :ids)"),
            {"record_type": record_type, "ids": ids},
        )
        return
    session.execute(
        update(HistoryEntry)
        .where(HistoryEntry.record_type == record_type, HistoryEntry.record_id.in_(ids))
        .values(
            changes=None,
            summary=literal("Content removed on disposal (")
            .concat(HistoryEntry.action)
            .concat(")"),
        )
    )
