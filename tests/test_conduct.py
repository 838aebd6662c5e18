"""Unreasonable complainant conduct: the register of restrictions of contact, the banner on
the person's cases, contacts through a restricted channel (public form, email in, API,
the complaint form) recorded and sent to the contact officer with a warning, the review
reminders, and who may see the register.

The clock is stopped at Tuesday 10 March 2026, 10:00 in Brisbane.
"""

import html as html_lib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import (
    Channel,
    Complaint,
    ContactRestriction,
    Division,
    HistoryEntry,
    OutboundMessage,
    Participant,
    Representative,
    RestrictedContact,
    db,
)
from rules import conduct as rules
from rules import correspondence as letters
from rules.errors import RuleViolation
from services import api_tokens, case_links, conduct, steps
from services.mail_in import ingest
from tests.admin_forms import form_values
from tests.conftest import csrf_token
from tests.mail_in_world import COMPLAINTS, settings
from tests.mail_samples import plain_message

BRISBANE = ZoneInfo("Australia/Brisbane")
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)
SAM = "sam@example.com"


class World:
    pass


@pytest.fixture
def world(app, make, time_machine, tmp_path):
    time_machine.move_to(NOW, tick=False)
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    app.config["MAIL_FROM"] = "Customer Complaints <complaints@complaints.example.gov.au>"
    w = World()
    w.division = Division(code="CS", name="Customer Services", calendar=make.calendar())
    db.session.add(w.division)
    db.session.flush()
    w.other = make.division("Regional Operations")
    w.coordinator = make.user("coord", "coordinator", division=w.division, level="AO6")
    w.far_coordinator = make.user("farco", "coordinator", division=w.other, level="AO6")
    w.admin = make.user("admin", "administrator", division=w.division, level="AO6")
    w.manager = make.user("marsh", "complaint_manager", division=w.division, level="AO5")
    w.decider = make.user("deakin", "decision_maker", division=w.division, level="AO7")
    w.director = make.user("dora", "decision_maker", division=w.division, level="AO8")
    w.contact = make.user("cora", "complaint_manager", division=w.division, level="AO6")
    w.reviewer = make.user("rita", "internal_reviewer", division=w.division, level="SES1")
    w.agent = make.user("agnes", "support_agent", division=w.division, level="AO4")
    w.sam = make.complainant("Citizen")
    w.complaint = make.complaint(
        division=w.division,
        complainant=w.sam,
        received_at=datetime(2026, 3, 2, 9, 0, tzinfo=BRISBANE),
        manager=w.manager.participant,
        decision_maker=w.decider.participant,
    )
    return w


def page_text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html_lib.unescape(words))


def restriction_form(w, **overrides):
    values = {
        "complaint": str(w.complaint.id),
        "conduct": "Repeated abusive telephone calls to counter staff.",
        "contact_officer": str(w.contact.participant.id),
        "subject_matter": "The complaint about the fee charged",
        "channels": ["phone", "email", "public_form"],
        "contact_times": "Tuesdays, 10 am to 12 noon",
        "permitted_contact": "In writing to the contact officer",
        "decided_by": str(w.director.participant.id),
        "effective_from": "2026-03-10T09:00",
        "review_due_at": "2026-06-10T09:00",
        "ends_at": "",
    }
    values.update(overrides)
    return values


def post_restriction(client, w, **overrides):
    page = client.get("/admin/contactrestriction/new/")
    assert page.status_code == 200
    data = restriction_form(w, **overrides)
    data["csrf_token"] = csrf_token(page.get_data(as_text=True))
    return client.post("/admin/contactrestriction/new/", data=data, follow_redirects=True)


def restrictions():
    db.session.expire_all()
    return list(db.session.scalars(select(ContactRestriction).order_by(ContactRestriction.id)))


