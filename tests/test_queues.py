"""Each role's home opens on its queues, and each queue's count is the rows its link shows.

The demo department (`flask seed --demo`) is loaded once; signed in as each demo login, the
home page's queues are compared with the grid each links to (the grid's own count, and its
rows), and with the same work picked out of the records in plain Python from the rules'
words, so a queue that counts the wrong thing fails even when the grid agrees with it.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select, update

from models import (
    CaseNote,
    Channel,
    Complaint,
    InboundMessage,
    InternalReview,
    OutboundMessage,
    Participant,
    PauseStatus,
    Ticket,
    User,
    db,
    kinds,
    utcnow,
)
from rules.vocabulary import (
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)
from seed import demo
from tests.conftest import login
from views.admin import home

DEMO_USERS = tuple(demo.DEMO_LOGINS)
QUEUE = re.compile(
    r'<a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*" data-count="(queue:[^"]+)">'
    r"(\d+)</span>"
)
LISTED = re.compile(r'class="nav-link active">List(?:\s*\((\d+)\))?</a>')


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    from app import create_app
    from seed import reference

    database = tmp_path_factory.mktemp("queues") / "portal.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_FOLDER": str(tmp_path_factory.mktemp("attachments")),
        }
    )
    with app.app_context():
        db.create_all()
        reference.load()
        demo.load(echo=lambda *args: None)
        plant_work()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(app, username):
    client = app.test_client()
    assert login(client, username, demo.DEMO_PASSWORD).status_code == 302
    return client


def queues_on_home(client):
    page = client.get("/admin/").get_data(as_text=True)
    return {key: (int(count), unescape(url)) for url, _, key, count in QUEUE.findall(page)}


def grid_rows(client, url):
    """The grid's own count ("List (12)") and the rows it shows on one page of 100."""
    response = client.get(url + "&page_size=100")
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    listed = LISTED.search(page)
    first = re.search(r'<th class="column-header col-([\w-]+)">', page).group(1)
    return int(listed.group(1) or 0) if listed else None, page.count(f'<td class="col-{first}">')


def person(username):
    return db.session.execute(select(User).filter_by(username=username)).scalar_one().participant


def plant_work():
    """Work the demo data has little of, so that no queue is empty for its demo user: a
    complaint lodged online, replies (one answered, one noted, one not), a complaint
    waiting on its complainant, a severity 1 outage."""
    now = utcnow()
    coordinator, manager = person("coordinator"), person("manager")
    online = db.session.scalar(select(Channel).filter_by(code="online_form"))
    lodged = Complaint(
        kind="complaint",
        summary="Lodged on the website",
        division_id=coordinator.division_id,
        received_at=now - timedelta(hours=2),
        channel=online,
        complainant=Participant(kind="complainant", given_name="Robin", family_name="Web"),
    )
    db.session.add(lodged)
    mine = db.session.scalars(
        select(Complaint)
        .where(
            Complaint.manager_id == manager.id,
            Complaint.status.notin_(kinds.COMPLAINT.closed_statuses),
        )
        .order_by(Complaint.id)
    ).all()
    assert len(mine) >= 4, "the demo manager has too few open complaints to plant replies"
    for n, complaint in enumerate(mine[:3]):
        db.session.add(
            InboundMessage(
                message_id=f"<planted.{n}@example.org>",
                mailbox="complaints",
                status="filed",
                subject=f"Re: {complaint.reference}",
                complaint_id=complaint.id,
                received_at=now - timedelta(hours=3),
            )
        )
    officer = db.session.execute(select(User).filter_by(username="manager")).scalar_one()
    # The second is answered by a reply, the third acknowledged by a note; the first waits.
    db.session.add(
        OutboundMessage(
            dedupe_key="planted-reply",
            template_key="reply",
            recipient_role="complainant",
            subject="Re: your complaint",
            body="Thank you.",
            complaint_id=mine[1].id,
            author_id=officer.id,
            created_at=now - timedelta(hours=1),
        )
    )
    db.session.add(
        CaseNote(
            complaint_id=mine[2].id,
            kind="note",
            summary="Read the reply; nothing to answer.",
            user_id=officer.id,
            recorded_at=now - timedelta(hours=1),
        )
    )
    client_org = db.session.scalars(
        select(Participant).where(Participant.kind == "client_organisation")
    ).first()
    db.session.add(
        Ticket(
            severity="1",
            summary="Everything is down",
            client=client_org,
            reported_at=now - timedelta(minutes=10),
        )
    )
    db.session.commit()
    reviewer = person("reviewer")
    review = db.session.scalars(
        select(InternalReview).filter_by(reviewer_id=reviewer.id).order_by(InternalReview.id)
    ).first()
    assert review is not None, "the demo reviewer has no reviews"
    db.session.execute(
        update(InternalReview)
        .where(InternalReview.id == review.id)
        .values(status="in_progress", completed_at=None, outcome=None)
    )
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == mine[3].id)
        .values(status="awaiting_complainant", paused_since=now - timedelta(days=1))
    )
    db.session.commit()


