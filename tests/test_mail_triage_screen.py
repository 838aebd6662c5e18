"""The "Mail received" screen: coordinators of the intake division triage what no case was
found for (file it on a case, or dismiss it), a coordinator sees only the mail of their own
division's cases, and only administrators download a message as received."""

from sqlalchemy import func, select

from models import Attachment, Complaint, Division, InboundMessage, db
from tests import mail_in_world
from tests.conftest import csrf_token
from tests.mail_samples import plain_message, reply_to

fixed_now = mail_in_world.fixed_now
folder = mail_in_world.folder
intake = mail_in_world.intake

LIST = "/admin/inboundmessage/"


def details(message_id):
    return f"{LIST}details/?id={message_id}"


def post_form(client, url, data):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)


def triaged(app, folder, raw, mailbox=mail_in_world.HELPDESK):
    """A message to triage: to the help desk from a domain no client has, unless it claims
    a case."""
    with app.app_context():
        result = mail_in_world.receive(app, folder, raw, mailbox=mailbox)
        assert result.status == "triage"
        return result.inbound_id


def setup_world(app, make, intake):
    """A coordinator of the intake division (CS), one of another division, an
    administrator, and a complaint in CS whose complainant is sam@example.com."""
    with app.app_context():
        cs = db.session.get(Division, intake)
        make.user("intake", "coordinator", division=cs)
        other = make.division("Roads")
        make.user("roads", "coordinator", division=other)
        make.user("admin", "administrator")
        complaint = make.complaint(division=cs)
        roads_complaint = make.complaint(division=other, summary="Pothole")
        return complaint.reference, roads_complaint.reference, other.id


def test_a_coordinator_files_a_triaged_message_on_a_case_with_its_attachments(
    app, make, intake, folder, fixed_now, client, auth
):
    reference, _, _ = setup_world(app, make, intake)
    raw = reply_to("<someone.else@example.org>", sender="Stranger <kim@other.example>")
    message_id = triaged(app, folder, raw)
    auth.login("intake")
    listing = client.get(LIST).get_data(as_text=True)
    assert "Waiting for triage" in listing and "Stranger" in listing
    page = client.get(details(message_id)).get_data(as_text=True)
    assert "File on case…" in page and "Dismiss…" in page
    assert "Download the message as received" not in page  # administrators only
    done = post_form(client, f"{LIST}file/?id={message_id}", {"reference": reference.lower()})
    assert f"Filed on {reference} with 2 attachments." in done.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(InboundMessage, message_id)
        assert row.status == "filed" and row.complaint.reference == reference
        assert row.handled_by.username == "intake" and row.handled_at is not None
        assert row.raw_stored_name is None
        kept = db.session.scalars(select(Attachment).where(Attachment.complaint_id.is_not(None)))
        assert [a.inbound_message_id for a in kept] == [message_id, message_id]
    assert len(list(folder.iterdir())) == 2  # the two parts; the raw copy is gone


