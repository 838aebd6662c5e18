"""Confidential complainants, for one acting officer: as SQL conditions and per record.

The rule is rules.confidentiality.may_see_complainant. The person behind a confidential
complaint is masked wherever a door would name them to an officer who may not see them:
the complaints grid, details and export, the search (their name does not find the
complaint), the participant screens, the pickers, the API and the letters' outbox.
"""

import functools

from sqlalchemy import and_, bindparam, exists, or_, select, union
from sqlalchemy.orm import aliased

from models import Complaint, InternalReview, Representative, kinds
from rules.confidentiality import may_see_complainant
from rules.vocabulary import COORDINATOR

from . import access

# The same decision as SQL, for searching and for the participant screens.


def _reviewed_by(me):
    return select(InternalReview.complaint_id).where(InternalReview.reviewer_id == me)


def _who(actor) -> tuple:
    """What the rule asks of the officer: the division they coordinate (or None), and
    their participant id (or None)."""
    division = access.division_id(actor)
    coordinates = COORDINATOR in access.capacity_codes(actor) and division is not None
    return (division if coordinates else None), access.participant_id(actor)


def identity_visible(actor, complaint=Complaint):
    """A condition on Complaint (or an alias of it): its complainant may be shown to the
    officer."""
    return _identity_visible(complaint, *_who(actor))


def _identity_visible(complaint, coordinated_division, me):
    conditions = [complaint.confidential.is_(False)]
    if coordinated_division is not None:
        conditions.append(complaint.division_id == coordinated_division)
    if me is not None:
        # Null-safe: the condition is negated for `hidden_people`, and NOT NULL is NULL.
        conditions += [
            and_(column.is_not(None), column == me)
            for column in (
                complaint.coordinator_id,
                complaint.manager_id,
                complaint.decision_maker_id,
                complaint.contact_officer_id,
            )
        ]
        conditions.append(complaint.id.in_(_reviewed_by(me)))
    return or_(*conditions)


def hidden_people(actor, among: bool = False):
    """The participants the officer may not see: complainants of confidential complaints
    whose identity is hidden from them, and those complainants' representatives; with
    `among`, only those of the participant ids given as the parameter `among` when it is
    run (read through their indexes)."""
    return _hidden_people(*_who(actor), among)


@functools.lru_cache(maxsize=512)
def _hidden_people(coordinated_division, me, among: bool):
    """The statement of `hidden_people`, built once per kind of officer (the participant
    ids asked about a parameter)."""
    visible = _identity_visible(Complaint, coordinated_division, me)
    complainants = select(Complaint.complainant_id).where(
        Complaint.confidential.is_(True),
        Complaint.complainant_id.is_not(None),
        ~visible,
    )
    representatives = (
        select(Representative.participant_id)
        .join(Complaint, Complaint.id == Representative.complaint_id)
        .where(Complaint.confidential.is_(True), ~visible)
    )
    if among:
        wanted = bindparam("among", expanding=True)
        complainants = complainants.where(Complaint.complainant_id.in_(wanted))
        representatives = representatives.where(Representative.participant_id.in_(wanted))
    return union(complainants, representatives)


# Made once: an alias builds its map of columns when first used (some milliseconds), and
# `person_visible` is asked on every picker's check and every scoped page.
_THEIR_COMPLAINT = aliased(Complaint, name="their_complaint")
_THEIR_REPRESENTATIVE = aliased(Representative, name="their_representative")


def person_visible(actor, participant_id_column):
    """A condition: the participant in this column may be named to the officer (no one,
    an empty column, hides no one).

    Asked of each row through the complaint's and the representative's indexes on the
    person (NOT EXISTS, which PostgreSQL may also run as one anti-join), so that a picker's
    one chosen person, or a page of twenty, does not read every confidential complaint.
    The complaint inside is an alias: the query around it may join complaints of its own.
    """
    theirs, represents = _THEIR_COMPLAINT, _THEIR_REPRESENTATIVE
    hidden = and_(theirs.confidential.is_(True), ~identity_visible(actor, theirs))
    as_complainant = exists().where(theirs.complainant_id == participant_id_column, hidden)
    as_representative = exists().where(
        represents.participant_id == participant_id_column,
        theirs.id == represents.complaint_id,
        hidden,
    )
    return ~as_complainant & ~as_representative