# --- the work each queue holds, picked out of the records in plain Python -------------


def unanswered(case_id):
    """Mail filed on the complaint with no reply written or note made on it since."""
    for message in db.session.scalars(
        select(InboundMessage).filter_by(complaint_id=case_id, status="filed")
    ):
        filed = message.handled_at or message.received_at
        replies = db.session.scalars(
            select(OutboundMessage.created_at).where(
                OutboundMessage.complaint_id == case_id, OutboundMessage.author_id.is_not(None)
            )
        ).all()
        notes = db.session.scalars(
            select(CaseNote.recorded_at).where(
                CaseNote.complaint_id == case_id, CaseNote.user_id.is_not(None)
            )
        ).all()
        if not any(at >= filed for at in [*replies, *notes]):
            return True
    return False


def expected_work(username):
    """{queue key: how many} from the rules' words, for the queues the demo user has."""
    me = person(username)
    now = utcnow()
    complaints = db.session.scalars(select(Complaint)).all()
    open_complaints = [c for c in complaints if c.status not in kinds.COMPLAINT.closed_statuses]
    waiting = set(db.session.scalars(select(PauseStatus.status).filter_by(case_type="complaint")))
    tickets = [
        t
        for t in db.session.scalars(select(Ticket))
        if t.status not in kinds.TICKET.closed_statuses
    ]
    reviews = [
        r
        for r in db.session.scalars(select(InternalReview))
        if r.status not in kinds.INTERNAL_REVIEW.closed_statuses
    ]
    capacity = demo.DEMO_LOGINS[username]
    if capacity == COORDINATOR:
        ours = [c for c in open_complaints if c.division_id == me.division_id]
        return {
            "to_register": sum(
                c.status == "received" and c.channel.code in ("online_form", "email") for c in ours
            ),
            "unassigned": sum(
                c.status != "received" and c.kind == "complaint" and c.manager_id is None
                for c in ours
            ),
            "overdue": sum(c.next_due_at is not None and c.next_due_at < now for c in ours),
            "replies": sum(unanswered(c.id) for c in ours),
        }
    if capacity == COMPLAINT_MANAGER:
        managed = [c for c in open_complaints if c.manager_id == me.id]
        return {
            "assigned": len(managed),
            "waiting": sum(c.status in waiting for c in managed),
            "replies": sum(unanswered(c.id) for c in managed),
        }
    if capacity == DECISION_MAKER:
        return {
            "awaiting": sum(
                c.decision_maker_id == me.id and c.status == "response_drafted" for c in complaints
            )
        }
    if capacity == INTERNAL_REVIEWER:
        return {"mine": sum(r.reviewer_id == me.id for r in reviews)}
    if capacity == SUPPORT_AGENT:
        return {
            "severity_1": sum(t.severity == "1" for t in tickets),
            "unassigned": sum(t.agent_id is None for t in tickets),
            "first_response": sum(t.first_response_at is None for t in tickets),
        }
    return {}


def queue_keys(capacity):
    return {
        f"queue:{capacity}:{queue.key}"
        for held, _, queues in home.QUEUES
        if held == capacity
        for queue in queues
    }


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_queue_count_is_the_rows_its_grid_shows_the_user(portal, username):
    client = sign_in(portal, username)
    queues = queues_on_home(client)
    assert set(queues) == queue_keys(demo.DEMO_LOGINS[username])
    wrong = []
    for key, (count, url) in queues.items():
        listed, rows = grid_rows(client, url)
        if listed != count or rows != min(count, 100):
            wrong.append(f"{key}: the home says {count}, the grid lists {listed} ({rows} rows)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_queue_holds_the_work_the_rules_describe(portal, username):
    client = sign_in(portal, username)
    queues = queues_on_home(client)
    with portal.app_context():
        expected = expected_work(username)
    found = {key.split(":")[2]: count for key, (count, _) in queues.items()}
    assert {key: found[key] for key in expected} == expected
    # The planted work makes each queue of the demo users hold something.
    assert all(found.values()), found


def test_every_queue_names_filters_its_grid_knows(portal):
    with portal.test_request_context():
        admin = portal.extensions["admin"][0]
        for _, _, queues in home.QUEUES:
            for queue in queues:
                view = next(v for v in admin._views if v.endpoint == queue.endpoint)
                for name, value in queue.filters:
                    assert name in view._filter_args, (queue.key, name)
                    assert view._filter_args[name][1].validate(value)
