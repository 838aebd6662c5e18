"""Answered "How it went" surveys for the demo, so that its satisfaction report has figures:
each complaint finalised and each ticket resolved in the demo's past (with an email address
to write to) was sent its survey the next day, and about half were answered within a few
days. The scores lean on the outcome: an upheld complaint is happier than one not upheld.
The links' tokens are thrown away; only their hashes are kept, as for a real survey."""

import hashlib
import random
import secrets
from datetime import timedelta

from sqlalchemy import select

from models import (
    Complaint,
    Outcome,
    Participant,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
)

ANSWERED_SHARE = 0.55
VALID_DAYS = 30
# Score weights (1 to 5) by how the case ended.
SCORES_BY_OUTCOME = {
    "upheld": (1, 1, 2, 5, 6),
    "partly_upheld": (1, 2, 3, 5, 3),
    "resolved": (1, 1, 2, 5, 5),
    "not_upheld": (4, 4, 3, 2, 1),
}
OTHER_SCORES = (2, 2, 3, 4, 3)
TICKET_SCORES = (1, 1, 2, 6, 6)
COMMENTS = (
    "The officer kept me informed the whole way through.",
    "It took longer than I expected, but the answer was clear.",
    "Nobody called me back when they said they would.",
    "Thank you for fixing it so quickly.",
    "I still do not agree with the decision.",
    "",
    "",
    "",
)


def _cases(session, now):
    complaints = session.execute(
        select(Complaint.id, Complaint.finalised_at, Outcome.code, Participant.email)
        .join(Participant, Participant.id == Complaint.complainant_id)
        .outerjoin(Outcome, Outcome.id == Complaint.outcome_id)
        .where(
            Complaint.kind == "complaint",
            Complaint.finalised_at.is_not(None),
            Complaint.finalised_at < now - timedelta(days=1),
            Participant.email.is_not(None),
        )
        .order_by(Complaint.id)
    ).all()
    tickets = session.execute(
        select(Ticket.id, Ticket.resolved_at)
        .where(Ticket.resolved_at.is_not(None), Ticket.resolved_at < now - timedelta(days=1))
        .order_by(Ticket.id)
    ).all()
    return complaints, tickets


def load_surveys(session, now) -> tuple[int, int]:
    """Surveys sent and answered for the demo's finished cases; returns (sent, answered)."""
    rng = random.Random(2026)
    complaints, tickets = _cases(session, now)
    invited = set(
        session.execute(select(SurveyInvitation.complaint_id, SurveyInvitation.ticket_id))
    )
    asked_complaints = {c for c, _ in invited if c is not None}
    asked_tickets = {t for _, t in invited if t is not None}
    cases = [
        ("complaint", case_id, finished, SCORES_BY_OUTCOME.get(outcome, OTHER_SCORES))
        for case_id, finished, outcome, _ in complaints
        if case_id not in asked_complaints
    ] + [
        ("ticket", case_id, finished, TICKET_SCORES)
        for case_id, finished in tickets
        if case_id not in asked_tickets
    ]
    sent = answered = 0
    for kind, case_id, finished, weights in cases:
        sent_at = finished + timedelta(days=1)
        token = secrets.token_urlsafe(32)
        invitation = SurveyInvitation(
            case_kind=kind,
            complaint_id=case_id if kind == "complaint" else None,
            ticket_id=case_id if kind == "ticket" else None,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_at=finished,
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=VALID_DAYS),
        )
        session.add(invitation)
        sent += 1
        answered_at = sent_at + timedelta(hours=rng.randint(2, 24 * 6))
        if rng.random() >= ANSWERED_SHARE or answered_at > now:
            continue
        session.flush()
        score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
        session.add(
            SurveyResponse(
                invitation_id=invitation.id,
                satisfaction=score,
                handled_in_time=rng.random() < (0.35 + 0.12 * score),
                fair=rng.random() < (0.3 + 0.14 * score),
                comment=rng.choice(COMMENTS) or None,
                answered_at=answered_at,
            )
        )
        answered += 1
    session.commit()
    return sent, answered
