"""Every page each demo user can reach, opened the way they would reach it.

The demo department (`flask seed --demo`) is loaded once, with a few values planted that a
careless template would let through as markup. Then, signed in as each demo login, the walk
starts at the home page and follows every link it finds (a few of each kind of page: three
details pages of a screen, not five hundred), posts each create form empty, each edit form
unchanged and each workflow step's form empty, and fails on:

- a server error, or a link on a page that leads to a missing page (404) or a refusal (403:
  a link the user cannot use should not be shown);
- anything the content security policy would block: a <script> or <style> element without
  this response's nonce, an inline style attribute, an event handler or `javascript:` link
  whose hash the policy does not carry, a script, style or image from another site;
- a planted value shown unescaped;
- a complaint reference outside the user's scope, or the email address of a confidential
  complainant the user may not see.

Separate tests check that each home count equals the rows its link shows, and open every
report for every kind of period, grouping and download, with bad parameters too.

SQLite only: the walk is the same on any database and takes a good part of a minute.
"""

import collections
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import select

from models import Complaint, InternalReview, Participant, Ticket, User, db
from rules import periods
from seed import demo
from services.reports import DIMENSIONS
from services.reports.satisfaction import DIMENSIONS as SATISFACTION_DIMENSIONS
from tests.admin_forms import form_values
from tests.conftest import login
from views.security import hash_source

MARK = '<i class="walk-unescaped">'
DEMO_USERS = tuple(demo.DEMO_LOGINS)
# Pages of one kind (same path, same query names) opened per user: enough to meet every
# template and formatter, few enough to keep the walk under a minute.
PER_KIND = 3
# Query names that only page, sort or size a list: the same kind of page.
PAGING = {"page", "sort", "desc", "page_size"}
COMPLAINT_REFERENCE = re.compile(r"\b(?:CTS|CMP|SUG)-\d{4}-\d{6}\b")
REPORTS = (
    "service-levels",
    "clients",
    "timeliness",
    "outcomes",
    "trends",
    "annual",
    "improvements",
    "satisfaction",
)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    from app import create_app
    from seed import reference

    database = tmp_path_factory.mktemp("walk") / "portal.sqlite3"
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
        planted = plant_markup()
        limits = {username: out_of_reach(username) for username in DEMO_USERS}
    app.config["WALK_PLANTED_COMPLAINT"] = planted
    yield app, limits
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def participant_of(username):
    return db.session.execute(select(User).filter_by(username=username)).scalar_one().participant


def plant_markup():
    """Markup in the places people type: a complaint the demo manager holds, its
    complainant, a category, a ticket and its client."""
    manager = participant_of("manager")
    complaint = db.session.scalars(
        select(Complaint)
        .where(Complaint.manager_id == manager.id, Complaint.confidential.is_(False))
        .order_by(Complaint.id)
    ).first()
    complaint.summary = f"Counter {MARK} closed"
    complaint.description = f"The sign said {MARK} and nothing else."
    complaint.outcome_sought = f"An apology {MARK}"
    complaint.complainant.family_name = f"Smith{MARK}"
    complaint.category.name = f"Quality {MARK}"
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()
    ticket.summary = f"Portal down {MARK}"
    ticket.client.organisation_name = f"Acme {MARK}"
    db.session.commit()
    return complaint.id


