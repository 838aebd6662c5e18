"""The pure rules of mail coming in, and the mailbox settings, without an application."""

import pytest

from rules import mail_in as rules
from services.mail_in.mailboxes import (
    Mailbox,
    MailboxesRefused,
    mailbox_named,
    mailboxes_from_config,
)

PREFIXES = ("CTS", "CMP", "SUG", "TKT")


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Re: We are looking into your complaint CTS-2026-000123", "CTS-2026-000123"),
        ("[tkt-2026-000004] still broken", "TKT-2026-000004"),
        ("Fwd: SUG-2025-000001 and CTS-2026-000002", "SUG-2025-000001"),
        ("XCTS-2026-000123", None),
        ("CTS-2026-0001234", None),
        ("ABC-2026-000123", None),
        ("", None),
        (None, None),
    ],
)
def test_a_subject_claims_the_first_case_reference_it_names(subject, expected):
    assert rules.claimed_reference(subject, PREFIXES) == expected


def test_our_outbox_message_ids_are_recognised_and_others_are_not():
    assert rules.outbox_id("<outbox.42.0123456789abcdef@portal.example>") == (
        42,
        "0123456789abcdef",
    )
    assert rules.outbox_id("<outbox.42.XYZ@portal.example>") is None
    assert rules.outbox_id("<CAF=abc@mail.gmail.com>") is None


def test_the_thread_is_read_from_in_reply_to_then_the_newest_references():
    assert rules.thread_ids(("<c>",), ("<a>", "<b>", "<c>")) == ["<c>", "<b>", "<a>"]


def test_addresses_compare_without_case_and_names_split_into_given_and_family():
    assert rules.same_address(" Sam@Example.COM ", "sam@example.com")
    assert not rules.same_address(None, None)
    assert rules.domain_of("Robin@ACME.example") == "acme.example"
    assert rules.split_name('"Sam Q Citizen"') == ("Sam Q", "Citizen")
    assert rules.split_name("Cher") == (None, "Cher")


def test_a_summary_comes_from_the_subject_on_one_line_and_fits():
    assert rules.summary_from_subject("  ") == "(no subject)"
    assert rules.summary_from_subject("a\r\n  b") == "a b"
    assert len(rules.summary_from_subject("x" * 500)) == rules.SUMMARY_LIMIT


def test_mailboxes_are_read_from_json_with_their_defaults():
    (box,) = mailboxes_from_config(
        {
            "MAIL_IN_MAILBOXES": '[{"name": "complaints", "creates": "complaint", '
            '"host": "imap.example", "username": "c", "password": "secret"}]'
        }
    )
    assert (box.port, box.folder, box.use_ssl, box.processed_folder) == (993, "INBOX", True, None)
    assert "secret" not in repr(box)


@pytest.mark.parametrize(
    "value, message",
    [
        ("[{", "MAIL_IN_MAILBOXES is not valid JSON"),
        ('{"name": "x"}', "MAIL_IN_MAILBOXES must be a list of mailboxes, not dict."),
        (
            '[{"name": "a", "creates": "complaint", "host": "h", "username": "u", '
            '"password": "p"}, {"name": "b", "creates": "ticket"}]',
            "MAIL_IN_MAILBOXES: mailbox 2 has no host.",
        ),
        ('[{"creates": "ticket"}]', "MAIL_IN_MAILBOXES: mailbox 1 has no name."),
        (
            '[{"name": "a", "creates": "letters", "host": "h"}]',
            'MAIL_IN_MAILBOXES: mailbox 1 creates \'letters\'; write "complaint" or "ticket".',
        ),
        (
            '[{"name": "a", "creates": "ticket", "host": "h", "username": "u", "password": "p", '
            '"port": "imap"}]',
            "MAIL_IN_MAILBOXES: mailbox 1 has port 'imap'; write a number from 1 to 65535.",
        ),
        (
            '[{"name": "a", "creates": "ticket", "host": "h", "username": "u", "password": "p", '
            '"use_ssl": true, "use_starttls": true}]',
            "MAIL_IN_MAILBOXES: mailbox 1 has use_ssl and use_starttls; choose one.",
        ),
        (
            '[{"name": "a", "creates": "ticket", "hots": "h"}]',
            "MAIL_IN_MAILBOXES: mailbox 1 has unknown keys: hots.",
        ),
    ],
)
def test_bad_mailbox_settings_are_refused_in_words(value, message):
    with pytest.raises(MailboxesRefused) as refused:
        mailboxes_from_config({"MAIL_IN_MAILBOXES": value})
    assert str(refused.value).startswith(message)


def test_a_pipe_needs_only_a_name_and_what_it_creates():
    config = {
        "MAIL_IN_MAILBOXES": [
            {"name": "helpdesk", "creates": "ticket"},
            {"name": "complaints", "creates": "complaint"},
        ]
    }
    assert mailbox_named(config, None) == Mailbox("complaints", "complaint")
    assert mailbox_named(config, "HELPDESK").creates == "ticket"
    with pytest.raises(MailboxesRefused, match="There is no mailbox called sales"):
        mailbox_named(config, "sales")
