"""A calendar or SLA target change that moves open cases' due dates is previewed (how many,
which, old and new due in each case's local time), saved only on Confirm, and reported
after; the preview is the save rolled back, so both say the same. A change that moves
nothing saves straight away."""

import html as html_text
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from models import Calendar, Closure, Complaint, HistoryEntry, SlaTarget, db
from services import clocks
from tests.admin_forms import confirmation, form_values, press
from tests.conftest import csrf_token

BRISBANE = ZoneInfo("Australia/Brisbane")
MELBOURNE = ZoneInfo("Australia/Melbourne")
# Wednesday 4 March 2026, 10:00 in Brisbane.
NOW = datetime(2026, 3, 4, 0, 0, tzinfo=timezone.utc)
RELOCATION = {
    "closures-0-name": "Relocation",
    "closures-0-starts_on": "2026-03-16",
    "closures-0-ends_on": "2026-03-20",
}


def calendar_of(code):
    return db.session.scalar(select(Calendar).where(Calendar.code == code))


def target(key):
    return db.session.scalar(select(SlaTarget).where(SlaTarget.key == key))


def post_form(client, url, changes):
    """Open an edit (or create) form, change some fields, and post it as a browser would."""
    page = client.get(url).get_data(as_text=True)
    data = form_values(page)
    data["csrf_token"] = csrf_token(page)
    data.update(changes)
    return client.post(url, data=data)


def local(instant, tz=BRISBANE):
    return instant.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def dues(*cases):
    db.session.expire_all()
    return [db.session.get(Complaint, case.id).resolution_due_at for case in cases]


def register(make):
    """Two open standard complaints due late in March, an informal one due on 10 March,
    and a closed one."""
    first = make.complaint(
        received_at=datetime(2026, 3, 2, 9, tzinfo=BRISBANE), classification="standard"
    )
    second = make.complaint(
        received_at=datetime(2026, 3, 3, 11, tzinfo=BRISBANE), classification="standard"
    )
    informal = make.complaint(
        received_at=datetime(2026, 3, 3, 12, tzinfo=BRISBANE), classification="informal"
    )
    closed = make.complaint(
        received_at=datetime(2026, 3, 2, 9, tzinfo=BRISBANE), classification="standard"
    )
    closed.status = "closed"
    closed.closed_at = NOW
    db.session.commit()
    return first, second, informal, closed


def test_a_closure_that_moves_open_cases_is_shown_first_and_saved_only_on_confirm(
    app, make, client, auth, time_machine
):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, informal, closed = register(make)
    before = dues(first, second, informal, closed)
    version = calendar_of("AU-QLD").version
    auth.login("admin")

    shown = confirmation(
        post_form(client, f"/admin/calendar/edit/?id={calendar_of('AU-QLD').id}", RELOCATION)
    )

    assert "moves the due dates of 2 open cases" in shown["page"]
    assert "Nothing has been saved yet" in shown["page"]
    assert shown["confirmed"] == "2"
    references = [row[0] for row in shown["rows"] if len(row) == 5]
    assert references == [first.reference, second.reference]
    # Nothing saved: no closure, no due moved, no history, the calendar's version kept.
    assert dues(first, second, informal, closed) == before
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0
    assert calendar_of("AU-QLD").version == version
    recomputes = select(func.count()).where(HistoryEntry.action == "recompute")
    assert db.session.scalar(recomputes) == 0
    # The form's values travel unchanged.
    assert ("closures-0-name", "Relocation") in shown["fields"]

    done = press(client, shown, "_retiming_confirmed", shown["confirmed"])

    page = done.get_data(as_text=True)
    assert "Saved. 2 open cases re-timed." in page
    assert "The preview showed" not in page
    after = dues(first, second, informal, closed)
    assert after[0] > before[0] and after[1] > before[1]
    assert after[2:] == before[2:]
    assert [c.name for c in calendar_of("AU-QLD").closures] == ["Relocation"]
    assert db.session.scalar(recomputes) == 2
    # What the preview said each resolution due becomes is what the save made it.
    resolution_rows = {
        reference: new
        for reference, (label, old, new) in zip(
            references,
            [row[1:4] for row in shown["rows"] if len(row) == 5],
            strict=True,
        )
        if label == "Resolution"
    }
    assert resolution_rows == {
        first.reference: local(after[0]),
        second.reference: local(after[1]),
    }


def test_the_preview_counts_what_the_save_recomputes(app, make, time_machine):
    time_machine.move_to(NOW, tick=False)
    first, second, _informal, _closed = register(make)
    third = make.complaint(
        received_at=datetime(2026, 3, 4, 9, tzinfo=BRISBANE), classification="standard"
    )

    def add_relocation():
        calendar = calendar_of("AU-QLD")
        calendar.closures.append(
            Closure(
                name="Relocation",
                starts_on=datetime(2026, 3, 16).date(),
                ends_on=datetime(2026, 3, 20).date(),
            )
        )

    preview = clocks.dry_run(db.session, add_relocation)
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0
    counted = clocks.Retimed.start(db.session)
    add_relocation()
    db.session.commit()
    clocks.Retimed.stop(db.session)

    assert preview.count == counted.count == 3
    assert [row["reference"] for row in preview.rows] == [
        first.reference,
        second.reference,
        third.reference,
    ]
    assert preview.rows == counted.rows(db.session)


