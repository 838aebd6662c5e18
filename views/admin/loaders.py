"""AJAX pickers: type part of a name, choose the person or case.

A picker offers, and accepts when a form is posted, only what its user may reach: the
complaints in their scope, the people in their scope on the participant screen, and never
a confidential complainant hidden from them.
"""

from flask import g, request
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from sqlalchemy import String, cast, or_

from models import Complaint, Participant, db
from rules import duties
from rules.errors import RuleViolation
from services import access, caseload, confidentiality, steps

from ..context import current_actor


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _pk(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class WordsLoader(QueryAjaxModelLoader):
    """Every typed word must match one of the fields ("sam cit" finds Sam Citizen)."""

    def __init__(self, name, model, fields, order_by):
        super().__init__(name, db, model, fields=fields)
        self.ordering = order_by

    def restrict(self, query):
        return query

    def get_query(self):
        return self.restrict(super().get_query())

    def get_one(self, pk):
        pk = _pk(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(self.model.id == pk).one_or_none()

    def get_list(self, term, offset=0, limit=10):
        query = self.get_query()
        for word in (term or "").split():
            query = query.filter(
                or_(
                    *(
                        cast(field, String).ilike(_like(word), escape="\\")
                        for field in self._cached_fields
                    )
                )
            )
        return query.order_by(*self.ordering).offset(offset or 0).limit(min(limit or 10, 50)).all()


class ParticipantLoader(WordsLoader):
    """People and organisations, optionally only of some kinds (e.g. staff for officers)."""

    def __init__(self, name, kinds=None):
        super().__init__(
            name,
            Participant,
            fields=[
                Participant.given_name,
                Participant.family_name,
                Participant.organisation_name,
                Participant.email,
            ],
            order_by=[
                Participant.family_name,
                Participant.given_name,
                Participant.organisation_name,
                Participant.id,
            ],
        )
        self.kinds = tuple(kinds or ())

    def restrict(self, query):
        if self.kinds:
            query = query.filter(Participant.kind.in_(self.kinds))
        condition = access.rows(current_actor(), "participant", "view")
        if not access.is_everything(condition):
            query = query.filter(condition)
        return query.filter(confidentiality.person_visible(current_actor(), Participant.id))


class ComplaintLoader(WordsLoader):
    """Complaints by reference or summary, only those the signed-in user may see."""

    def __init__(self, name):
        super().__init__(
            name,
            Complaint,
            fields=[Complaint.reference, Complaint.summary],
            order_by=[Complaint.received_at.desc(), Complaint.id.desc()],
        )

    def restrict(self, query):
        condition = access.rows(current_actor(), "complaint", "view")
        if access.is_everything(condition):
            return query
        return query.filter(condition)


class StaffLoader(ParticipantLoader):
    """Officers, each with their open caseload beside their name ("· 3 open")."""

    def __init__(self, name):
        super().__init__(name, kinds=("staff",))

    def get_list(self, term, offset=0, limit=10):
        found = super().get_list(term, offset, limit)
        # One count for the whole list, read by `format` for each officer.
        g.officer_caseloads = caseload.open_caseloads(person.id for person in found)
        return found

    def format(self, model):
        shown = super().format(model)
        if shown is None:
            return None
        loads = g.get("officer_caseloads")
        if loads is None:
            loads = caseload.open_caseloads([model.id])
        return shown[0], caseload.with_caseload(shown[1], loads[model.id])


class DecisionMakerLoader(StaffLoader):
    """Officers who may decide beside the complaint manager chosen on the form (the page's
    script sends it as `manager`): those ranking above them (separation of duties, rule
    1). Without a manager, every officer; the save checks the rules whichever is chosen."""

    def get_list(self, term, offset=0, limit=10):
        found = super().get_list(term, offset, limit)
        try:
            manager = steps.staff_member(request.args.get("manager"))
        except RuleViolation:  # not a staff member: narrows nothing
            manager = None
        if manager is None:
            return found
        allowed = {
            choice.id
            for choice in duties.eligible_decision_makers(
                steps.officer(manager), [steps.officer(person) for person in found]
            )
        }
        return [person for person in found if person.id in allowed]


def staff(name):
    return StaffLoader(name)


def decision_makers(name):
    return DecisionMakerLoader(name)


def anyone(name):
    return ParticipantLoader(name)


def clients(name):
    return ParticipantLoader(name, kinds=("client_organisation",))