def test_filing_on_a_case_the_coordinator_may_not_open_is_refused_and_nothing_changes(
    app, make, intake, folder, fixed_now, client, auth
):
    _, roads_reference, _ = setup_world(app, make, intake)
    message_id = triaged(app, folder, plain_message(sender="kim@other.example", subject="Hi"))
    auth.login("intake")
    answer = post_form(client, f"{LIST}file/?id={message_id}", {"reference": roads_reference})
    assert (
        f"There is no complaint or ticket with the reference {roads_reference} that you may "
        "open." in answer.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(InboundMessage, message_id).status == "triage"


def test_a_coordinator_of_another_division_neither_sees_nor_files_intake_mail(
    app, make, intake, folder, fixed_now, client, auth
):
    reference, _, _ = setup_world(app, make, intake)
    message_id = triaged(app, folder, plain_message(sender="kim@other.example", subject="Hi"))
    auth.login("roads")
    assert "kim@other.example" not in client.get(LIST).get_data(as_text=True)
    assert client.get(details(message_id)).status_code == 404
    assert client.get(f"{LIST}file/?id={message_id}").status_code == 404
    assert client.get(f"{LIST}raw/?id={message_id}").status_code == 403
    with app.app_context():
        assert db.session.get(InboundMessage, message_id).status == "triage"


def test_mail_claiming_a_case_waits_for_that_cases_division(
    app, make, intake, folder, fixed_now, client, auth
):
    _, roads_reference, _ = setup_world(app, make, intake)
    raw = plain_message(sender="mallory@evil.example", subject=f"Re: {roads_reference}")
    message_id = triaged(app, folder, raw)
    auth.login("roads")
    page = client.get(details(message_id)).get_data(as_text=True)
    assert f"claims {roads_reference}" in page and "not the complainant" in page
    auth.logout()
    auth.login("intake")
    assert client.get(details(message_id)).status_code == 404


def test_a_coordinator_dismisses_a_message_saying_why(
    app, make, intake, folder, fixed_now, client, auth
):
    setup_world(app, make, intake)
    message_id = triaged(app, folder, plain_message(subject="Re: CTS-2026-999999"))
    auth.login("intake")
    url = f"{LIST}dismiss/?id={message_id}"
    empty = post_form(client, url, {"reason": "   "})
    assert "Say why the message is dismissed" in empty.get_data(as_text=True)
    done = post_form(client, url, {"reason": "Spam"})
    assert "Dismissed:" in done.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(InboundMessage, message_id)
        assert row.status == "dismissed" and row.reason.endswith("Dismissed by intake: Spam")
        assert db.session.scalar(select(func.count(Complaint.id))) == 2
    again = client.get(f"{LIST}dismiss/?id={message_id}")
    assert again.status_code == 200  # the form; posting it is refused in words:
    refused = post_form(client, url, {"reason": "Again"})
    assert "Only a message waiting for triage can be filed or dismissed" in refused.get_data(
        as_text=True
    )


def test_an_administrator_sees_a_quarantined_message_and_downloads_it_as_received(
    app, make, intake, folder, fixed_now, client, auth
):
    setup_world(app, make, intake)
    raw = plain_message(body="x" * 3000 + "\n")
    with app.app_context():
        result = mail_in_world.receive(app, folder, raw, max_bytes=1000)
    auth.login("admin")
    page = client.get(details(result.inbound_id)).get_data(as_text=True)
    assert "Quarantined" in page and "Download the message as received" in page
    download = client.get(f"{LIST}raw/?id={result.inbound_id}")
    assert download.status_code == 200 and download.data == raw
    auth.logout()
    auth.login("intake")
    assert client.get(f"{LIST}raw/?id={result.inbound_id}").status_code == 403


def test_filing_the_reply_a_case_waits_on_resumes_its_clock_and_tells_its_manager(
    app, make, intake, folder, fixed_now, client, auth
):
    from models import OutboundMessage
    from rules import correspondence as letters
    from rules import workflow
    from services import steps

    with app.app_context():
        cs = db.session.get(Division, intake)
        make.user("intake", "coordinator", division=cs)
        manager = make.staff("Manager")
        waiting = make.complaint(division=cs, manager=manager)
        unpaused = make.complaint(division=cs, manager=manager, summary="Not waiting")
        actor = workflow.Actor(user_id=None, capacities=frozenset({"administrator"}))
        for step in ("register", "wait_on_complainant"):
            steps.COMPLAINT_STEPS.take(step, waiting, {}, actor, fixed_now)
            db.session.commit()
        steps.COMPLAINT_STEPS.take("register", unpaused, {}, actor, fixed_now)
        db.session.commit()
        waiting_reference, unpaused_reference = waiting.reference, unpaused.reference
        manager_id = manager.id
    # The complainant wrote from another address: triage, then a coordinator files it.
    first = triaged(
        app, folder, plain_message(sender="sam@work.example", message_id="<1@work.example>")
    )
    second = triaged(
        app, folder, plain_message(sender="sam@home.example", message_id="<2@home.example>")
    )
    auth.login("intake")
    form = client.get(f"{LIST}file/?id={first}").get_data(as_text=True)
    assert "resume its clock" in form
    done = post_form(
        client, f"{LIST}file/?id={first}", {"reference": waiting_reference, "resume": "y"}
    )
    assert f"Filed on {waiting_reference}; its clock resumed." in done.get_data(as_text=True)
    done = post_form(
        client, f"{LIST}file/?id={second}", {"reference": unpaused_reference, "resume": "y"}
    )
    assert "was not waiting on a reply" in done.get_data(as_text=True)
    with app.app_context():
        resumed = db.session.scalars(
            select(Complaint).where(Complaint.reference == waiting_reference)
        ).one()
        assert resumed.status == "registered" and resumed.paused_since is None
        told = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
        ).all()
        assert sorted(m.complaint.reference for m in told) == sorted(
            [waiting_reference, unpaused_reference]
        )
        assert {m.participant_id for m in told} == {manager_id}
        assert "clock has resumed" in next(
            m.body for m in told if m.complaint.reference == waiting_reference
        )
