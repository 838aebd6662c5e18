"""A case's page links to its related records and they link back: a complaint's
complainant, reviews, extensions, tickets and letters; a review's or extension's complaint.
A link only where the reader may open the record; a confidential complainant is not named."""

import html as html_lib
from datetime import datetime, timezone

import pytest

from models import Extension, InternalReview, OutboundMessage, Participant, Ticket, db

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(make, time_machine):
    time_machine.move_to(NOW, tick=False)
    coordinator = make.user("coord", "coordinator", level="AO6")
    manager = make.user("marsh", "complaint_manager", level="AO5")
    decider = make.user("deakin", "decision_maker", level="AO7")
    make.user("boss", "administrator")
    complaint = make.complaint(
        manager=manager.participant,
        decision_maker=decider.participant,
        status="internal_review",
        received_at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc),
    )
    review = InternalReview(
        complaint=complaint,
        status="requested",
        requested_at=datetime(2026, 3, 18, 0, 0, tzinfo=timezone.utc),
    )
    db.session.add(review)
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 4, 30, 7, 0, tzinfo=timezone.utc),
        reason="Waiting on CCTV footage",
        approved_by=decider.participant,
        approved_at=datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc),
    )
    ticket = Ticket(
        severity="3",
        summary="Counter booking system froze",
        client=Participant(kind="client", organisation_name="Acme Pty Ltd"),
        reported_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
        complaint=complaint,
    )
    letter = OutboundMessage(
        dedupe_key="related-test-1",
        template_key="acknowledgement",
        recipient_role="complainant",
        subject="We have received your complaint",
        body="…",
        complaint=complaint,
        status="sent",
    )
    db.session.add_all([extension, ticket, letter])
    db.session.commit()
    return {
        "complaint": complaint,
        "review": review,
        "extension": extension,
        "ticket": ticket,
        "letter": letter,
        "coordinator": coordinator,
    }


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html_lib.unescape(response.get_data(as_text=True))


def test_the_complaint_links_to_everything_of_it_and_each_links_back(world, auth, client):
    auth.login("coord")
    complaint = world["complaint"]
    html = page(client, f"/admin/complaint/details/?id={complaint.id}")
    assert "Related records" in html
    assert f'href="/admin/internal_review/details/?id={world["review"].id}"' in html
    assert f'href="/admin/extension/details/?id={world["extension"].id}"' in html
    assert "To 30/04/2026 17:00 AEST: Waiting on CCTV footage" in html
    assert f'href="/admin/ticket/details/?id={world["ticket"].id}"' in html
    assert f'href="/admin/outboundmessage/details/?id={world["letter"].id}"' in html
    assert "We have received your complaint (Sent, " in html
    assert f'href="/admin/participant/details/?id={complaint.complainant_id}"' in html
    back = f'href="/admin/complaint/details/?id={complaint.id}"'
    assert back in page(client, f"/admin/internal_review/details/?id={world['review'].id}")
    assert back in page(client, f"/admin/extension/details/?id={world['extension'].id}")


def test_a_confidential_complainant_is_neither_named_nor_linked(world, auth, client):
    complaint = world["complaint"]
    complaint.confidential = True
    db.session.commit()
    auth.login("boss")
    html = page(client, f"/admin/complaint/details/?id={complaint.id}")
    assert "Confidential complainant" in html
    assert f'href="/admin/participant/details/?id={complaint.complainant_id}"' not in html


def test_a_record_the_reader_may_not_open_is_named_without_a_link(world, auth, client):
    auth.login("marsh")
    complaint = world["complaint"]
    html = page(client, f"/admin/complaint/details/?id={complaint.id}")
    # The manager has no tickets screen: the ticket is named, not linked.
    assert world["ticket"].reference in html
    assert f'href="/admin/ticket/details/?id={world["ticket"].id}"' not in html


def test_a_reader_who_may_not_list_a_screen_gets_no_list_tab_on_its_record(
    world, make, auth, client
):
    reviewer = make.user("rita", "internal_reviewer", level="AO8")
    db.session.add(
        InternalReview(
            complaint=world["complaint"],
            status="requested",
            reviewer=reviewer.participant,
            requested_at=datetime(2026, 3, 19, 0, 0, tzinfo=timezone.utc),
        )
    )
    db.session.commit()
    auth.login("rita")
    assert client.get("/admin/extension/").status_code == 403
    html = page(client, f"/admin/extension/details/?id={world['extension'].id}")
    assert 'href="/admin/extension/"' not in html
    assert f'href="/admin/complaint/details/?id={world["complaint"].id}"' in html