def restrict(w, **overrides) -> ContactRestriction:
    """A restriction saved directly (an import or a command), as the screen saves it."""
    values = {
        "complaint": w.complaint,
        "conduct": "Abusive calls.",
        "contact_officer": w.contact.participant,
        "channels": "phone,email,public_form",
        "decided_by": w.director.participant,
        "effective_from": NOW - timedelta(hours=1),
        "review_due_at": NOW + timedelta(days=90),
    }
    values.update(overrides)
    restriction = ContactRestriction(**values)
    db.session.add(restriction)
    db.session.commit()
    return restriction


def outbox(template_key=None):
    db.session.expire_all()
    query = select(OutboundMessage).order_by(OutboundMessage.id)
    if template_key:
        query = query.where(OutboundMessage.template_key == template_key)
    return list(db.session.scalars(query))


def timeline(case) -> str:
    return " ".join(
        db.session.scalars(
            select(HistoryEntry.summary).where(
                HistoryEntry.record_type == type(case).__name__, HistoryEntry.record_id == case.id
            )
        )
    )


# --- the register -------------------------------------------------------------------------


def test_a_coordinator_records_a_restriction_and_the_person_gets_the_letter(client, auth, world):
    w = world
    auth.login("coord")
    response = post_restriction(client, w)
    assert response.status_code == 200
    assert "Restriction recorded" in page_text(response)
    (saved,) = restrictions()
    assert saved.participant_id == w.sam.id
    assert saved.division_id == w.division.id
    assert saved.recorded_by_id == w.coordinator.id
    assert rules.channels_of(saved.channels) == ["phone", "email", "public_form"]
    (letter,) = outbox(letters.RESTRICTION_NOTICE)
    assert letter.recipient_address == SAM
    assert letter.recipient_role == "complainant"
    assert letter.complaint_id == w.complaint.id
    body = " ".join(letter.body.split())
    assert "please contact only Alex Cora" in body
    assert "telephone, email and public lodgement form" in body
    assert "Repeated abusive telephone calls" in body
    assert "reviewed by Wednesday 10 June 2026" in body
    assert "you may ask us to review it" in body
    assert "Queensland Ombudsman" in body
    assert "Restriction of contact recorded" in timeline(w.complaint)


def test_the_decider_below_the_decision_maker_level_is_refused_through_the_form(
    client, auth, world
):
    w = world
    auth.login("coord")
    response = post_restriction(client, w, decided_by=str(w.coordinator.participant.id))
    text = page_text(response)
    assert (
        "A restriction is decided by a senior officer at or above the decision-maker level "
        "(AO8 or above): A. Coord is AO6." in text
    )
    assert restrictions() == []
    assert outbox(letters.RESTRICTION_NOTICE) == []


def test_the_decider_must_rank_at_or_above_the_complaints_decision_maker(app, world):
    w = world
    app.config["RESTRICTION_DECIDER_LEVEL"] = "AO5"
    with pytest.raises(RuleViolation, match="ranks below A. Deakin"):
        restrict(w, decided_by=w.contact.participant)
    db.session.rollback()
    assert restrictions() == []


def test_the_decider_rule_holds_on_a_direct_save_and_on_the_edit_form(client, auth, world):
    w = world
    with pytest.raises(RuleViolation, match="decision-maker level"):
        restrict(w, decided_by=w.decider.participant)
    db.session.rollback()
    assert restrictions() == []
    saved = restrict(w)
    auth.login("coord")
    page = client.get(f"/admin/contactrestriction/edit/?id={saved.id}")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data["decided_by"] = str(w.manager.participant.id)
    data["channels"] = ["phone"]
    response = client.post(
        f"/admin/contactrestriction/edit/?id={saved.id}", data=data, follow_redirects=True
    )
    assert "A. Marsh is AO5" in page_text(response)
    assert restrictions()[0].decided_by_id == w.director.participant.id


def test_a_restriction_needs_its_channels_contact_officer_and_review_date(client, auth, world):
    w = world
    auth.login("coord")
    response = post_restriction(client, w, channels=[], review_due_at="", conduct="")
    text = page_text(response)
    assert "Conduct: describe the conduct" in text or "This field is required" in text
    assert restrictions() == []


