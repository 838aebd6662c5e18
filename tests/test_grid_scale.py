"""The grid on a large register: a capped count that still pages, and search by reference."""

import re
from datetime import datetime, timedelta, timezone

from views.admin.base import ScopedModelView

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def references_on(html: str) -> set[str]:
    return set(re.findall(r"CTS-2026-\d{6}", html))


def register(make, count, **values):
    return [
        make.complaint(received_at=RECEIVED + timedelta(hours=n), **values) for n in range(count)
    ]


def test_past_the_count_cap_the_grid_says_more_than_and_pages_with_next(
    app, make, auth, monkeypatch
):
    make.user("coord", "coordinator")
    complaints = register(make, 12)
    monkeypatch.setattr(ScopedModelView, "count_cap", 5)
    auth.login("coord")

    html = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "More than 5 complaints match" in html
    assert "List (" not in html, "no exact count past the cap"
    assert {c.reference for c in complaints} == references_on(html)


def test_under_the_cap_the_grid_shows_the_exact_count_and_numbered_pages(app, make, auth):
    make.user("coord", "coordinator")
    register(make, 3)
    auth.login("coord")
    html = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert "List (3)" in html
    assert "More than" not in html


def test_the_simple_pager_offers_the_next_page_only_while_a_page_is_full(
    app, make, auth, monkeypatch
):
    make.user("coord", "coordinator")
    register(make, 25)
    monkeypatch.setattr(ScopedModelView, "count_cap", 10)
    auth.login("coord")
    first = auth.client.get("/admin/complaint/").get_data(as_text=True)
    assert re.search(r'href="/admin/complaint/\?page=1[&"]', first)
    second = auth.client.get("/admin/complaint/?page=1").get_data(as_text=True)
    assert len(references_on(second)) == 5
    assert not re.search(r'href="/admin/complaint/\?page=2[&"]', second)


def test_a_reference_prefix_finds_the_complaints_numbered_so(app, make, auth):
    make.user("coord", "coordinator")
    complaints = register(make, 12)
    # A summary that quotes another reference is not what a reference search looks for.
    quoting = make.complaint(summary=f"Follow-up to {complaints[10].reference}")
    assert quoting.reference == "CTS-2026-000013"
    auth.login("coord")

    html = auth.client.get("/admin/complaint/?search=cts-2026-000011").get_data(as_text=True)
    assert references_on(html) == {"CTS-2026-000011"}, "not the complaint quoting it"
    tens = auth.client.get("/admin/complaint/?search=CTS-2026-00001").get_data(as_text=True)
    assert references_on(tens) == {f"CTS-2026-0000{n}" for n in (10, 11, 12, 13)}

    exact = auth.client.get(f"/admin/complaint/?search={complaints[3].reference}")
    assert references_on(exact.get_data(as_text=True)) == {complaints[3].reference}

    year = auth.client.get("/admin/complaint/?search=CTS-2026-").get_data(as_text=True)
    assert len(references_on(year)) == 13
    none = auth.client.get("/admin/complaint/?search=CTS-2025").get_data(as_text=True)
    assert references_on(none) == set()


def test_other_words_still_search_names_summaries_and_descriptions(app, make, auth):
    make.user("coord", "coordinator")
    found = make.complaint(summary="Counter closed without notice")
    other = make.complaint(summary="Rude officer")
    auth.login("coord")
    html = auth.client.get("/admin/complaint/?search=notice").get_data(as_text=True)
    assert found.reference in html and other.reference not in html