def out_of_reach(username):
    """What the user may not see: complaint references outside their scope, and the email
    addresses of confidential complainants hidden from them (worked out here from the
    rules in plain words, not from the portal's own queries)."""
    me = participant_of(username).id
    my_division = participant_of(username).division_id
    reviewed = set(
        db.session.scalars(
            select(InternalReview.complaint_id).where(InternalReview.reviewer_id == me)
        )
    )
    complaints = db.session.scalars(select(Complaint)).all()

    def reachable(complaint):
        if username == "admin":
            return True
        if username == "coordinator":
            return complaint.division_id == my_division
        if username in ("manager", "decider"):
            # The contact officer named for a person whose contact is restricted handles
            # their complaints like an assigned officer.
            officers = (complaint.manager_id, complaint.decision_maker_id)
            return me in (*officers, complaint.contact_officer_id)
        if username == "reviewer":
            return complaint.id in reviewed
        return False

    def sees_complainant(complaint):
        if not complaint.confidential:
            return True
        if username == "coordinator" and complaint.division_id == my_division:
            return True
        officers = {
            complaint.coordinator_id,
            complaint.manager_id,
            complaint.decision_maker_id,
            complaint.contact_officer_id,
        }
        return me in officers or complaint.id in reviewed

    # A complainant the user meets on a case they handle is named there, even when another
    # of the same person's confidential complaints is out of the user's sight.
    seen = {c.complainant_id for c in complaints if sees_complainant(c)}
    hidden = {
        c.complainant_id
        for c in complaints
        if c.complainant_id and c.complainant_id not in seen and not sees_complainant(c)
    }
    shown_emails = set(
        db.session.scalars(select(Participant.email).where(Participant.id.not_in(hidden)))
    )
    hidden_emails = set(
        db.session.scalars(select(Participant.email).where(Participant.id.in_(hidden)))
    )
    return {
        "references": {c.reference for c in complaints if not reachable(c)},
        "emails": {e for e in hidden_emails - shown_emails if e},
    }


def sign_in(app, username):
    client = app.test_client()
    response = login(client, username, demo.DEMO_PASSWORD)
    assert response.status_code == 302, f"{username} could not sign in"
    return client


class PageReader(HTMLParser):
    """Links, forms and what the content security policy would make of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.forms = []  # (method, action)
        self.attribute_scripts = []
        self.inline = []  # (tag, attributes) of <script> and <style> without a src
        self.styled = []
        self.foreign = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        href = attributes.get("href") or ""
        if tag == "a" and href:
            if href.startswith("javascript:"):
                self.attribute_scripts.append(href)
            else:
                self.links.append(href)
        if tag == "form":
            self.forms.append(
                ((attributes.get("method") or "get").lower(), attributes.get("action") or "")
            )
        if tag == "script" and "src" not in attributes or tag == "style":
            self.inline.append((tag, attributes))
        if "style" in attributes:
            self.styled.append(tag)
        self.attribute_scripts += [v for k, v in attributes.items() if k.startswith("on") and v]
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if tag in ("script", "link", "img") and urlsplit(value).netloc:
                self.foreign.append(value)


def kind_of_page(url):
    """Pages that differ only in ids, paging or sorting are the same kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    names = sorted({name for name, _ in parse_qsl(parts.query) if name not in PAGING})
    return path + "?" + ",".join(names)


