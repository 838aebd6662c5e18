"""Extensions checked on every save, whatever the door (admin form, import, command, a direct
session save): the rules in rules/extensions.py applied to the records of this flush.

A new due that is not at closing time of a business day is moved there, and the move is
noted in the complaint's history and kept on the record (`moved_from`) for the door to say
so. An approved extension stands as approved: its complaint, new due and approver are not
rewritten afterwards (a change of plan is a new extension, approved again).
"""

from sqlalchemy import inspect, select

from models import Capacity, Complaint, Extension, Participant, User, changes_of
from rules import extensions
from rules.correspondence import instant_in_words
from rules.errors import RuleViolation
from rules.vocabulary import COORDINATOR

from . import history, localtime
from .clocks import Clocks


def before_flush(session) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Extension) or obj in session.deleted:
            continue
        with session.no_autoflush:
            if inspect(obj).key is not None:
                _refuse_rewrite(session, obj)
            else:
                _judge_new(session, obj)


# The columns an approval fixes, and the relationship that sets each.
FIXED = {"complaint_id": "complaint", "new_due_at": None, "approved_by_id": "approved_by"}


def _refuse_rewrite(session, extension: Extension) -> None:
    stored = None
    for column, relationship in FIXED.items():
        for name in (column, relationship):
            if name is None:
                continue
            hist = changes_of(extension, name)
            if not hist.added:
                continue
            value = hist.added[0]
            if relationship is not None and name == relationship:
                value = getattr(value, "id", value)
            if stored is None:
                # The values as approved (an expired attribute has no old value to hand).
                stored = (
                    session.execute(
                        select(*(getattr(Extension, c) for c in FIXED)).where(
                            Extension.id == extension.id
                        )
                    )
                    .one()
                    ._mapping
                )
            if value != stored[column]:
                raise RuleViolation(
                    "An approved extension stands as approved: its complaint, new resolution "
                    "due and approver are not changed afterwards. To change the plan, record a "
                    "new extension and have it approved."
                )


def _judge_new(session, extension: Extension) -> None:
    complaint = extension.complaint or (
        session.get(Complaint, extension.complaint_id) if extension.complaint_id else None
    )
    if complaint is None:
        raise RuleViolation("An extension needs the complaint it extends.")
    reference = complaint.reference or "this complaint"
    timezone = localtime.case_timezone(complaint, localtime.settings_in_force())
    approver = extension.approved_by or (
        session.get(Participant, extension.approved_by_id) if extension.approved_by_id else None
    )
    problems = extensions.approval_problems(
        reference,
        extensions.Approval(
            approver_id=approver.id if approver is not None else None,
            approver_name=approver.short_name if approver is not None else "",
            approver_is_coordinator=approver is not None and _is_coordinator(session, approver),
            manager_id=complaint.manager_id
            or (complaint.manager.id if complaint.manager is not None else None),
            decision_maker_id=complaint.decision_maker_id
            or (complaint.decision_maker.id if complaint.decision_maker is not None else None),
        ),
    )
    if extension.new_due_at is not None:
        clocks = Clocks.of(session)
        calendar = clocks.engine(clocks.calendar_id_of(complaint))
        moved = extensions.at_closing_time(calendar, extension.new_due_at)
        if moved != extension.new_due_at:
            extension.moved_from = extension.new_due_at
            extension.new_due_at = moved
            history.note(
                session,
                complaint,
                "extension_moved",
                f"The extension's new resolution due, "
                f"{instant_in_words(extension.moved_from, timezone)}, is not closing time of "
                f"a business day: moved to {instant_in_words(moved, timezone)}.",
            )
    problems += extensions.due_problems(
        reference, extension.new_due_at, _due_it_extends(complaint, extension), timezone
    )
    if problems:
        raise RuleViolation("\n".join(problems))


def _due_it_extends(complaint: Complaint, extension: Extension):
    """The resolution due in force before this extension: the latest extension approved before
    it, or the due the complaint carries now (the flush has not moved it yet)."""
    earlier = [
        other.new_due_at
        for other in complaint.extensions
        if other is not extension and other.id is not None and other.new_due_at is not None
    ]
    if earlier:
        return max(earlier)
    return complaint.resolution_due_at


def _is_coordinator(session, person: Participant) -> bool:
    return (
        session.execute(
            select(User.id)
            .join(User.capacities)
            .where(
                User.participant_id == person.id,
                User.active.is_(True),
                Capacity.code == COORDINATOR,
            )
            .limit(1)
        ).first()
        is not None
    )
