"""The desk in a browser: a phone complaint from a new person in one form (with the warning
that they may already be in the register), decision makers that follow the manager chosen,
the keyboard shortcuts, the complaints grid at a laptop's 1366 px (the Next due column and
its Overdue badge on screen) and on a phone, and axe-core over every staff page an
administrator reaches, finding nothing serious or critical (and no page, grid included,
wider than a 1366 px screen)."""

import collections
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e

RECEIVED = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # Monday 2 March, 10:00 Brisbane
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"


@pytest.fixture(scope="module")
def desk(live_server):
    """Accounts for the officers, an administrator, and complaints on the grid (one overdue,
    with long names in the columns before Next due)."""
    from sqlalchemy import update

    from models import (
        Capacity,
        Category,
        ClassificationLevel,
        Complaint,
        Division,
        InternalReview,
        Participant,
        Ticket,
        User,
        db,
        utcnow,
    )

    with live_server.app.app_context():

        def capacity(code):
            return db.session.execute(db.select(Capacity).filter_by(code=code)).scalar_one()

        def level(code):
            return db.session.execute(
                db.select(ClassificationLevel).filter_by(code=code)
            ).scalar_one()

        def person(family_name):
            return db.session.execute(
                db.select(Participant).filter_by(family_name=family_name)
            ).scalar_one()

        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        junior = Participant(
            kind="staff",
            given_name="Jo",
            family_name="Junior",
            division=division,
            level=level("AO4"),
        )
        admin_person = Participant(
            kind="staff",
            given_name="Ari",
            family_name="Admin",
            division=division,
            level=level("SES1"),
        )
        accounts = (
            ("marsh", person("Marsh"), "complaint_manager"),
            ("deakin", person("Deakin"), "decision_maker"),
            ("junior", junior, "decision_maker"),
            ("admin", admin_person, "administrator"),
        )
        for username, participant, code in accounts:
            user = User(username=username, participant=participant, active=True)
            user.set_password(PASSWORD)
            user.capacities = [capacity(code)]
            db.session.add(user)
        category = db.session.execute(db.select(Category).order_by(Category.id)).scalars().first()
        category.name = "Service delivery and the quality of it " + "x" * 30
        complaints = []
        for n in range(3):
            complaint = Complaint(
                kind="complaint",
                summary=f"Counter closed early {n}",
                division=division,
                received_at=RECEIVED,
                category=category,
                complainant=Participant(
                    kind="complainant", given_name="Sam", family_name=f"{LONG_NAME}{n}"
                ),
                manager=person("Marsh") if n != 1 else None,
                decision_maker=person("Deakin") if n != 1 else None,
            )
            db.session.add(complaint)
            complaints.append(complaint)
        client = Participant(kind="client_organisation", organisation_name="Acme Training")
        db.session.add(
            Ticket(severity="2", summary="Reports time out", client=client, reported_at=RECEIVED)
        )
        db.session.flush()
        db.session.add(
            InternalReview(complaint=complaints[2], reviewer=admin_person, requested_at=RECEIVED)
        )
        db.session.commit()
        # The first is overdue: its next due passed yesterday.
        db.session.execute(
            update(Complaint)
            .where(Complaint.id == complaints[0].id)
            .values(next_due_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
        return {"overdue": complaints[0].reference, "ids": [c.id for c in complaints]}


def signed_in(browser, live_server, username, width=1366, height=768):
    context = browser.new_context(
        locale="en-AU",
        timezone_id="Australia/Brisbane",
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/"))
    return context, page


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(str(node["target"][0]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


# ----------------------------------------------------------------- one-form registration


def test_a_phone_complaint_from_a_new_person_is_registered_in_one_form(browser, live_server, desk):
    from models import Complaint, Participant, db

    context, page = signed_in(browser, live_server, "coord")
    try:
        page.goto(live_server.url + "/admin/complaint/new/")
        assert page.locator("html").get_attribute("lang") == "en-AU"
        page.click("#s2id_division .select2-choice")
        page.click(".select2-drop-active .select2-result-label:has-text('Customer Services')")
        page.click("#s2id_channel .select2-choice")
        page.click(".select2-drop-active .select2-result-label:has-text('Telephone')")
        # The new person's fields open from beside the complainant picker.
        assert page.locator("#new-person").is_hidden()
        page.get_by_role("button", name="New person…").click()
        assert page.locator("#new_given_name").evaluate("e => e === document.activeElement")
        page.fill("#new_given_name", "Samantha")
        page.fill("#new_family_name", "Carter")
        # The same email as Sam Nguyen's: shown while typing, before anything is saved.
        page.fill("#new_email", "SAM.NGUYEN@example.com")
        page.fill("#new_phone", "0400 123 456")
        page.fill("#new_address", "12 Wharf St, Brisbane")
        warning = page.locator("#likely-people .likely-people")
        warning.wait_for()
        assert "Likely already in the register" in warning.inner_text()
        assert "Sam Nguyen (sam.nguyen@example.com): same email" in warning.inner_text()
        page.fill("#summary", "Rates notice sent to the wrong address")
        page.fill("#received_at", "2026-03-02T09:00")
        # Sent without deciding: refused, nothing saved, everything typed kept.
        page.click("input[type=submit][value=Save]")
        page.locator(".alert-danger", has_text="may already be in the register").wait_for()
        assert page.input_value("#new_family_name") == "Carter"
        assert page.input_value("#new_address") == "12 Wharf St, Brisbane"
        assert page.input_value("#summary") == "Rates notice sent to the wrong address"
        with live_server.app.app_context():
            assert (
                db.session.execute(db.select(Participant).filter_by(family_name="Carter")).first()
                is None
            )
        # It is someone new: confirm, and save once.
        page.get_by_label("None of these: add the new person").check()
        page.click("input[type=submit][value=Save]")
        flash = page.locator(".alert-success", has_text="Registered")
        flash.wait_for()
        reference = re.search(r"CTS-\d{4}-\d{6}", flash.inner_text()).group(0)
        with live_server.app.app_context():
            complaint = db.session.execute(
                db.select(Complaint).filter_by(reference=reference)
            ).scalar_one()
            assert complaint.status == "registered"
            assert (complaint.complainant.given_name, complaint.complainant.email) == (
                "Samantha",
                "SAM.NGUYEN@example.com",
            )
        assert off_site(page.requested) == []
    finally:
        context.close()


# -------------------------------------------------------- decision makers and shortcuts


def pick(page, name, words):
    """Choose the option of a plain select whose label starts with the words."""
    option = page.locator(f"select[name={name}] option", has_text=words).first
    page.select_option(f"select[name={name}]", value=option.get_attribute("value"))


def test_choosing_the_manager_narrows_the_decision_makers_without_a_reload(
    browser, live_server, desk
):
    context, page = signed_in(browser, live_server, "coord")
    try:
        complaint_id = desk["ids"][1]
        page.goto(live_server.url + f"/admin/complaint/transition/assign/?id={complaint_id}")
        page.evaluate("window.notReloaded = true")
        options = page.locator("select[name=decision_maker] option")
        # No manager chosen yet: every decision maker is offered, with their caseload.
        labels = options.all_inner_texts()
        assert any(label.startswith("Jo Junior (AO4) · 0 open") for label in labels)
        assert any(label.startswith("Dana Deakin (AO8) · ") for label in labels)
        pick(page, "decision_maker", "Jo Junior")
        # Morgan Marsh (AO5) as manager: Jo Junior (AO4) does not rank above them.
        pick(page, "manager", "Morgan Marsh")
        page.wait_for_function(
            "() => ![...document.querySelectorAll('select[name=decision_maker] option')]"
            ".some(o => o.textContent.startsWith('Jo Junior'))"
        )
        labels = options.all_inner_texts()
        assert any(label.startswith("Dana Deakin (AO8) · ") for label in labels)
        assert "choose again" in page.locator("#decision-maker-status").inner_text()
        assert page.locator("button[name=refresh]").is_hidden()
        assert page.evaluate("window.notReloaded") is True
    finally:
        context.close()


def test_the_registration_forms_decision_maker_picker_follows_the_manager(
    browser, live_server, desk
):
    context, page = signed_in(browser, live_server, "coord")
    try:
        page.goto(live_server.url + "/admin/complaint/new/")
        page.click("#s2id_manager .select2-choice")
        page.keyboard.type("marsh")
        page.click(".select2-drop-active .select2-result-label:has-text('Morgan Marsh')")
        page.click("#s2id_decision_maker .select2-choice")
        # "n" is in every officer's name: Jo Junior (AO4) too, who ranks below the manager.
        page.keyboard.type("n")
        results = page.locator(".select2-drop-active .select2-result-label")
        results.first.wait_for()
        offered = results.all_inner_texts()
        assert any(label.startswith("Dana Deakin (AO8) · ") for label in offered)
        assert not any(label.startswith("Jo Junior") for label in offered)
    finally:
        context.close()


def test_the_keyboard_searches_moves_through_rows_and_opens_one(browser, live_server, desk):
    context, page = signed_in(browser, live_server, "coord")
    try:
        page.goto(live_server.url + "/admin/complaint/")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.name") == "search"
        page.keyboard.press("Escape")
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        chosen = page.locator("table.model-list tbody tr.desk-chosen")
        assert chosen.count() == 1
        first_reference = page.locator("table.model-list tbody tr td.col-reference").first
        assert chosen.locator("td.col-reference").inner_text() == first_reference.inner_text()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/admin/complaint/details/"))
        page.get_by_role("link", name="Help").click()
        page.wait_for_url(re.compile(r"/admin/help/"))
        assert page.get_by_role("heading", name="Keyboard shortcuts").is_visible()
    finally:
        context.close()


# ------------------------------------------------------------------------ fitting screens


def test_the_next_due_column_and_its_overdue_badge_fit_a_1366_px_screen(
    browser, live_server, desk
):
    context, page = signed_in(browser, live_server, "admin", width=1366, height=768)
    try:
        page.goto(live_server.url + "/admin/complaint/")
        page.screenshot(path="/tmp/desk_grid_1366.png", full_page=True)
        width = page.evaluate("window.innerWidth")
        header = page.locator("table.model-list th.column-header.col-next_due_at")
        badge = page.locator("table.model-list tr", has_text=desk["overdue"]).locator(
            "td.col-next_due_at .badge", has_text="Overdue"
        )
        for element in (header, badge):
            box = element.bounding_box()
            assert box is not None and box["width"] > 0
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= width, f"{scroll_width} px wide on a {width} px screen"
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/admin/complaint/", "/admin/complaint/details/?id={id}"])
def test_the_grid_and_a_complaint_read_on_a_phone(browser, live_server, desk, path):
    context, page = signed_in(browser, live_server, "admin", width=390, height=844)
    try:
        page.goto(live_server.url + path.format(id=desk["ids"][0]))
        page.screenshot(path=f"/tmp/desk_phone_{'details' in path}.png", full_page=True)
        width = page.evaluate("window.innerWidth")
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        wide = page.evaluate(
            "w => [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > w + 1).slice(0, 5).map(e => e.tagName + '.' + "
            "e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
            width,
        )
        assert scroll_width <= width, f"{scroll_width} px wide on a {width} px screen: {wide}"
        if "details" not in path:
            due = page.locator("table.model-list td.col-next_due_at").first
            due.scroll_into_view_if_needed()
            assert due.is_visible()
    finally:
        context.close()


# ----------------------------------------------------------------------------- axe walk

# Pages that differ only in ids, paging, sorting, filters or the report's grouping are the
# same kind of page; so are the pages of screens of one view class (the lookups).
SAME_KIND = {
    "page",
    "sort",
    "desc",
    "page_size",
    "search",
    "url",
    "timeline",
    "timeline_all",
    "kind",
    "by",
}


def view_classes(app):
    (admin,) = app.extensions["admin"]
    return {view.url.rstrip("/"): type(view).__name__ for view in admin._views}


def kind_of(url, classes):
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    for prefix in sorted(classes, key=len, reverse=True):
        if prefix != "/admin" and (path == prefix or path.startswith(prefix + "/")):
            path = classes[prefix] + path[len(prefix) :]
            break
    names = sorted(
        {
            name
            for name, _ in parse_qsl(parts.query)
            if name not in SAME_KIND and not name.startswith("flt")
        }
    )
    return path + "?" + ",".join(names)


SKIPPED = re.compile(
    r"/(export|download|raw|ajax|logout|print)|/login|/(csv|xlsx|pdf|zip)/?$|\.(csv|xlsx|pdf)|format="
)


def test_axe_finds_nothing_serious_on_any_staff_page_an_administrator_reaches(
    browser, live_server, desk
):
    context, page = signed_in(browser, live_server, "admin")
    classes = view_classes(live_server.app)
    started = time.monotonic()
    try:
        seen, problems = set(), []
        queue = collections.deque([live_server.url + "/admin/"])
        while queue:
            url = queue.popleft()
            kind = kind_of(url, classes)
            if kind in seen:
                continue
            seen.add(kind)
            try:
                response = page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue  # a file to download, not a page
                raise
            if response is None or response.status != 200:
                problems.append(f"{url}: {response.status if response else 'no answer'}")
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if page.locator("html").get_attribute("lang") != "en-AU":
                problems.append(f"{url}: the page does not say it is in Australian English")
            problems += [f"{url}: {finding}" for finding in serious_violations(page)]
            # At 1366 px nothing is cut off: no sideways scrolling, a grid's last column shown.
            widths = page.evaluate(
                "() => [document.scrollingElement.scrollWidth, window.innerWidth, "
                "(() => { const cells = document.querySelectorAll('table.model-list thead th');"
                " return cells.length ? cells[cells.length - 1].getBoundingClientRect().right"
                " : 0; })()]"
            )
            if widths[0] > widths[1] or widths[2] > widths[1]:
                problems.append(f"{url}: wider than the screen at 1366 px ({widths})")
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                target = urljoin(url, href).split("#")[0]
                parts = urlsplit(target)
                if (
                    parts.netloc == urlsplit(live_server.url).netloc
                    and parts.path.startswith("/admin/")
                    and not SKIPPED.search(target)
                    and kind_of(target, classes) not in seen
                ):
                    queue.append(target)
        print(f"axe walk: {len(seen)} kinds of page in {time.monotonic() - started:.0f} s")
        print("\n".join(sorted(seen)))
        assert len(seen) > 60, sorted(seen)
        assert problems == [], "\n".join(problems)
        assert off_site(page.requested) == []
    finally:
        context.close()
