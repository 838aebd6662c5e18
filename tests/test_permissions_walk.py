"""The whole permission table, walked through the screens.

Every capacity (and an account holding none) x every screen x every endpoint Flask-Admin
exposes: list, details, create (GET and POST), edit (GET and POST), delete, bulk actions,
inline update, the pickers' look-ups and the CSV export; and each workflow step's page.
What is expected comes from rules.permissions, so the walk stays in step with the table:

- allowed: the page opens (or the post is not refused), showing the rows inside the
  account's scope and none outside it;
- not allowed: 403, and nothing changed; signed out: to the sign-in page;
- a record outside the scope: 404 by URL, by posted id, and absent from look-ups and
  exports.

A screen may offer less than the table grants (cases are never deleted by hand, the audit
records are the system's): `NOT_OFFERED` names those cells, refused to everyone.

The department is built once for the module (SQLite only: the walk is the same on any
database, and large); each test signs in afresh and only deletes rows it made itself.
"""

import csv
import io
import itertools
import re

import pytest

from models import (
    ApiToken,
    Calendar,
    CannedParagraph,
    Category,
    Channel,
    ClassificationLevel,
    DisposalRecord,
    Division,
    EscalationRule,
    HistoryEntry,
    InboundMessage,
    MailTemplate,
    OutboundMessage,
    Outcome,
    PauseStatus,
    ReferralTarget,
    RetentionRule,
    SlaTarget,
    User,
    db,
)
from rules import permissions
from rules.vocabulary import CAPACITIES
from tests import scoped_world
from tests.admin_forms import form_values
from tests.conftest import PASSWORD, login
from views.admin.base import ScopedModelView
from views.admin.loaders import ComplaintLoader, ParticipantLoader

# What the screens never offer, whatever the table grants: cases and people are never
# deleted by hand, accounts never exported, the audit records are the system's.
NOT_OFFERED = {
    "historyentry": {"create", "edit", "delete"},
    "referencecounter": {"create", "edit", "delete", "export"},
}
WHO = [*CAPACITIES, scoped_world.NOBODY]
# Text that shows a record of a scoped screen in its list and export.
SCOPED = (
    "complaint",
    "internal_review",
    "external_review",
    "extension",
    "participant",
    "outboundmessage",
    "inboundmessage",
    "contactrestriction",
    "representative",
)


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    from app import create_app
    from seed import reference

    database = tmp_path_factory.mktemp("walk") / "portal.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        reference.load()
        world = scoped_world.build()
    yield app, world
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def views_by_screen(app):
    (admin,) = app.extensions["admin"]
    return {view.screen: view for view in admin._views if isinstance(view, ScopedModelView)}


def sign_in(app, username):
    client = app.test_client()
    response = login(client, username, PASSWORD)
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def expected(capacities, screen, action) -> bool:
    if action in NOT_OFFERED.get(screen, ()):
        return False
    return permissions.allowed(capacities, screen, action)


def marks(world, screen):
    """(text showing the record inside, text showing the one outside) on a scoped screen."""
    if screen == "participant":
        return world.inside.complainant_name, world.outside.complainant_name
    return world.inside.reference, world.outside.reference


def records(world, screen):
    """(id inside the scope, id outside it or None) of a record on the screen."""
    if screen == "outboundmessage":
        # Each side's registration email to its complainant, queued when it was created.
        return tuple(
            db.session.scalar(db.select(OutboundMessage.id).filter_by(complaint_id=side.complaint))
            for side in (world.inside, world.outside)
        )
    if screen == "inboundmessage":
        return tuple(walk_inbound(side.complaint) for side in (world.inside, world.outside))
    if screen in SCOPED:
        field = "complainant" if screen == "participant" else screen
        return getattr(world.inside, field), getattr(world.outside, field)
    if screen == "ticket":
        return world.ticket, None
    if screen == "user":
        return world.users[scoped_world.NOBODY], None
    if screen == "apitoken":
        return walk_token(world), None
    if screen == "division":
        return world.division_b, None
    if screen == "clockpause":
        return world.clock_pause, None
    if screen == "referencecounter":
        return "CTS,2026", None
    if screen == "cannedparagraph":
        return walk_paragraph(), None
    if screen == "disposalrecord":
        return walk_disposal(), None
    model = {
        "classificationlevel": ClassificationLevel,
        "calendar": Calendar,
        "slatarget": SlaTarget,
        "pausestatus": PauseStatus,
        "escalationrule": EscalationRule,
        "channel": Channel,
        "category": Category,
        "outcome": Outcome,
        "referraltarget": ReferralTarget,
        "historyentry": HistoryEntry,
        "mailtemplate": MailTemplate,
        "retentionrule": RetentionRule,
    }[screen]
    return db.session.execute(db.select(model.id).order_by(model.id)).scalars().first(), None