def normalised(url):
    parts = urlsplit(url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + ("?" + urlencode(query) if query else "")


class Walk:
    """One demo user's walk; `problems` lists what went wrong, one line each."""

    def __init__(self, app, username, limits):
        self.username = username
        self.client = sign_in(app, username)
        self.limits = limits
        self.problems = []
        self.opened = {}
        self.kinds = collections.Counter()
        self.posted = set()
        self.marks_seen = 0

    def problem(self, text):
        self.problems.append(f"{self.username}: {text}")

    def run(self, start="/admin/"):
        queue = collections.deque([(start, "(start)")])
        while queue:
            url, came_from = queue.popleft()
            key = normalised(url)
            if key in self.opened:
                continue
            kind = kind_of_page(url)
            if self.kinds[kind] >= PER_KIND:
                continue
            self.kinds[kind] += 1
            response = self.client.get(url)
            body = response.get_data()  # downloads stream: read them to the end
            self.opened[key] = response.status_code
            if response.status_code >= 500:
                self.problem(f"{response.status_code} at {url} (linked from {came_from})")
                continue
            if response.status_code in (301, 302, 303, 307, 308):
                queue.append((urljoin(url, response.headers["Location"]), url))
                continue
            if response.status_code != 200:
                self.problem(f"{response.status_code} at {url} (linked from {came_from})")
                continue
            if response.mimetype != "text/html":
                continue
            html = body.decode()
            reader = PageReader()
            reader.feed(html)
            self.check_page(url, html, reader, response.headers)
            for href in reader.links:
                target = self.followable(url, href)
                if target:
                    queue.append((target, url))
            self.post_forms(url, html, reader)
        return self

    def followable(self, url, href):
        if href.startswith(("#", "mailto:", "tel:")):
            return None
        parts = urlsplit(urljoin(url, href))
        if parts.netloc not in ("", "localhost"):
            self.problem(f"a link off the site on {url}: {href}")
            return None
        if parts.path.startswith(("/static/", "/admin/static/", "/logout")):
            return None
        return parts.path + ("?" + parts.query if parts.query else "")

    def check_page(self, url, html, reader, headers):
        policy = headers.get("Content-Security-Policy", "")
        nonce = re.search(r"'nonce-([^']+)'", policy)
        for tag, attributes in reader.inline:
            if not nonce or attributes.get("nonce") != nonce.group(1):
                self.problem(f"a <{tag}> without this response's nonce on {url}")
        for tag in sorted(set(reader.styled)):
            self.problem(f"an inline style attribute on <{tag}> on {url}")
        for script in sorted(set(reader.attribute_scripts)):
            if hash_source(script) not in policy:
                self.problem(f"an attribute script the policy blocks on {url}: {script!r}")
        for source in reader.foreign:
            self.problem(f"{source} loaded from another site on {url}")
        if MARK in html:
            self.problem(f"a value shown unescaped on {url}")
        self.marks_seen += "walk-unescaped" in html
        text = unescape(html)
        for reference in sorted(set(COMPLAINT_REFERENCE.findall(text))):
            if reference in self.limits["references"]:
                self.problem(f"{reference}, outside the user's scope, shown on {url}")
        for email in sorted(self.limits["emails"]):
            if email in text:
                self.problem(f"a hidden confidential complainant ({email}) shown on {url}")

    def post_forms(self, url, html, reader):
        """Each kind of form posted once: empty (create, steps) or unchanged (edit)."""
        path = urlsplit(url).path
        for method, action in reader.forms:
            if method != "post" or not action:
                continue
            target = urljoin(url, unescape(action))
            kind = kind_of_page(target)
            if kind in self.posted or "/delete/" in target or "/action/" in target:
                continue
            if not re.search(r"/(new|edit|transition/\w+)/$", path):
                continue
            self.posted.add(kind)
            values = form_values(html)
            if "/edit/" not in path:
                keep = {"csrf_token", "version", "id", "url"}
                values = {name: value for name, value in values.items() if name in keep}
            response = self.client.post(target, data=values)
            response.get_data()
            if response.status_code >= 500 or response.status_code in (403, 404):
                self.problem(f"posting the form at {url}: {response.status_code}")


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_page_a_demo_user_reaches_opens_cleanly(portal, username):
    app, limits = portal
    walk = Walk(app, username, limits[username])
    if username in ("admin", "coordinator", "manager"):
        # The complaint carrying the planted markup, whichever three the lists lead to.
        walk.run(f"/admin/complaint/details/?id={app.config['WALK_PLANTED_COMPLAINT']}")
    walk.run()
    assert len(walk.opened) > 10, f"{username} reached almost nothing: {walk.opened}"
    assert not walk.problems, "\n".join(walk.problems)
    if username != "reviewer":
        assert walk.marks_seen, "the planted values were on no page: the check proves nothing"


def test_every_kind_of_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_one(portal):
    app, _ = portal
    assert app.test_client().get("/favicon.ico").status_code == 404
    client = sign_in(app, "admin")
    for url in ("/admin/", "/admin/complaint/", "/admin/reports/trends/", "/admin/nowhere/"):
        assert '<link rel="icon" href="data:,">' in client.get(url).get_data(as_text=True), url
    public = app.test_client()
    for url in ("/login", "/lodge/"):
        assert '<link rel="icon" href="data:,">' in public.get(url).get_data(as_text=True), url


def test_the_public_form_and_sign_in_pages_open_cleanly(portal):
    app, _ = portal
    walk = Walk(app, "agent", {"references": set(), "emails": set()})
    walk.client = app.test_client()
    for start in ("/lodge/", "/login"):
        walk.run(start)
    assert not walk.problems, "\n".join(walk.problems)


# --- the home page: each count is the number of rows its link shows -----------------------

COUNT = re.compile(
    r'<a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*" data-count="([^"]+)">(\d+)</span>'
)
# Flask-Admin's list tab: "List (12)", or plain "List" when nothing matches.
LISTED = re.compile(r'class="nav-link active">List(?:\s*\((\d+)\))?</a>')


@pytest.mark.dates
@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_home_count_is_the_number_of_rows_its_link_shows(portal, username):
    app, _ = portal
    client = sign_in(app, username)
    home = client.get("/admin/").get_data(as_text=True)
    counts = COUNT.findall(home)
    assert counts or username == "agent" or "no screens yet" in home
    wrong = []
    for url, label, key, count in counts:
        grid = client.get(unescape(url))
        shown = LISTED.search(grid.get_data(as_text=True))
        rows = int(shown.group(1) or 0) if shown else None
        if grid.status_code != 200 or rows != int(count):
            wrong.append(f"{key} ({label}): the home page says {count}, the grid shows {rows}")
    assert not wrong, "\n".join(wrong)


# --- reports: every kind of period, grouping and download; bad parameters --------------


def report_urls(kinds, by=(None,)):
    urls = []
    for kind in kinds:
        current = periods.period_containing(kind, date.today())
        for period in (current, periods.shift(current, -5)):
            for grouping in by:
                args = {"kind": kind, "period": period.key}
                if grouping:
                    args["by"] = grouping
                urls.append("?" + urlencode(args))
    return urls


REPORT_PERIODS = {
    "service-levels": report_urls(periods.KINDS),
    "clients": report_urls([periods.MONTH, periods.QUARTER]),
    "timeliness": report_urls(periods.KINDS, tuple(DIMENSIONS)),
    "outcomes": report_urls(periods.KINDS),
    "trends": report_urls([periods.QUARTER]),
    "annual": report_urls([periods.FINANCIAL_YEAR]),
    "improvements": report_urls(periods.KINDS),
    "satisfaction": report_urls(periods.KINDS, tuple(SATISFACTION_DIMENSIONS)),
}
BAD = ("?period=0001-01", "?period=someday", "?kind=week", "?by=officer", "?period=2026-Q9")


@pytest.mark.parametrize("username", ["admin", "coordinator", "manager", "agent", "reviewer"])
def test_every_report_opens_for_every_period_and_grouping_and_downloads(portal, username):
    app, limits = portal
    client = sign_in(app, username)
    problems = []
    for report in REPORTS:
        base = f"/admin/reports/{report}/"
        allowed = client.get(base).status_code == 200
        queries = ("", *REPORT_PERIODS[report], *BAD)
        downloaded = {"", *REPORT_PERIODS[report][:1], *BAD[:2]}
        for query in queries:
            downloads = (
                (f"{base}export/csv/", f"{base}export/xlsx/") if query in downloaded else ()
            )
            for url in (base, *downloads):
                response = client.get(url + query)
                response.get_data()
                expected = {200, 400} if allowed else {403}
                if response.status_code not in expected:
                    problems.append(f"{url}{query}: {response.status_code}")
                if response.mimetype == "text/html" and MARK in response.get_data(as_text=True):
                    problems.append(f"{url}{query}: a value shown unescaped")
                if response.mimetype == "text/html" and response.status_code == 200:
                    page = unescape(response.get_data(as_text=True))
                    shown = set(COMPLAINT_REFERENCE.findall(page)) & limits[username]["references"]
                    if shown:
                        problems.append(f"{url}{query}: shows {sorted(shown)[:3]}")
    assert not problems, "\n".join(problems)