def test_a_restriction_is_lifted_with_who_when_why_and_kept(client, auth, world, time_machine):
    w = world
    saved = restrict(w)
    auth.login("coord")
    url = f"/admin/contactrestriction/lift/?id={saved.id}"
    page = client.get(url)
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token, "reason": " "}, follow_redirects=True)
    assert "Reason: say why the restriction is lifted." in page_text(refused)
    assert restrictions()[0].lifted_at is None
    done = client.post(
        url,
        data={"csrf_token": token, "reason": "Conduct improved over three months."},
        follow_redirects=True,
    )
    assert "Restriction lifted" in page_text(done)
    (lifted,) = restrictions()
    assert lifted.lifted_at == NOW
    assert lifted.lifted_by_id == w.coordinator.id
    assert lifted.lift_reason == "Conduct improved over three months."
    assert conduct.standing_of(lifted) == rules.LIFTED
    # Still in the register, and its page says so, with no way to lift it again.
    listing = page_text(client.get("/admin/contactrestriction/"))
    assert "Lifted" in listing
    details = page_text(client.get(f"/admin/contactrestriction/details/?id={saved.id}"))
    assert "Conduct improved over three months." in details
    assert "Lift the restriction" not in details
    assert client.get(f"/admin/contactrestriction/edit/?id={saved.id}").status_code == 200
    again = client.post(
        url, data={"csrf_token": token, "reason": "Once more"}, follow_redirects=True
    )
    assert "has been lifted already" in page_text(again)
    # Kept for good: never deleted, never un-lifted.
    db.session.delete(lifted)
    with pytest.raises(RuleViolation, match="kept for good"):
        db.session.commit()
    db.session.rollback()
    lifted = restrictions()[0]
    lifted.lifted_at = None
    with pytest.raises(RuleViolation, match="stays lifted"):
        db.session.commit()
    db.session.rollback()
    assert client.post(f"/admin/contactrestriction/delete/?id={saved.id}").status_code in (
        403,
        404,
        405,
    )
    assert len(restrictions()) == 1


def test_standing_of_a_restriction():
    start = NOW
    assert rules.standing(start, None, None, start - timedelta(days=1)) == rules.PENDING
    assert rules.standing(start, None, None, start) == rules.ACTIVE
    assert rules.standing(start, start + timedelta(days=5), None, NOW + timedelta(days=5)) == (
        rules.EXPIRED
    )
    assert rules.standing(start, None, NOW + timedelta(days=1), NOW + timedelta(days=2)) == (
        rules.LIFTED
    )


# --- who sees the register -----------------------------------------------------------------


@pytest.mark.parametrize("username", ["marsh", "deakin", "rita", "agnes", "cora"])
def test_the_register_is_closed_to_managers_deciders_reviewers_and_agents(
    client, auth, world, username
):
    saved = restrict(world)
    auth.login(username)
    assert client.get("/admin/contactrestriction/").status_code == 403
    assert client.get(f"/admin/contactrestriction/details/?id={saved.id}").status_code == 403
    assert client.get("/admin/contactrestriction/new/").status_code == 403
    assert client.get(f"/admin/contactrestriction/lift/?id={saved.id}").status_code == 403
    home = client.get("/admin/").get_data(as_text=True)
    assert "/admin/contactrestriction/" not in home
    assert "Restrictions of contact" not in home


def test_coordinators_see_their_divisions_register_and_administrators_all(client, auth, world):
    saved = restrict(world)
    auth.login("coord")
    assert "/admin/contactrestriction/" in client.get("/admin/").get_data(as_text=True)
    assert client.get(f"/admin/contactrestriction/details/?id={saved.id}").status_code == 200
    auth.logout()
    auth.login("farco")
    assert client.get(f"/admin/contactrestriction/details/?id={saved.id}").status_code == 404
    assert "Alex Cora" not in page_text(client.get("/admin/contactrestriction/"))
    auth.logout()
    auth.login("admin")
    assert client.get(f"/admin/contactrestriction/details/?id={saved.id}").status_code == 200


# --- the banner ----------------------------------------------------------------------------