def walk_inbound(complaint_id) -> int:
    """An email filed on the complaint, made once for the walk."""
    message_id = f"<walk.{complaint_id}@example.org>"
    found = db.session.scalar(db.select(InboundMessage.id).filter_by(message_id=message_id))
    if found is None:
        row = InboundMessage(
            message_id=message_id,
            mailbox="complaints",
            status="filed",
            subject="A reply",
            complaint_id=complaint_id,
        )
        db.session.add(row)
        db.session.commit()
        found = row.id
    return found


def walk_paragraph() -> int:
    """A canned paragraph, made once for the walk."""
    found = db.session.scalars(db.select(CannedParagraph.id).order_by(CannedParagraph.id)).first()
    if found is None:
        paragraph = CannedParagraph(title="Walk", body="Thank you for contacting us.")
        db.session.add(paragraph)
        db.session.commit()
        found = paragraph.id
    return found


def walk_disposal() -> int:
    """A disposal record, made once for the walk (the walk's cases are not disposed of)."""
    found = db.session.scalars(db.select(DisposalRecord.id).order_by(DisposalRecord.id)).first()
    if found is None:
        record = DisposalRecord(
            case_type="complaint",
            case_id=0,
            reference="CTS-2017-000001",
            case_kind="complaint",
            retention_years=7,
            record_class="Walk",
            authority="Walk authority",
            removed="nothing",
        )
        db.session.add(record)
        db.session.commit()
        found = record.id
    return found


def walk_token(world) -> int:
    """An API token of the account with no capacity, made once for the walk."""
    from services import api_tokens

    found = db.session.execute(db.select(ApiToken.id).order_by(ApiToken.id)).scalars().first()
    if found is None:
        user = db.session.get(User, world.users[scoped_world.NOBODY])
        found = api_tokens.issue(db.session, user, "Walk").token
        db.session.commit()
        found = found.id
    return found


_throwaways = itertools.count(1)


def throwaway(screen):
    """A row of a configuration screen nothing refers to, for an allowed delete."""
    n = next(_throwaways)
    calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
    row = {
        "division": lambda: Division(code=f"X{n}", name=f"Throwaway {n}", calendar=calendar),
        "classificationlevel": lambda: ClassificationLevel(
            code=f"X{n}", name=f"Throwaway {n}", rank=1000 + n
        ),
        "calendar": lambda: Calendar(code=f"X{n}", name=f"Throwaway {n}", timezone="UTC"),
        "slatarget": lambda: SlaTarget(
            key=f"walk.throwaway.{n}", name="Throwaway", amount=1, unit="calendar-days"
        ),
        "pausestatus": lambda: PauseStatus(case_type="ticket", status=f"throwaway_{n}"),
        "channel": lambda: Channel(code=f"x{n}", name=f"Throwaway {n}"),
        "category": lambda: Category(code=f"x{n}", name=f"Throwaway {n}"),
        "outcome": lambda: Outcome(code=f"x{n}", name=f"Throwaway {n}"),
        "referraltarget": lambda: ReferralTarget(code=f"x{n}", name=f"Throwaway {n}"),
    }[screen]()
    db.session.add(row)
    db.session.commit()
    return type(row), row.id


def any_token(client, urls):
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            found = re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)
            )
            if found:
                return found.group(1)
    return ""