class _VisibleOn:
    """Whether a participant may be named on a record's page (`Confidentiality.
    person_visible_on`); `expect(ids)` asks about several at once before they are shown."""

    def __init__(self, confidentiality: "Confidentiality", complaint):
        self.confidentiality = confidentiality
        self.complaint = complaint

    def expect(self, ids) -> None:
        self.confidentiality.expect(ids)

    def __call__(self, participant) -> bool:
        if participant is None:
            return True
        complaint = self.complaint
        if complaint is not None and participant.id == complaint.complainant_id:
            return self.confidentiality.shows_complainant(complaint)
        return self.confidentiality.shows_person(participant)


class Confidentiality:
    """What one officer may see, record by record, for a page of rows: the people hidden
    from them and the complaints they review are each read once, when first needed."""

    def __init__(self, actor, session):
        self.actor = actor
        self.session = session
        self._hidden = None
        self._known: dict[int, bool] = {}  # participant id -> hidden, for those expected
        self._reviewed = None

    def hidden_person_ids(self) -> frozenset:
        if self._hidden is None:
            self._hidden = frozenset(self.session.execute(hidden_people(self.actor)).scalars())
        return self._hidden

    def hidden_among(self, ids) -> frozenset:
        """Which of these participants the officer may not see: one statement about these
        few (a report's clients), not a read of every confidential complaint."""
        wanted = frozenset(i for i in ids if i is not None)
        if self._hidden is not None or not wanted:
            return wanted & (self._hidden or frozenset())
        return frozenset(
            self.session.execute(
                hidden_people(self.actor, among=True), {"among": sorted(wanted)}
            ).scalars()
        )

    def _reviewed_complaints(self) -> frozenset:
        if self._reviewed is None:
            me = access.participant_id(self.actor)
            self._reviewed = (
                frozenset()
                if me is None
                else frozenset(self.session.execute(_reviewed_by(me)).scalars())
            )
        return self._reviewed

    def shows_complainant(self, complaint) -> bool:
        """Whether the officer sees this complaint's complainant."""
        if not complaint.confidential:
            return True
        me = access.participant_id(self.actor)
        officers = {
            complaint.coordinator_id,
            complaint.manager_id,
            complaint.decision_maker_id,
            complaint.contact_officer_id,
        }
        if me is not None and me not in officers and complaint.id is not None:
            if complaint.id in self._reviewed_complaints():
                officers.add(me)
        return may_see_complainant(
            confidential=True,
            capacities=access.capacity_codes(self.actor),
            me=me,
            my_division_id=access.division_id(self.actor),
            division_id=complaint.division_id,
            officer_ids=officers - {None},
        )

    def expect(self, ids) -> None:
        """Ask about these people now, in one statement about them alone: those a page is
        about to name (a case's own people). Anyone else it names is answered from the
        whole hidden set, read when first needed."""
        wanted = {i for i in ids if i is not None and i not in self._known}
        if self._hidden is not None or not wanted:
            return
        hidden = self.hidden_among(wanted)
        self._known.update((i, i in hidden) for i in wanted)

    def shows_person(self, participant) -> bool:
        """Whether the officer may see this participant's identity and contact details."""
        if participant is None:
            return True
        known = self._known.get(participant.id)
        if known is not None:
            return not known
        return participant.id not in self.hidden_person_ids()

    def person_visible_on(self, record):
        """For a record's page (a complaint, or a record of one): whether a participant may
        be named there. Its own complainant follows the complaint; anyone else, every
        complaint they made."""
        return _VisibleOn(self, kinds.complaint_of(record))