def test_cancel_and_change_the_values_save_nothing(app, make, client, auth, time_machine):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, _informal, _closed = register(make)
    before = dues(first, second)
    auth.login("admin")
    url = f"/admin/calendar/edit/?id={calendar_of('AU-QLD').id}"
    shown = confirmation(post_form(client, url, RELOCATION))

    cancel = re.search(r'<a href="([^"]*)" class="btn btn-outline-danger"', shown["page"])
    assert client.get(html_text.unescape(cancel.group(1))).status_code == 200
    back = press(client, shown, "_retiming_back", "1")

    page = back.get_data(as_text=True)
    # The form again, with what was typed in it.
    assert 'value="Relocation"' in page
    assert dues(first, second) == before
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0


def test_a_change_that_moves_no_open_case_saves_straight_away(
    app, make, client, auth, time_machine
):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, informal, _closed = register(make)
    before = dues(first, second, informal)
    auth.login("admin")
    standard = target("complaint.resolution.standard")

    response = post_form(
        client,
        f"/admin/sla_target/edit/?id={standard.id}",
        {"name": "Formal standard complaint resolved"},
    )

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. No open case&#39;s due dates moved." in page
    assert target("complaint.resolution.standard").name == "Formal standard complaint resolved"
    assert dues(first, second, informal) == before


def test_a_longer_sla_target_is_confirmed_then_reports_what_it_moved(
    app, make, client, auth, time_machine
):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, informal, _closed = register(make)
    before = dues(first, second, informal)
    auth.login("admin")
    standard = target("complaint.resolution.standard")

    shown = confirmation(
        post_form(client, f"/admin/sla_target/edit/?id={standard.id}", {"amount": "25"})
    )

    assert "moves the due dates of 2 open cases." in shown["page"]
    assert [row[0] for row in shown["rows"]] == [first.reference, second.reference]
    assert target("complaint.resolution.standard").amount == 20
    done = press(client, shown, "_retiming_confirmed", shown["confirmed"])
    assert "Saved. 2 open cases re-timed." in done.get_data(as_text=True)
    assert target("complaint.resolution.standard").amount == 25
    after = dues(first, second, informal)
    assert after[0] > before[0] and after[1] > before[1] and after[2] == before[2]


def test_deleting_a_target_is_confirmed_first(app, make, client, auth, time_machine):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, informal, _closed = register(make)
    auth.login("admin")
    informal_target = target("complaint.resolution.informal")
    listing = client.get("/admin/sla_target/").get_data(as_text=True)

    shown = confirmation(
        client.post(
            "/admin/sla_target/delete/",
            data={"id": str(informal_target.id), "csrf_token": csrf_token(listing)},
        )
    )

    assert "Deleting this SLA target moves the due dates of 1 open case." in shown["page"]
    assert target("complaint.resolution.informal") is not None
    done = press(client, shown, "_retiming_confirmed", shown["confirmed"])
    assert "Deleted. 1 open case re-timed." in done.get_data(as_text=True)
    assert target("complaint.resolution.informal") is None
    assert dues(informal) == [None]


def test_an_edit_made_meanwhile_is_still_refused_on_confirm(app, make, client, auth, time_machine):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    first, second, informal, _closed = register(make)
    before = dues(first, second)
    auth.login("admin")
    shown = confirmation(
        post_form(client, f"/admin/calendar/edit/?id={calendar_of('AU-QLD').id}", RELOCATION)
    )
    db.session.execute(
        update(Calendar)
        .where(Calendar.code == "AU-QLD")
        .values(name="Queensland offices", version=Calendar.version + 1)
    )
    db.session.commit()

    done = press(client, shown, "_retiming_confirmed", shown["confirmed"])

    assert "after you opened it. Your changes were not saved" in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0
    assert dues(first, second) == before


def test_a_refused_change_is_refused_before_any_preview(app, make, client, auth, time_machine):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    register(make)
    auth.login("admin")

    page = post_form(
        client,
        f"/admin/calendar/edit/?id={calendar_of('AU-QLD').id}",
        {**RELOCATION, "closures-0-ends_on": "2026-03-10"},
    ).get_data(as_text=True)

    assert "retimed-cases" not in page
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0


def test_flask_seed_says_how_many_cases_a_target_it_adds_back_re_times(
    app, make, runner, time_machine
):
    time_machine.move_to(NOW, tick=False)
    first, second, _informal, _closed = register(make)
    db.session.delete(target("complaint.resolution.standard"))
    db.session.commit()
    assert dues(first, second) == [None, None]

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert "A missing calendar or SLA target was added back: 2 open cases re-timed." in (
        result.output
    )
    assert None not in dues(first, second)
    again = runner.invoke(args=["seed"])
    assert "re-timed" not in again.output


def test_removing_a_closure_on_the_calendar_form_is_previewed_then_confirmed(
    app, make, client, auth, time_machine
):
    time_machine.move_to(NOW, tick=False)
    make.user("admin", "administrator")
    calendar = calendar_of("AU-QLD")
    calendar.closures.append(
        Closure(
            name="Relocation",
            starts_on=datetime(2026, 3, 16).date(),
            ends_on=datetime(2026, 3, 20).date(),
        )
    )
    db.session.commit()
    first, second, informal, _closed = register(make)
    before = dues(first, second, informal)
    auth.login("admin")

    shown = confirmation(
        post_form(client, f"/admin/calendar/edit/?id={calendar.id}", {"del-closures-0": "y"})
    )

    assert "moves the due dates of 2 open cases" in shown["page"]
    assert [c.name for c in calendar_of("AU-QLD").closures] == ["Relocation"]
    done = press(client, shown, "_retiming_confirmed", shown["confirmed"])
    assert "Saved. 2 open cases re-timed." in done.get_data(as_text=True)
    assert calendar_of("AU-QLD").closures == []
    after = dues(first, second, informal)
    assert after[0] < before[0] and after[1] < before[1] and after[2] == before[2]
