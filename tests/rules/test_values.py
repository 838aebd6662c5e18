"""The value rules every door shares, without a database."""

from datetime import datetime, timezone

import pytest

from rules.values import email_problem, review_closed_problem, sla_amount_problem

NOTIFIED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "address", ["sam@example.com", "Sam.O'Neil@example.com.au", " jo@dcrs.qld.gov.au ", "", None]
)
def test_a_real_address_or_none_at_all_is_accepted(address):
    assert email_problem(address) is None


@pytest.mark.parametrize(
    "address", ["not-an-email", "sam at example.com", "sam@example", "sam@.com", "a@b..com"]
)
def test_an_address_that_is_not_one_is_refused_saying_what_one_looks_like(address):
    assert "enter it like name@example.com" in email_problem(address)


@pytest.mark.parametrize("amount", [0, -1, None])
def test_an_sla_amount_below_one_is_refused(amount):
    assert "1 or more" in sla_amount_problem(amount, "Acknowledgement")


def test_an_sla_amount_of_one_is_accepted():
    assert sla_amount_problem(1, "Acknowledgement") is None


def test_a_review_closes_on_or_after_its_notification():
    assert review_closed_problem(NOTIFIED, NOTIFIED) is None
    assert review_closed_problem(NOTIFIED, None) is None
    earlier = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert "before the external body was notified" in review_closed_problem(NOTIFIED, earlier)
