"""Who may open which admin screen, and that every screen opens."""

import pytest

from models import Channel, Complaint, db
from tests.conftest import csrf_token

LIST_URLS = [
    "/admin/complaint/",
    "/admin/ticket/",
    "/admin/internal_review/",
    "/admin/external_review/",
    "/admin/extension/",
    "/admin/participant/",
    "/admin/user/",
    "/admin/api_token/",
    "/admin/division/",
    "/admin/classification_level/",
    "/admin/calendar/",
    "/admin/sla_target/",
    "/admin/pause_status/",
    "/admin/escalation_rule/",
    "/admin/channel/",
    "/admin/category/",
    "/admin/outcome/",
    "/admin/referral_target/",
    "/admin/history/",
    "/admin/clock_pause/",
    "/admin/reference_counter/",
    "/admin/outboundmessage/",
    "/admin/mailtemplate/",
    "/admin/inboundmessage/",
    "/admin/canned/",
    "/admin/retention_rule/",
    "/admin/disposal_record/",
    "/admin/contactrestriction/",
    "/admin/representative/",
]
CREATE_URLS = [
    url + "new/"
    for url in LIST_URLS
    if url
    not in (
        "/admin/history/",
        "/admin/clock_pause/",
        "/admin/reference_counter/",
        "/admin/outboundmessage/",
        "/admin/mailtemplate/",
        "/admin/inboundmessage/",
        "/admin/retention_rule/",
        "/admin/disposal_record/",
    )
]


def test_the_screens_under_test_are_every_screen_the_admin_registers(app):
    from flask import url_for
    from flask_admin.contrib.sqla import ModelView

    (admin,) = app.extensions["admin"]
    with app.test_request_context():
        registered = {
            url_for(f"{view.endpoint}.index_view")
            for view in admin._views
            if isinstance(view, ModelView)
        }
    assert registered == set(LIST_URLS)


@pytest.mark.parametrize("url", ["/admin/", *LIST_URLS, "/admin/complaint/new/"])
def test_every_admin_page_sends_a_signed_out_visitor_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert url in response.headers["Location"].replace("%2F", "/")


@pytest.mark.parametrize("url", LIST_URLS)
def test_every_list_page_and_create_form_opens_for_an_administrator(app, make, auth, url):
    make.user("boss", "administrator")
    make.complaint()
    auth.login("boss")
    response = auth.client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    if url + "new/" in CREATE_URLS:
        form = auth.client.get(url + "new/")
        assert form.status_code == 200
        assert csrf_token(form.get_data(as_text=True))


def test_the_home_page_counts_my_open_overdue_and_due_today_complaints(app, make, auth):
    from datetime import timedelta

    from sqlalchemy import update

    from models import utcnow

    officer = make.user("manager", "complaint_manager")
    mine = make.complaint(manager=officer.participant)
    make.complaint()  # someone else's: not counted for a complaint manager
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == mine.id)
        .values(next_due_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    auth.login("manager")
    html = auth.client.get("/admin/").get_data(as_text=True)
    assert "Assigned to me" in html
    assert 'data-count="mine:open">1<' in html
    assert 'data-count="mine:overdue">1<' in html
    assert "flt0_assigned_to_me_is=1" in html
    assert "Service-desk tickets" not in html


def test_a_support_agent_cannot_open_the_complaint_register(app, make, auth):
    make.user("agent", "support_agent")
    auth.login("agent")
    assert auth.client.get("/admin/complaint/").status_code == 403
    assert auth.client.get("/admin/ticket/").status_code == 200


def test_a_coordinator_cannot_open_accounts_configuration_or_the_audit_log(app, make, auth):
    make.user("coord", "coordinator")
    auth.login("coord")
    for url in ("/admin/user/", "/admin/calendar/", "/admin/sla_target/", "/admin/history/"):
        assert auth.client.get(url).status_code == 403, url
    menu = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "/admin/complaint/" in menu
    assert "/admin/user/" not in menu
    assert "/admin/history/" not in menu


def test_a_complaint_manager_sees_only_the_complaints_they_manage_or_decide(app, make, auth):
    officer = make.user("manager", "complaint_manager")
    mine = make.complaint(manager=officer.participant, summary="Mine to manage")
    theirs = make.complaint(summary="Somebody else's")
    auth.login("manager")
    html = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert mine.reference in html
    assert theirs.reference not in html
    assert auth.client.get(f"/admin/complaint/details/?id={mine.id}").status_code == 200
    for page in ("details", "edit"):
        response = auth.client.get(f"/admin/complaint/{page}/?id={theirs.id}")
        assert response.status_code == 404, page


@pytest.mark.parametrize("page", ["edit", "details"])
def test_an_unknown_or_malformed_id_is_not_found(app, make, auth, page):
    make.user("boss", "administrator")
    auth.login("boss")
    for record_id in ("999999", "not-a-number"):
        response = auth.client.get(f"/admin/complaint/{page}/?id={record_id}")
        assert response.status_code == 404


def test_deleting_an_unknown_id_is_not_found(app, make, auth):
    make.user("boss", "administrator")
    auth.login("boss")
    page = auth.client.get("/admin/channel/").get_data(as_text=True)
    response = auth.client.post(
        "/admin/channel/delete/", data={"id": "999999", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 404


def test_deleting_needs_the_csrf_token(app, make, auth):
    make.user("boss", "administrator")
    channel = db.session.execute(db.select(Channel).filter_by(code="letter")).scalar_one()
    auth.login("boss")
    auth.client.post("/admin/channel/delete/", data={"id": str(channel.id)})
    db.session.expire_all()
    assert db.session.get(Channel, channel.id) is not None


def test_complaints_cannot_be_deleted_or_edited_inline(app, make, auth):
    make.user("boss", "administrator")
    complaint = make.complaint()
    auth.login("boss")
    page = auth.client.get("/admin/complaint/new/").get_data(as_text=True)
    auth.client.post(
        "/admin/complaint/delete/", data={"id": str(complaint.id), "csrf_token": csrf_token(page)}
    )
    response = auth.client.post(
        "/admin/complaint/ajax/update/",
        data={"list_form_pk": str(complaint.id), "summary": "changed", "csrf_token": "x"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).summary == "Counter staff were rude"