def test_every_case_of_the_person_shows_the_banner_on_its_page_and_form(client, auth, world, make):
    w = world
    restrict(w)
    second = make.complaint(
        division=w.division,
        complainant=w.sam,
        manager=w.manager.participant,
        decision_maker=w.decider.participant,
    )
    unrelated = make.complaint(division=w.division, manager=w.manager.participant)
    unrelated.complainant.email = "someone.else@example.com"
    db.session.commit()
    for username in ("marsh", "coord"):
        auth.login(username)
        for case in (w.complaint, second):
            for page in ("details", "edit"):
                text = page_text(client.get(f"/admin/complaint/{page}/?id={case.id}"))
                assert "Restricted contact" in text, (username, page)
                assert "telephone, email and public lodgement form" in text
                assert "contact only Alex Cora (contact officer)" in text
                # Only a reader of the register is offered the way to it.
                assert ("The restriction in the register" in text) is (username == "coord")
        assert "Restricted contact" not in page_text(
            client.get(f"/admin/complaint/details/?id={unrelated.id}")
        )
        auth.logout()


def test_a_lifted_restriction_leaves_no_banner(client, auth, world):
    w = world
    saved = restrict(w)
    conduct.lift(db.session, saved, "Resolved", w.coordinator)
    db.session.commit()
    auth.login("marsh")
    assert "Restricted contact" not in page_text(
        client.get(f"/admin/complaint/details/?id={w.complaint.id}")
    )


# --- contacts through a restricted channel ----------------------------------------------------


def assert_routed(w, complaint, channel):
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.contact_officer_id == w.contact.participant.id
    contacts = list(
        db.session.scalars(
            select(RestrictedContact).where(RestrictedContact.complaint_id == complaint.id)
        )
    )
    assert [c.channel for c in contacts][-1] == channel
    assert "Warning: restricted contact" in timeline(complaint)
    assert "Alex Cora" in timeline(complaint)
    warnings = [
        m
        for m in outbox(letters.RESTRICTED_CONTACT)
        if m.complaint_id == complaint.id and m.participant_id == w.contact.participant.id
    ]
    assert warnings and "Warning: this person's contact" in warnings[-1].body
    return complaint


def lodge_online(client, email=SAM):
    page = client.get("/lodge/")
    data = {
        "kind": "complaint",
        "summary": "Still waiting",
        "description": "Nobody has called me back.",
        "outcome_sought": "A call back.",
        "human_rights": "no",
        "given_name": "Sam",
        "family_name": "Citizen",
        "email": email,
        "phone": "",
        "address": "",
        "consent": "yes",
        "website": "",
        "csrf_token": csrf_token(page.get_data(as_text=True)),
    }
    return client.post("/lodge/", data=data, content_type="multipart/form-data")


def test_the_public_form_records_the_contact_and_sends_it_to_the_contact_officer(client, world):
    w = world
    restrict(w)
    before = {c.id for c in db.session.scalars(select(Complaint))}
    response = lodge_online(client)
    assert response.status_code == 302
    (new,) = [c for c in db.session.scalars(select(Complaint)) if c.id not in before]
    assert_routed(w, new, "public_form")
    # The person is not sent the automatic letter; the contact officer answers it.
    assert [m for m in outbox(letters.REGISTERED) if m.complaint_id == new.id] == []
    # And nothing the person sees mentions the restriction.
    confirmation = page_text(client.get("/lodge/received"))
    assert new.reference in confirmation
    for word in ("restrict", "Cora", "contact officer"):
        assert word not in confirmation.lower() if word == "restrict" else word not in confirmation
    assert "restrict" not in page_text(client.get("/lodge/")).lower()


def test_the_public_form_of_someone_else_goes_through_the_usual_handling(client, world):
    w = world
    restrict(w)
    assert lodge_online(client, email="pat@example.org").status_code == 302
    new = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert new.contact_officer_id is None
    registered = [m for m in outbox(letters.REGISTERED) if m.complaint_id == new.id]
    assert [m.recipient_address for m in registered] == ["pat@example.org"]


