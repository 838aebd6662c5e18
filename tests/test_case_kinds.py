"""One registry says what each kind of case is made of: complaints (compliments and
suggestions among them), tickets and internal reviews. Every kind answers for its model,
its columns and its statuses, and every door finds the same kind for the same case."""

import pytest

from models import (
    Attachment,
    CaseNote,
    Complaint,
    Extension,
    ExternalReview,
    InternalReview,
    OutboundMessage,
    Participant,
    Ticket,
    kinds,
)
from rules.vocabulary import CASE_TYPES, COMPLAINT_KINDS
from services import clocks, documents, notes, operations
from views.admin.cases import ComplaintView, InternalReviewView, TicketView
from views.admin.home import REGISTERS
from views.api.resources import COMPLAINTS, TICKETS


def test_the_kinds_in_order_are_the_case_types():
    assert [kind.name for kind in kinds.KINDS] == list(CASE_TYPES)
    assert [kind.label for kind in kinds.KINDS] == list(CASE_TYPES.values())
    assert kinds.MODELS == (Complaint, Ticket, InternalReview)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_by_name_round_trip(kind):
    assert kinds.by_name(kind.name) is kind
    assert kinds.kind_of(kind.model) is kind
    assert kinds.kind_of(kind.model()) is kind
    assert kind.record_type == kind.model.__name__


def test_unknown_names_and_records_are_not_kinds():
    with pytest.raises(KeyError):
        kinds.by_name("compliment")
    for record in (Extension(), ExternalReview(), OutboundMessage(), Participant(), object()):
        assert kinds.find_kind(record) is None
        with pytest.raises(KeyError):
            kinds.kind_of(record)


@pytest.mark.parametrize("variant", list(COMPLAINT_KINDS))
def test_compliments_and_suggestions_are_complaints(variant):
    complaint = Complaint(kind=variant)
    assert kinds.kind_of(complaint) is kinds.COMPLAINT
    assert variant in kinds.COMPLAINT.variants
    assert kinds.COMPLAINT.reference_variant(complaint) == variant


def test_each_model_is_one_kind():
    assert kinds.kind_of(Complaint()) is kinds.COMPLAINT
    assert kinds.kind_of(Ticket()) is kinds.TICKET
    assert kinds.kind_of(InternalReview()) is kinds.INTERNAL_REVIEW


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_the_fields_a_kind_names_are_real_columns(kind):
    columns = kind.model.__table__.c
    for name in kind.due_fields + kind.fact_fields + kind.clock_inputs:
        assert name in columns, name
    assert kind.opened_field in columns
    for _, column in kind.officer_roles:
        assert column in columns
    for column in kind.linked_columns:
        assert column in columns
    assert f"{kind.name}_id" in OutboundMessage.__table__.c


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_closed_statuses_are_among_the_kinds_statuses(kind):
    assert kind.closed_statuses
    assert kind.closed_statuses <= set(kind.statuses)
    assert kind.model.__table__.c.status.default.arg in kind.statuses


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_each_kind_has_a_calendar_and_a_page(kind):
    assert (kind.calendar_holder is None) != (kind.calendar_parent is None)
    if kind.calendar_parent is not None:
        assert kinds.by_name(kind.calendar_parent).calendar_holder is not None
    else:
        assert "calendar_id" in kind.holder_model.__table__.c
    assert kind.page_of(7) == f"/admin/{kind.name}/details/?id=7"
    assert kind.calendar_id_query() is not None


def test_the_complaint_a_case_follows():
    complaint = Complaint()
    review = InternalReview(complaint=complaint)
    ticket = Ticket(complaint=complaint)
    assert kinds.COMPLAINT.complaint_of(complaint) is complaint
    assert kinds.INTERNAL_REVIEW.complaint_of(review) is complaint
    # A ticket's correspondence and files are its own, whatever complaint it came from...
    assert kinds.TICKET.complaint_of(ticket) is None
    # ...but it shows in that complaint's time zone and confidentiality.
    assert kinds.complaint_of(ticket) is complaint
    assert kinds.complaint_of(Extension(complaint=complaint)) is complaint
    assert kinds.complaint_of(Participant()) is None


def test_links_and_officers():
    review = InternalReview(id=3, complaint_id=5, reviewer_id=None)
    assert kinds.INTERNAL_REVIEW.links(review) == {"internal_review_id": 3, "complaint_id": 5}
    assert kinds.TICKET.links(Ticket(id=4)) == {"ticket_id": 4}
    assert kinds.COMPLAINT.links(Complaint(id=6)) == {"complaint_id": 6}
    assert kinds.COMPLAINT.officers(Complaint()) == [
        ("complaint_manager", None),
        ("coordinator", None),
    ]
    assert kinds.TICKET.officers(Ticket()) == [("support_agent", None)]
    assert kinds.INTERNAL_REVIEW.officers(review) == [("internal_reviewer", None)]


def test_the_clocks_tables_are_the_registrys():
    assert clocks.CASE_TYPES == {kind.model: kind.name for kind in kinds.KINDS}
    assert clocks.DUE_FIELDS == {kind.name: kind.due_fields for kind in kinds.KINDS}


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_documents_and_notes_are_filed_under_every_kind(kind):
    relation = documents.CASE_RELATIONS[kind.model]
    assert relation == kind.name
    assert getattr(Attachment, relation).property.mapper.class_ is kind.model
    column = notes.CASE_COLUMNS[kind.model]
    assert column == f"{kind.name}_id"
    assert column in CaseNote.__table__.c
    assert set(documents.CASE_RELATIONS) == set(notes.CASE_COLUMNS) == set(kinds.MODELS)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda kind: kind.name)
def test_the_next_due_column_is_a_due_column_of_the_kind(kind):
    assert kind.next_due_field in kind.model.__table__.c
    assert kind.next_due_column is getattr(kind.model, kind.next_due_field)
    assert kind.next_due_field == "next_due_at" or kind.next_due_field in kind.due_fields


def test_the_overdue_counts_cover_every_kind():
    assert operations.CASE_KINDS == tuple(
        variant for kind in kinds.KINDS for variant in kind.variants
    )
    assert set(COMPLAINT_KINDS) <= set(operations.CASE_KINDS)
    assert {"ticket", "internal_review"} <= set(operations.CASE_KINDS)


def test_the_home_page_has_a_register_for_every_kind():
    assert sorted(register.kind.name for register in REGISTERS) == sorted(CASE_TYPES)
    for register in REGISTERS:
        assert register.screen == register.case_type == register.kind.name
        assert register.closed is register.kind.closed_statuses
        for column in register.assigned:
            assert column in register.model.__table__.c


def test_the_case_screens_and_the_api_close_where_their_kind_does():
    assert ComplaintView.closed_statuses == kinds.COMPLAINT.closed_statuses
    assert TicketView.closed_statuses == kinds.TICKET.closed_statuses
    assert InternalReviewView.closed_statuses == kinds.INTERNAL_REVIEW.closed_statuses
    for resource, kind in ((COMPLAINTS, kinds.COMPLAINT), (TICKETS, kinds.TICKET)):
        assert resource.kind is kind
        assert (resource.screen, resource.model) == (kind.name, kind.model)
        assert kind.opened_field in resource.model.__table__.c
