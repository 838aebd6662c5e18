"""A grid search looks for what was typed: % and _ are characters, never wildcards."""

import pytest

from models import db
from tests.statements import statements_run


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


# A name or a word of a summary is found through the search index (models/search_index.py),
# kept in step with every change to the rows, never by reading the whole register.


def plan(statement, parameters) -> str:
    """The database's plan of a statement the grid ran, as the register grows large: on
    PostgreSQL with sequential scans discouraged, as a small test table would get one."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in rows)


def test_a_word_is_looked_up_in_the_search_index_not_read_from_every_row(client, auth, make):
    make.user("admin", "administrator")
    make.complaint(summary="Counter staff were rude")
    db.session.commit()
    auth.login("admin")
    with statements_run() as seen:
        client.get("/admin/complaint/?search=counter")
    listing = [(s, p) for s, p in seen if "FROM complaint" in s and "LIMIT" in s]
    assert listing, seen
    statement, parameters = listing[-1]
    explained = plan(statement, parameters)
    if db.engine.dialect.name == "postgresql":
        # (On a table of a few rows the planner reads the participants by their key.)
        assert "ix_complaint_summary_trgm" in explained, explained
        assert "Seq Scan on complaint" not in explained, explained
    else:
        assert "complaint_fts VIRTUAL TABLE INDEX" in explained, explained
        assert "participant_fts VIRTUAL TABLE INDEX" in explained, explained


def test_the_search_index_follows_every_change_to_the_rows(client, auth, make):
    make.user("admin", "administrator")
    person = make.complainant("Ångström")
    case = make.complaint(summary="Parking meter ate my coins", complainant=person)
    other = make.complaint(summary="Nothing to see")
    db.session.commit()
    auth.login("admin")
    cases = [case, other]
    # Any part of a word, any case, letters beyond ASCII included.
    assert found(client, "METER", cases) == {case.reference}
    assert found(client, "ångs", cases) == {case.reference}
    assert found(client, "ÅNGSTRÖM", cases) == {case.reference}
    # Two words: both must be there, each in any searched column.
    assert found(client, "meter+ngstr", cases) == {case.reference}
    assert found(client, "meter+see", cases) == set()
    # A changed summary and a changed name are found by their new words only.
    case.summary = "Ticket machine kept my card"
    person.family_name = "Nakamura"
    db.session.commit()
    assert found(client, "meter", cases) == set()
    assert found(client, "ångström", cases) == set()
    assert found(client, "machine", cases) == {case.reference}
    assert found(client, "nakamu", cases) == {case.reference}
    # Found by part of its reference too, as before.
    assert found(client, case.reference[-4:], cases) == {case.reference}
    # A term shorter than the index reads (two letters) is still searched.
    assert found(client, "my", cases) == {case.reference}
