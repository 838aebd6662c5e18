"""Every editable field of every admin edit form, for every capacity: who may change it.

For each screen that offers editing and each capacity the permission table lets edit it,
the edit form of a record in the capacity's scope is opened, and:

- it shows exactly the fields `EXPECTED_FIELDS` names for that capacity (the README's
  "fields each role may edit" column says the same), no more;
- a field it does not show, posted anyway with a new value (a hand-made post), changes
  nothing: the record keeps its value and the page is not a 500.

The same fields through a direct save (an import, a command) and the inline-edit endpoint
are in tests/test_custody.py. The department is the permission walk's (built once).
"""

import re

import pytest

from models import ClassificationLevel, Participant, db
from rules import custody, permissions
from rules.vocabulary import (
    ADMINISTRATOR,
    CAPACITIES,
    COMPLAINT_MANAGER,
    COORDINATOR,
    DECISION_MAKER,
    INTERNAL_REVIEWER,
    SUPPORT_AGENT,
)
from tests.admin_forms import form_values
from tests.test_permissions_walk import records, sign_in, views_by_screen, walk  # noqa: F401

COMPLAINT_FIELDS = {
    "kind",
    "channel",
    "division",
    "complainant",
    "summary",
    "description",
    "outcome_sought",
    "human_rights",
    "confidential",
    "category",
    "classification",
    "change_made",
    "change_made_at",
    "issues",
    "systemic_issue",
    "root_cause",
}
COMPLAINT_PEOPLE = {"coordinator", "subjects", "involved"}
TICKET_FIELDS = {
    "severity",
    "client",
    "contact",
    "channel",
    "summary",
    "description",
    "complaint",
}
REVIEW_FIELDS = {"complaint", "late_reason"}
PARTICIPANT_FIELDS = {
    "kind",
    "given_name",
    "family_name",
    "organisation_name",
    "email",
    "phone",
    "address",
    "position_title",
    "division",
    "calendar",
    "organisation",
    "receives_client_report",
}

# screen -> capacity -> the fields its edit form shows that capacity (and takes from it).
# Absent everywhere: received/reported/requested (Correct ... instant), the officers and a
# ticket's agent (the assign steps), a level (Change classification level), status and the
# steps' instants.
EXPECTED_FIELDS = {
    "complaint": {
        ADMINISTRATOR: COMPLAINT_FIELDS | COMPLAINT_PEOPLE,
        COORDINATOR: COMPLAINT_FIELDS | COMPLAINT_PEOPLE,
        COMPLAINT_MANAGER: COMPLAINT_FIELDS,
        DECISION_MAKER: COMPLAINT_FIELDS,
    },
    "ticket": {
        ADMINISTRATOR: TICKET_FIELDS,
        COORDINATOR: TICKET_FIELDS,
        SUPPORT_AGENT: TICKET_FIELDS,
    },
    "internal_review": {
        ADMINISTRATOR: REVIEW_FIELDS,
        COORDINATOR: REVIEW_FIELDS,
        INTERNAL_REVIEWER: REVIEW_FIELDS,
    },
    "participant": {ADMINISTRATOR: PARTICIPANT_FIELDS, COORDINATOR: PARTICIPANT_FIELDS},
}
# A new value for each field some capacity may not change, posted by hand.
INSTANT = "2026-01-05T09:00"
NOT_A_FORM_FIELD = {"csrf_token", "row_version"}


def editors(screen):
    return [c for c in CAPACITIES if permissions.allowed({c}, screen, "edit")]


def walked_screens(app):
    return [
        screen
        for screen, view in views_by_screen(app).items()
        if "edit" in view.offers and editors(screen)
    ]


def shown_fields(html: str) -> set:
    form = html[html.index("admin-form") :]
    form = form[: form.index("</form>")]
    names = set(re.findall(r'name="([a-z_]+)"', form))
    return {name for name in names if not name.startswith("_")} - NOT_A_FORM_FIELD


def value_of(record, field):
    value = getattr(record, field)
    if isinstance(value, list):
        return sorted(item.id for item in value)
    return getattr(value, "id", value)


def new_value(field, record):
    """A value different from the record's, of the field's kind."""
    if field.endswith("_at"):
        return INSTANT
    if field == "level":
        current = record.level_id
        return str(
            db.session.scalars(
                db.select(ClassificationLevel.id).where(ClassificationLevel.id != current)
            ).first()
        )
    staff = db.session.scalars(
        db.select(Participant.id).filter_by(kind="staff").order_by(Participant.id.desc())
    ).first()
    return str(staff)


def test_every_screen_with_an_edit_form_is_in_the_table(walk):  # noqa: F811
    app, _ = walk
    walked = set(walked_screens(app))
    restricted = set(custody.FIELD_EDITORS)
    assert restricted <= walked
    for screen in restricted:
        assert set(EXPECTED_FIELDS[screen]) == set(editors(screen)), screen


@pytest.mark.parametrize("screen", sorted(custody.FIELD_EDITORS))
def test_each_capacity_sees_and_changes_only_the_fields_it_may(walk, screen):  # noqa: F811
    app, world = walk
    view = views_by_screen(app)[screen]
    problems = []
    for capacity in editors(screen):
        client = sign_in(app, capacity)
        with app.app_context():
            inside, _ = records(world, screen)
        url = f"{view.url}/edit/?id={inside}"
        page = client.get(url)
        assert page.status_code == 200, (capacity, screen)
        html = page.get_data(as_text=True)
        shown = shown_fields(html)
        expected = EXPECTED_FIELDS[screen][capacity]
        if shown != expected:
            problems.append(
                f"{capacity} on {screen}: shown {sorted(shown)}, expected {sorted(expected)}"
            )
        for field, allowed in custody.FIELD_EDITORS[screen].items():
            if capacity in allowed:
                continue
            with app.app_context():
                record = db.session.get(view.model, inside)
                before = value_of(record, field)
                data = form_values(html)
                data[field] = new_value(field, record)
            response = client.post(url, data=data)
            if response.status_code not in (200, 302):
                problems.append(f"{capacity} posting {field}: {response.status_code}")
            with app.app_context():
                after = value_of(db.session.get(view.model, inside), field)
            if after != before:
                problems.append(f"{capacity} changed {screen}.{field}: {before} -> {after}")
    assert problems == []


def test_the_rules_table_and_the_expected_fields_agree():
    for screen, fields in custody.FIELD_EDITORS.items():
        for capacity, shown in EXPECTED_FIELDS[screen].items():
            for field, allowed in fields.items():
                assert (field in shown) == (capacity in allowed), (screen, capacity, field)


def test_the_other_edit_forms_show_every_editor_the_same_fields(walk):  # noqa: F811
    app, world = walk
    views = views_by_screen(app)
    problems = []
    for screen in walked_screens(app):
        if screen in custody.FIELD_EDITORS:
            continue
        with app.app_context():
            inside, _ = records(world, screen)
        seen = {}
        for capacity in editors(screen):
            page = sign_in(app, capacity).get(f"{views[screen].url}/edit/?id={inside}")
            if page.status_code != 200:
                problems.append(f"{capacity} on {screen}: {page.status_code}")
                continue
            seen[capacity] = shown_fields(page.get_data(as_text=True))
        if len({frozenset(fields) for fields in seen.values()}) > 1:
            problems.append(f"{screen}: {seen}")
    assert problems == []
