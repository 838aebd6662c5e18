"""What the demo's finalised complaints taught: the issues they raised, a systemic issue
and its root cause, and the improvements they led to, so that the complaint pages, the
Improvements report and the annual publication's further action have something to show."""

from datetime import timedelta

from sqlalchemy import select

from models import Category, Complaint, Improvement

# (root cause, what was changed, who made it): one per complaint, in turn.
LESSONS = (
    (
        "The fee schedule on the website and the counter's printed sheet disagreed.",
        "One fee schedule, published on the website and printed from it for the counters.",
        "Customer Services Branch",
    ),
    (
        "Acknowledgement letters were sent only once a file was opened, days after receipt.",
        "Acknowledgements are now sent on registration, from the register itself.",
        "Complaints Coordination Unit",
    ),
    (
        "Staff on the phone line had no script for questions about review rights.",
        "A call script on review rights, with training for every phone officer.",
        "Contact Centre",
    ),
    (
        "The online form lost attachments larger than 5 MB without saying so.",
        "The form now says how large a file may be and refuses larger ones with a message.",
        "Digital Services",
    ),
)


def load_improvements(session, now) -> int:
    """Issues, a systemic issue, a root cause and an improvement on a few finalised
    complaints (only changes made before `now`); returns how many improvements."""
    categories = session.scalars(select(Category).order_by(Category.sort_order)).all()
    finalised = session.scalars(
        select(Complaint)
        .where(
            Complaint.kind == "complaint",
            Complaint.finalised_at.is_not(None),
            Complaint.category_id.is_not(None),
        )
        .order_by(Complaint.finalised_at.desc(), Complaint.id)
        .limit(len(LESSONS) * 2)
    ).all()
    made = 0
    for number, complaint in enumerate(finalised):
        others = [c for c in categories if c.id != complaint.category_id]
        complaint.issues = [complaint.category, *others[number % max(len(others), 1) :][:1]]
        if number >= len(LESSONS):
            continue
        root_cause, change, who = LESSONS[number]
        complaint.systemic_issue = number % 2 == 0
        complaint.root_cause = root_cause
        when = min(complaint.finalised_at + timedelta(days=14 + 7 * number), now)
        session.add(
            Improvement(complaint=complaint, description=change, made_by=who, made_at=when)
        )
        made += 1
    session.commit()
    return made