class Walk:
    """One account on one screen: each check appends what went wrong, in words."""

    def __init__(self, app, world, username, screen):
        self.app, self.world, self.screen = app, world, screen
        self.capacities = frozenset() if username == scoped_world.NOBODY else {username}
        self.client = sign_in(app, username)
        self.view = views_by_screen(app)[screen]
        self.url = self.view.url.rstrip("/") + "/"
        self.scope = permissions.scope(self.capacities, screen)
        with app.app_context():
            self.inside, self.outside = records(world, screen)
        self.problems = []

    def may(self, action):
        return expected(self.capacities, self.screen, action)

    def expect(self, what, response, status):
        if response.status_code != status:
            self.problems.append(f"{what}: {response.status_code}, expected {status}")
            return False
        return True

    def sees_outside(self):
        return self.scope == "all"

    def check_rows(self, what, text):
        if self.screen not in SCOPED:
            return
        inside, outside = marks(self.world, self.screen)
        if inside not in text:
            self.problems.append(f"{what}: the record inside the scope is missing")
        if (outside in text) != self.sees_outside():
            self.problems.append(
                f"{what}: the record outside the scope is "
                + ("shown" if outside in text else "missing")
            )

    # The endpoints
    def list(self):
        response = self.client.get(self.url)
        if response.status_code == 302 and response.headers["Location"].startswith(self.url):
            response = self.client.get(response.headers["Location"])  # a default filter
        if self.expect("list", response, 200 if self.may("list") else 403) and self.may("list"):
            self.check_rows("list", response.get_data(as_text=True))

    def details(self):
        status = 200 if self.may("view") else 403
        self.expect("details", self.client.get(f"{self.url}details/?id={self.inside}"), status)
        if self.outside is not None and self.may("view"):
            status = 200 if self.sees_outside() else 404
            response = self.client.get(f"{self.url}details/?id={self.outside}")
            self.expect("details outside the scope", response, status)

    def create(self):
        allowed = self.may("create")
        form = self.client.get(f"{self.url}new/")
        self.expect("create form", form, 200 if allowed else 403)
        # Posted without its CSRF token an allowed form is shown again: nothing is made.
        data = form_values(form.get_data(as_text=True)) if allowed else {"summary": "x"}
        data.pop("csrf_token", None)
        response = self.client.post(f"{self.url}new/", data=data)
        if allowed:
            if response.status_code in (403, 404) or response.status_code >= 500:
                self.problems.append(f"create post: {response.status_code}")
        else:
            self.expect("create post", response, 403)

    def edit(self):
        allowed = self.may("edit")
        url = f"{self.url}edit/?id={self.inside}"
        form = self.client.get(url)
        self.expect("edit form", form, 200 if allowed else 403)
        if allowed:
            response = self.client.post(url, data=form_values(form.get_data(as_text=True)))
            self.expect("edit post, unchanged", response, 302)
            if self.outside is not None:
                outside = f"{self.url}edit/?id={self.outside}"
                status = 200 if self.sees_outside() else 404
                self.expect("edit form outside the scope", self.client.get(outside), status)
                if not self.sees_outside():
                    response = self.client.post(outside, data={"summary": "Overwritten"})
                    self.expect("edit post outside the scope", response, 404)
        else:
            self.expect("edit post", self.client.post(url, data={"summary": "Changed"}), 403)

    def delete(self):
        if not self.may("delete"):
            response = self.client.post(f"{self.url}delete/", data={"id": self.inside})
            self.expect("delete", response, 403)
            return
        with self.app.app_context():
            model, row_id = throwaway(self.screen)
        token = any_token(self.client, [self.url, f"{self.url}edit/?id={row_id}"])
        response = self.client.post(f"{self.url}delete/", data={"id": row_id, "csrf_token": token})
        self.expect("delete", response, 302)
        with self.app.app_context():
            if db.session.get(model, row_id) is not None:
                self.problems.append("delete: the row is still there")

    def actions(self):
        names = [name for name, _ in self.view._actions]
        token = any_token(self.client, [self.url, f"{self.url}new/"])
        for name in names or ["delete"]:
            action = self.view.action_permission(name)
            allowed = self.may(action) if name in names else False
            if not allowed:
                response = self.client.post(
                    f"{self.url}action/", data={"action": name, "rowid": [str(self.inside)]}
                )
                self.expect(f"bulk {name}", response, 403)
                continue
            # Allowed: nothing chosen, nothing done, but not refused.
            response = self.client.post(
                f"{self.url}action/", data={"action": name, "csrf_token": token}
            )
            self.expect(f"bulk {name}", response, 302)
            if self.outside is not None and not self.sees_outside():
                response = self.client.post(
                    f"{self.url}action/",
                    data={"action": name, "rowid": [str(self.outside)], "csrf_token": token},
                )
                self.expect(f"bulk {name} on a record outside the scope", response, 404)

    def inline_update(self):
        response = self.client.post(
            f"{self.url}ajax/update/", data={"list_form_pk": str(self.inside), "summary": "x"}
        )
        # Allowed or not, no screen edits inline: the editable lists are empty.
        self.expect("inline update", response, 404 if self.may("edit") else 403)

    def lookups(self):
        allowed = self.may("create") or self.may("edit")
        for name, loader in (self.view._form_ajax_refs or {}).items():
            response = self.client.get(f"{self.url}ajax/lookup/?name={name}&query=")
            if not self.expect(f"look-up {name}", response, 200 if allowed else 403):
                continue
            if not allowed:
                continue
            self.check_lookup(name, loader)

    def check_lookup(self, name, loader):
        world = self.world
        if isinstance(loader, ComplaintLoader):
            screen, query = "complaint", "CTS"
            inside, outside = world.inside.complaint, world.outside.complaint
        elif isinstance(loader, ParticipantLoader) and not loader.kinds:
            screen, query = "participant", "walker"
            inside, outside = world.inside.complainant, world.outside.complainant
        else:
            return
        found = {
            row[0]
            for row in self.client.get(
                f"{self.url}ajax/lookup/?name={name}&query={query}"
            ).get_json()
        }
        wide = permissions.scope(self.capacities, screen) == "all"
        reaches_inside = permissions.scope(self.capacities, screen) != "none"
        if (inside in found) != reaches_inside:
            self.problems.append(f"look-up {name}: the record inside the scope is wrong")
        if (outside in found) != wide:
            self.problems.append(f"look-up {name}: the record outside the scope is wrong")

    def steps(self):
        """Each workflow step's own page (opened, never posted): the table's steps."""
        for step in permissions.actions_of(self.screen)[len(permissions.RECORD_ACTIONS) :]:
            allowed = permissions.allowed(self.capacities, self.screen, step)
            url = f"{self.url}transition/{step}/?id="
            response = self.client.get(url + str(self.inside))
            if not allowed:
                self.expect(f"step {step}", response, 403)
                continue
            if response.status_code in (403, 404) or response.status_code >= 500:
                self.problems.append(f"step {step}: {response.status_code}")
            if self.outside is not None and not self.sees_outside():
                response = self.client.get(url + str(self.outside))
                self.expect(f"step {step} outside the scope", response, 404)

    def export(self):
        response = self.client.get(f"{self.url}export/csv/")
        allowed = self.may("export")
        if self.expect("export", response, 200 if allowed else 403) and allowed:
            text = response.get_data(as_text=True)
            list(csv.reader(io.StringIO(text)))
            self.check_rows("export", text)