def test_a_new_email_from_the_person_is_recorded_and_sent_to_the_contact_officer(app, world):
    w = world
    restrict(w)
    raw = plain_message(sender=f"Sam Citizen <{SAM}>", message_id="<sam.1@example.com>")
    folder = Path(app.config["ATTACHMENT_FOLDER"])
    result = ingest.ingest(db.session, raw, COMPLAINTS, settings=settings(app, folder))
    assert result.status == "created"
    assert_routed(w, result.case, "email")


def test_a_reply_by_email_on_the_case_goes_to_the_contact_officer_not_the_manager(app, world):
    w = world
    restrict(w)
    raw = plain_message(
        sender=f"Sam Citizen <{SAM}>",
        subject=f"Re: your complaint {w.complaint.reference}",
        message_id="<sam.2@example.com>",
    )
    folder = Path(app.config["ATTACHMENT_FOLDER"])
    result = ingest.ingest(db.session, raw, COMPLAINTS, settings=settings(app, folder))
    assert result.status == "filed"
    assert_routed(w, w.complaint, "email")
    assert [
        m for m in outbox(letters.REPLY_RECEIVED) if m.participant_id == w.manager.participant.id
    ] == []


def test_the_api_lodgement_is_recorded_and_sent_to_the_contact_officer(client, world):
    w = world
    restrict(w)
    issued = api_tokens.issue(db.session, w.coordinator, "Call centre")
    db.session.commit()
    response = client.post(
        "/api/v1/complaints",
        json={
            "division": "CS",
            "summary": "Called again about the fee",
            "channel": "telephone",
            "complainant_id": w.sam.id,
        },
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 201, response.get_json()
    assert "restrict" not in response.get_data(as_text=True).lower()
    new = db.session.scalar(
        select(Complaint).where(Complaint.reference == response.get_json()["reference"])
    )
    assert_routed(w, new, "phone")


def test_the_complaint_form_routes_a_restricted_channel_and_not_another(client, auth, world):
    w = world
    restrict(w)
    auth.login("coord")

    def register(channel_code):
        page = client.get("/admin/complaint/new/")
        data = form_values(page.get_data(as_text=True))
        channel = db.session.scalar(select(Channel).where(Channel.code == channel_code))
        data.update(
            {
                "kind": "complaint",
                "summary": f"By {channel_code}",
                "complainant": str(w.sam.id),
                "channel": str(channel.id),
                "division": str(w.division.id),
                "received_at": "2026-03-10T09:30",
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            }
        )
        response = client.post("/admin/complaint/new/", data=data, follow_redirects=True)
        assert response.status_code == 200
        summary = f"By {channel_code}"
        return db.session.scalar(select(Complaint).where(Complaint.summary == summary))

    by_phone = register("telephone")
    assert by_phone is not None
    assert_routed(w, by_phone, "phone")
    by_post = register("letter")
    assert by_post is not None and by_post.contact_officer_id is None
    assert "restricted contact" not in timeline(by_post).lower()


def test_the_contact_officer_reaches_the_case_routed_to_them(client, auth, world):
    w = world
    restrict(w)
    lodge_online(client)
    new = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    auth.login("cora")
    page = client.get(f"/admin/complaint/details/?id={new.id}")
    assert page.status_code == 200
    assert "Contact officer (restricted contact) Alex Cora" in page_text(page)


def test_letters_to_the_person_other_than_the_restriction_letter_never_mention_it(
    client, auth, world
):
    w = world
    auth.login("coord")
    post_restriction(client, w)
    lodge_online(client, email=SAM)
    for message in outbox():
        if message.participant_id == w.sam.id and message.template_key not in (
            letters.RESTRICTION_LETTERS
        ):
            assert "restrict" not in (message.subject + message.body).lower()


# --- reviews -------------------------------------------------------------------------------


def test_reviews_due_soon_are_reminded_once_by_send_due(app, runner, world, mailbox, time_machine):
    w = world
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    saved = restrict(w, review_due_at=NOW + timedelta(days=30))
    result = runner.invoke(args=["mail", "send-due"])
    assert "Restriction reviews reminded: 0." in result.output, result.output
    time_machine.move_to(NOW + timedelta(days=25), tick=False)
    result = runner.invoke(args=["mail", "send-due"])
    assert "Restriction reviews reminded: 2." in result.output, result.output
    reminded = outbox(letters.RESTRICTION_REVIEW)
    assert {m.participant_id for m in reminded} == {
        w.contact.participant.id,
        w.director.participant.id,
    }
    assert "due for review by Thursday 9 April 2026" in " ".join(reminded[0].body.split())
    assert f"contactrestriction/details/?id={saved.id}" in reminded[0].body
    again = runner.invoke(args=["mail", "send-due"])
    assert "Restriction reviews reminded: 0." in again.output


# --- representatives ---------------------------------------------------------------------


def add_representative(client, w, letters_to, name="Rowan"):
    person = Participant(
        kind="representative",
        given_name=name,
        family_name="Advocate",
        email=f"{name.lower()}@advocacy.example.org",
    )
    db.session.add(person)
    db.session.commit()
    page = client.get(f"/admin/representative/new/?complaint_id={w.complaint.id}")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(
        {
            "complaint": str(w.complaint.id),
            "participant": str(person.id),
            "kind": "advocate",
            "letters": letters_to,
            "authority": "Signed authority to act, on file",
            "authority_date": "2026-03-09",
            "authority_notes": "Limited to this complaint",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        }
    )
    response = client.post("/admin/representative/new/", data=data, follow_redirects=True)
    assert response.status_code == 200
    return person


def acknowledge(w):
    actor = steps.actor_of(w.manager)
    complaint = db.session.get(Complaint, w.complaint.id)
    if complaint.status == "received":
        steps.STEPPERS["complaint"].take(
            "register", complaint, {}, steps.actor_of(w.coordinator), NOW
        )
        db.session.commit()
    steps.STEPPERS["complaint"].take("acknowledge", complaint, {}, actor, NOW)
    db.session.commit()
    return [m for m in outbox(letters.ACKNOWLEDGED) if m.complaint_id == w.complaint.id]


def test_letters_are_addressed_to_the_representative_when_the_complainant_asked(
    client, auth, world
):
    w = world
    auth.login("coord")
    rowan = add_representative(client, w, "addressed")
    (representative,) = db.session.scalars(select(Representative)).all()
    assert representative.authority == "Signed authority to act, on file"
    assert str(representative.authority_date) == "2026-03-09"
    (letter,) = acknowledge(w)
    assert letter.recipient_role == "representative"
    assert letter.recipient_address == "rowan@advocacy.example.org"
    assert letter.participant_id == rowan.id
    assert "Dear Rowan Advocate," in letter.body
    # Shown on the case, with their part.
    text = page_text(client.get(f"/admin/complaint/details/?id={w.complaint.id}"))
    assert "Rowan Advocate, Advocate: Letters addressed to the representative" in text


def test_letters_are_copied_to_the_representative_when_the_complainant_asked(client, auth, world):
    w = world
    auth.login("coord")
    add_representative(client, w, "copied")
    sent = acknowledge(w)
    assert sorted((m.recipient_role, m.recipient_address) for m in sent) == [
        ("complainant", SAM),
        ("representative", "rowan@advocacy.example.org"),
    ]
    assert all("Dear Sam Citizen," in m.body for m in sent)


def test_the_restriction_letter_goes_where_the_complainant_asked(client, auth, world):
    w = world
    auth.login("coord")
    add_representative(client, w, "addressed")
    post_restriction(client, w)
    (letter,) = outbox(letters.RESTRICTION_NOTICE)
    assert letter.recipient_role == "representative"
    assert letter.recipient_address == "rowan@advocacy.example.org"


def test_a_representative_needs_their_authority(client, auth, world):
    w = world
    auth.login("coord")
    page = client.get("/admin/representative/new/")
    data = form_values(page.get_data(as_text=True))
    person = Participant(kind="representative", given_name="Kim", family_name="Lawyer")
    db.session.add(person)
    db.session.commit()
    data.update(
        {
            "complaint": str(w.complaint.id),
            "participant": str(person.id),
            "kind": "lawyer",
            "letters": "copied",
            "authority": " ",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        }
    )
    response = client.post("/admin/representative/new/", data=data, follow_redirects=True)
    assert "Authority: record the complainant's authority" in page_text(response)
    assert db.session.scalars(select(Representative)).all() == []
    with pytest.raises(RuleViolation, match="a staff member cannot represent"):
        db.session.add(
            Representative(
                complaint=w.complaint,
                participant=w.manager.participant,
                kind="advocate",
                letters="copied",
                authority="Verbal, 9 March",
            )
        )
        db.session.commit()
    db.session.rollback()


def test_a_confidential_complainants_representative_is_masked_the_same_way(client, auth, world):
    w = world
    auth.login("coord")
    add_representative(client, w, "addressed")
    w.complaint.confidential = True
    db.session.commit()
    acknowledge(w)
    # The coordinator of the division sees both; an administrator sees neither.
    coordinator_view = page_text(client.get(f"/admin/complaint/details/?id={w.complaint.id}"))
    assert "Rowan Advocate" in coordinator_view
    auth.logout()
    auth.login("admin")
    details = page_text(client.get(f"/admin/complaint/details/?id={w.complaint.id}"))
    assert "Rowan Advocate" not in details
    assert "Sam Citizen" not in details
    assert "rowan@advocacy.example.org" not in details
    listing = page_text(client.get("/admin/representative/"))
    assert "Rowan Advocate" not in listing
    assert "rowan@advocacy.example.org" not in page_text(client.get("/admin/outboundmessage/"))
    assert "Rowan" not in page_text(client.get("/admin/participant/?search=Rowan"))
    # The history names neither.
    assert "rowan@advocacy.example.org" not in timeline(w.complaint)


def test_information_added_on_the_case_page_goes_to_the_contact_officer(app, client, world):
    w = world
    app.config["PORTAL_URL"] = "https://complaints.example.gov.au"
    restrict(w)
    token = case_links.mint(db.session, w.complaint, w.sam)
    db.session.commit()
    page = client.get(f"/case/{token}").get_data(as_text=True)
    form = re.search(r'name="add-csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'id="add-csrf_token"[^>]*value="([^"]+)"', page
    )
    assert "restrict" not in page_text(client.get(f"/case/{token}")).lower()
    response = client.post(
        f"/case/{token}/add",
        data={"add-message": "Please call me today.", "add-csrf_token": form.group(1)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert_routed(w, w.complaint, "public_form")
    assert [
        m for m in outbox(letters.REPLY_RECEIVED) if m.participant_id == w.manager.participant.id
    ] == []


def test_a_review_that_continues_the_restriction_is_kept_in_its_history(client, auth, world):
    w = world
    saved = restrict(w)
    auth.login("coord")
    page = client.get(f"/admin/contactrestriction/edit/?id={saved.id}")
    data = form_values(page.get_data(as_text=True))
    data["channels"] = ["phone", "email", "public_form"]
    data["review_due_at"] = "2026-09-10T09:00"
    response = client.post(
        f"/admin/contactrestriction/edit/?id={saved.id}", data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert restrictions()[0].review_due_at == datetime(2026, 9, 10, 9, 0, tzinfo=BRISBANE)
    entries = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.record_type == "ContactRestriction", HistoryEntry.record_id == saved.id
        )
    ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[-1].user_id == w.coordinator.id


def test_an_expired_restriction_catches_nothing_and_shows_no_banner(client, auth, world):
    w = world
    restrict(w, effective_from=NOW - timedelta(days=30), ends_at=NOW - timedelta(days=1))
    assert lodge_online(client).status_code == 302
    new = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert new.contact_officer_id is None
    auth.login("marsh")
    assert "Restricted contact" not in page_text(
        client.get(f"/admin/complaint/details/?id={w.complaint.id}")
    )
    auth.logout()
    auth.login("coord")
    assert "Expired" in page_text(client.get("/admin/contactrestriction/"))
