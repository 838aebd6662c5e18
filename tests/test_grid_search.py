"""A grid search looks for what was typed: % and _ are characters, never wildcards."""

import pytest

from models import db


@pytest.fixture
def refunds(make):
    make.user("admin", "administrator")
    asked = make.complaint(summary="Asked for a 100% refund")
    plain = make.complaint(summary="Counter staff were rude")
    underscored = make.complaint(summary="Form field due_date was blank")
    return asked, plain, underscored


def found(client, search, cases) -> set:
    """The references among `cases` that the complaints grid lists for the search."""
    html = client.get(f"/admin/complaint/?search={search}").get_data(as_text=True)
    return {case.reference for case in cases if case.reference in html}


def test_searching_percent_signs_finds_only_what_contains_them(client, auth, refunds):
    asked, plain, underscored = refunds
    auth.login("admin")
    assert found(client, "%25%25%25", refunds) == set()
    assert found(client, "100%25", refunds) == {asked.reference}


def test_searching_an_underscore_finds_only_what_contains_one(client, auth, refunds):
    asked, plain, underscored = refunds
    auth.login("admin")
    assert found(client, "due_date", refunds) == {underscored.reference}
    assert found(client, "_", refunds) == {underscored.reference}
    assert found(client, "%5C", refunds) == set()


def test_the_participant_grid_escapes_wildcards_too(client, auth, make):
    make.user("admin", "administrator")
    make.complainant("Citizen")
    db.session.commit()
    auth.login("admin")
    assert "Citizen" in client.get("/admin/participant/?search=citiz").get_data(as_text=True)
    html = client.get("/admin/participant/?search=%25%25%25").get_data(as_text=True)
    assert "Citizen" not in html