@pytest.mark.parametrize("screen", permissions.SCREENS)
@pytest.mark.parametrize("who", WHO)
def test_every_endpoint_of_every_screen_follows_the_table(walk, who, screen):
    app, world = walk
    step = Walk(app, world, who, screen)
    for check in (
        step.list,
        step.details,
        step.create,
        step.edit,
        step.delete,
        step.actions,
        step.inline_update,
        step.lookups,
        step.export,
        step.steps,
    ):
        check()
    assert not step.problems, f"{who} on {screen}:\n" + "\n".join(step.problems)


@pytest.mark.parametrize("screen", permissions.SCREENS)
def test_every_endpoint_sends_a_signed_out_visitor_to_sign_in(walk, screen):
    app, world = walk
    client = app.test_client()
    url = views_by_screen(app)[screen].url.rstrip("/") + "/"
    for method, path in (
        ("get", ""),
        ("get", "details/?id=1"),
        ("get", "new/"),
        ("post", "new/"),
        ("get", "edit/?id=1"),
        ("post", "edit/?id=1"),
        ("post", "delete/"),
        ("post", "action/"),
        ("post", "ajax/update/"),
        ("get", "ajax/lookup/?name=complaint&query="),
        ("get", "export/csv/"),
    ):
        response = getattr(client, method)(
            url + path, data={"id": "1"} if method == "post" else None
        )
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/login?next="), (method, path)


def test_every_screen_of_the_table_is_one_admin_view_offering_what_the_walk_expects(walk):
    app, _ = walk
    views = views_by_screen(app)
    assert set(views) == set(permissions.SCREENS)
    for screen, view in views.items():
        offered_nowhere = set(permissions.RECORD_ACTIONS) - set(view.offers)
        granted = {
            action
            for capacity in CAPACITIES
            for action in permissions.grant(capacity, screen).actions
            if action in permissions.RECORD_ACTIONS
        }
        assert offered_nowhere & granted == NOT_OFFERED.get(screen, set()) & granted, screen


def test_the_menu_lists_the_screens_each_capacity_may_list(walk):
    app, _ = walk
    urls = {screen: view.url for screen, view in views_by_screen(app).items()}
    for who in WHO:
        capacities = frozenset() if who == scoped_world.NOBODY else {who}
        menu = sign_in(app, who).get("/admin/").get_data(as_text=True)
        for screen, url in urls.items():
            listed = f'href="{url}/"' in menu
            assert listed == permissions.allowed(capacities, screen, "list"), (who, screen)
