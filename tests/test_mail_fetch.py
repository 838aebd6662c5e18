"""`flask mail fetch` against a real IMAP server (a private dovecot, tests/imap_server.py):
unread mail becomes cases, is marked read or moved, is stored once however often it is
read, stays unread when the database cannot take it, and a mailbox that cannot be read
is named in one plain line while the others are still read."""

import json
import threading
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app import database_url
from models import Complaint, Division, InboundMessage, db
from rules import mail_in as rules
from services.intake import attachment_folder
from services.mail_in.imap import fetch
from services.mail_in.ingest import IngestSettings
from services.mail_in.mailboxes import Mailbox
from tests.conftest import free_port
from tests.mail_samples import out_of_office, plain_message

# The `imap_server` fixture: a private dovecot for the session.
pytest_plugins = ["tests.imap_server"]


@pytest.fixture(autouse=True)
def intake_division(app, make, tmp_path):
    """The division new complaints by email go to, and an attachment folder of the test's
    own (triage and quarantine keep the raw message there)."""
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    with app.app_context():
        db.session.add(Division(code="CS", name="Customer Services", calendar=make.calendar()))
        db.session.commit()


def mailbox_for(server, account, name="complaints", creates="complaint", **values) -> Mailbox:
    return Mailbox(
        name=name,
        creates=creates,
        host=server.host,
        port=server.port,
        username=account.username,
        password=account.password,
        use_ssl=False,
        **values,
    )


def setting_for(server, account, name="complaints", creates="complaint", **values) -> dict:
    return {
        "name": name,
        "creates": creates,
        "host": server.host,
        "port": server.port,
        "username": account.username,
        "password": account.password,
        "use_ssl": False,
        **values,
    }


def ingest_settings(app) -> IngestSettings:
    return IngestSettings.from_config(app.config, attachment_folder(app))


def new_complaint(number: int, sender: str = "Pat Citizen <pat@example.org>") -> bytes:
    return plain_message(
        sender=sender,
        subject=f"Complaint number {number}",
        message_id=f"<complaint.{number}@example.org>",
    )


def stored_message_ids() -> list[str]:
    return sorted(db.session.scalars(select(InboundMessage.message_id)))


def test_each_unread_message_becomes_a_case_and_is_marked_read(app, imap_server):
    account = imap_server.account("complaints")
    first = imap_server.append(account, new_complaint(1))
    automatic = imap_server.append(account, out_of_office())
    already_read = imap_server.append(account, new_complaint(2), flags=r"\Seen")
    with app.app_context():
        report = fetch(
            db.session, mailbox_for(imap_server, account), settings=ingest_settings(app)
        )
        assert (report.read, report.created, report.ignored, report.errors) == (2, 1, 1, [])
        inbound = db.session.scalar(
            select(InboundMessage).where(InboundMessage.message_id == "<complaint.1@example.org>")
        )
        assert inbound.status == rules.CREATED
        assert inbound.mailbox == "complaints"
        assert inbound.complaint.summary == "Complaint number 1"
        # A message someone had already read is not the portal's to take.
        assert "<complaint.2@example.org>" not in stored_message_ids()
    assert imap_server.flags(account) == {
        first: {r"\Seen"},
        automatic: {r"\Seen"},
        already_read: {r"\Seen"},
    }


def test_the_report_counts_what_each_message_became(app, make, imap_server):
    account = imap_server.account("complaints")
    with app.app_context():
        complaint = make.complaint()  # the complainant is sam@example.com
        reference = complaint.reference
    app.config["MAIL_IN_MAX_BYTES"] = 5_000
    for raw in (
        new_complaint(1),
        plain_message(
            sender="sam@example.com", subject=f"Re: {reference}", message_id="<reply@a.example>"
        ),
        plain_message(
            sender="mallory@evil.example", subject=f"Re: {reference}", message_id="<spoof@e.x>"
        ),
        out_of_office(),
        new_complaint(2).replace(b"three weeks.", b"three weeks. " + b"x" * 6_000),
        new_complaint(1),
    ):
        imap_server.append(account, raw)
    with app.app_context():
        report = fetch(
            db.session, mailbox_for(imap_server, account), settings=ingest_settings(app)
        )
    assert str(report) == (
        "complaints: read 6; new cases 1; filed on cases 1; triage 1; ignored 1; "
        "quarantined 1; already received 1."
    )
    assert report.errors == []


def test_with_a_processed_folder_read_mail_is_moved_out_of_the_inbox(app, imap_server):
    account = imap_server.account("complaints")
    imap_server.append(account, new_complaint(1))
    imap_server.append(account, new_complaint(2))
    mailbox = mailbox_for(imap_server, account, processed_folder="Read by the portal")
    with app.app_context():
        report = fetch(db.session, mailbox, settings=ingest_settings(app))
        assert (report.read, report.created, report.errors) == (2, 2, [])
    assert imap_server.flags(account) == {}
    moved = imap_server.flags(account, "Read by the portal")
    assert list(moved.values()) == [{r"\Seen"}, {r"\Seen"}]
    assert len(imap_server.messages(account, "Read by the portal")) == 2


def test_a_processed_folder_may_have_any_name(app, imap_server):
    account = imap_server.account("complaints")
    imap_server.append(account, new_complaint(1))
    mailbox = mailbox_for(imap_server, account, processed_folder='Traité & "classé"')
    with app.app_context():
        report = fetch(db.session, mailbox, settings=ingest_settings(app))
        assert (report.read, report.created, report.errors) == (1, 1, [])
    # As IMAP names it (modified UTF-7, RFC 3501 5.1.3).
    assert list(imap_server.flags(account, 'Trait&AOk- &- "class&AOk-"').values()) == [{r"\Seen"}]


def test_a_server_without_move_has_read_mail_copied_out_and_expunged(
    app, imap_server_without_move
):
    server = imap_server_without_move
    account = server.account("complaints")
    client = server.connect(account)
    assert "MOVE" not in client.capability()[1][0].decode().split()
    client.logout()
    server.append(account, new_complaint(1))
    server.append(account, new_complaint(2))
    with app.app_context():
        report = fetch(
            db.session,
            mailbox_for(server, account, processed_folder="Processed"),
            settings=ingest_settings(app),
        )
        assert (report.read, report.created, report.errors) == (2, 2, [])
    assert server.flags(account) == {}
    assert list(server.flags(account, "Processed").values()) == [{r"\Seen"}, {r"\Seen"}]


def test_a_message_read_twice_is_stored_once(app, imap_server):
    account = imap_server.account("complaints")
    imap_server.append(account, new_complaint(1))
    imap_server.append(account, new_complaint(1))
    with app.app_context():
        report = fetch(
            db.session, mailbox_for(imap_server, account), settings=ingest_settings(app)
        )
        assert (report.read, report.created, report.duplicates) == (2, 1, 1)
        assert stored_message_ids() == ["<complaint.1@example.org>"]
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
        # A second run finds nothing unread.
        again = fetch(db.session, mailbox_for(imap_server, account), settings=ingest_settings(app))
        assert (again.read, again.errors) == (0, [])


def test_limit_reads_the_oldest_messages_first_and_leaves_the_rest(app, imap_server):
    account = imap_server.account("complaints")
    uids = [imap_server.append(account, new_complaint(number)) for number in (1, 2, 3)]
    with app.app_context():
        report = fetch(
            db.session, mailbox_for(imap_server, account), settings=ingest_settings(app), limit=2
        )
        assert (report.read, report.created) == (2, 2)
        assert stored_message_ids() == ["<complaint.1@example.org>", "<complaint.2@example.org>"]
    assert imap_server.flags(account) == {uids[0]: {r"\Seen"}, uids[1]: {r"\Seen"}, uids[2]: set()}


@pytest.mark.parametrize("down", ["sqlite", "postgresql"])
def test_a_message_the_database_cannot_take_stays_unread_for_the_next_run(
    app, imap_server, tmp_path, down
):
    account = imap_server.account("complaints")
    uids = [imap_server.append(account, new_complaint(number)) for number in (1, 2)]
    mailbox = mailbox_for(imap_server, account)
    # A database that is not there: a file in a folder that does not exist, or a
    # PostgreSQL port nobody listens on.
    if down == "sqlite":
        dead = f"sqlite:///{tmp_path / 'no such folder' / 'portal.sqlite3'}"
    else:
        dead = database_url(f"postgresql://postgres@127.0.0.1:{free_port()}/portal")
    engine = create_engine(dead)
    with app.app_context():
        settings = ingest_settings(app)
        with Session(engine) as unreachable:
            report = fetch(unreachable, mailbox, settings=settings)
        engine.dispose()
        assert (report.read, report.created, report.left_unread) == (1, 0, 2)
        assert len(report.errors) == 1
        assert "the database could not store messages" in report.errors[0]
        assert "2 stay unread for the next run" in report.errors[0]
        assert imap_server.flags(account) == {uids[0]: set(), uids[1]: set()}
        # The next run, with the database back, takes them both.
        report = fetch(db.session, mailbox, settings=settings)
        assert (report.read, report.created, report.errors) == (2, 2, [])
    assert imap_server.flags(account) == {uids[0]: {r"\Seen"}, uids[1]: {r"\Seen"}}


def test_two_fetchers_at_once_store_each_message_once(app, imap_server):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("two fetchers at once are run against PostgreSQL, as in production")
    account = imap_server.account("complaints")
    count = 24
    for number in range(count):
        imap_server.append(account, new_complaint(number, sender=f"person{number}@example.org"))
    mailbox = mailbox_for(imap_server, account)
    settings = ingest_settings(app)
    reports, failures = [], []
    start = threading.Barrier(2)

    def fetcher():
        try:
            with app.app_context():
                start.wait(timeout=30)
                reports.append(fetch(db.session, mailbox, settings=settings))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=fetcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert [report.errors for report in reports] == [[], []]
    assert sum(report.created for report in reports) == count
    assert sum(report.read for report in reports) == count + sum(
        report.duplicates for report in reports
    )
    with app.app_context():
        assert len(stored_message_ids()) == count
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == count
    assert all(flags == {r"\Seen"} for flags in imap_server.flags(account).values())


# ------------------------------------------------------------ mailboxes that cannot be read


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"password": "not the password"},
            "the server at {where} refused the username {username} or its password",
        ),
        ({"port": "closed"}, "nothing answers at 127.0.0.1:{closed} (connection refused)"),
        ({"use_ssl": True}, "TLS with {where} failed"),
        (
            {"use_ssl": True, "port": "tls"},
            "the server at 127.0.0.1:{tls_port} did not prove who it is (self-signed certificate)",
        ),
        (
            {"use_starttls": True},
            "the server at {where} did not prove who it is (self-signed certificate)",
        ),
        ({"folder": "No such folder"}, "the server has no folder No such folder for {username}"),
        (
            {"password": "mot de passe à changer"},
            "its username or password has characters that IMAP sign-in cannot send",
        ),
    ],
    ids=[
        "wrong password",
        "nothing listening",
        "tls on the plain port",
        "untrusted certificate",
        "untrusted certificate after starttls",
        "no such folder",
        "password not ascii",
    ],
)
def test_a_mailbox_that_cannot_be_read_is_named_in_one_plain_sentence(
    app, imap_server, change, expected
):
    account = imap_server.account("complaints")
    imap_server.append(account, new_complaint(1))
    closed = free_port()
    ports = {"closed": closed, "tls": imap_server.tls_port}
    if "port" in change:
        change = {**change, "port": ports[change["port"]]}
    mailbox = replace(mailbox_for(imap_server, account), **change)
    with app.app_context():
        report = fetch(db.session, mailbox, settings=ingest_settings(app), timeout=5)
        assert stored_message_ids() == []
    assert report.unreadable
    assert report.read == 0
    [error] = report.errors
    assert error.startswith("Mailbox complaints: ")
    assert (
        expected.format(
            where=f"{imap_server.host}:{imap_server.port}",
            username=account.username,
            closed=closed,
            tls_port=imap_server.tls_port,
        )
        in error
    )
    assert account.password not in error
    assert "not the password" not in error and "changer" not in error
    assert imap_server.flags(account) == {1: set()}


@pytest.mark.parametrize(
    "connection",
    [{"use_ssl": True, "port": "tls"}, {"use_starttls": True}],
    ids=["tls", "starttls"],
)
def test_a_mailbox_is_read_over_tls_when_its_certificate_is_trusted(
    app, imap_server, monkeypatch, connection
):
    # The test's own authority, as an administrator adds a private one to the system's store.
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.certificate))
    account = imap_server.account("complaints")
    uid = imap_server.append(account, new_complaint(1))
    if connection.get("port") == "tls":
        connection = {**connection, "port": imap_server.tls_port}
    mailbox = replace(mailbox_for(imap_server, account), **connection)
    with app.app_context():
        report = fetch(db.session, mailbox, settings=ingest_settings(app))
        assert (report.read, report.created, report.errors) == (1, 1, [])
    assert imap_server.flags(account) == {uid: {r"\Seen"}}


def test_the_command_reads_every_mailbox_and_fails_for_the_one_it_could_not_read(
    app, runner, imap_server
):
    complaints = imap_server.account("complaints")
    helpdesk = imap_server.account("helpdesk")
    imap_server.append(complaints, new_complaint(1))
    imap_server.append(helpdesk, new_complaint(2, sender="someone@unknown-client.example"))
    app.config["MAIL_IN_MAILBOXES"] = json.dumps(
        [
            setting_for(imap_server, complaints, password="wrong"),
            setting_for(imap_server, helpdesk, name="helpdesk", creates="ticket"),
            {"name": "piped", "creates": "complaint"},
        ]
    )
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout.splitlines() == [
        "piped: no host; a mail server feeds it through `flask mail receive`.",
        "complaints: not read.",
        "helpdesk: read 1; new cases 0; filed on cases 0; triage 1; ignored 0; "
        "quarantined 0; already received 0.",
    ]
    assert result.stderr.startswith(
        f"Mailbox complaints: the server at 127.0.0.1:{imap_server.port} refused the "
        f"username {complaints.username} or its password"
    )
    assert "wrong" not in result.stderr.replace("refused", "")
    with app.app_context():
        assert stored_message_ids() == ["<complaint.2@example.org>"]


def test_the_command_reads_one_mailbox_when_asked_and_at_most_limit_messages(
    app, runner, imap_server
):
    complaints = imap_server.account("complaints")
    helpdesk = imap_server.account("helpdesk")
    for number in (1, 2, 3):
        imap_server.append(complaints, new_complaint(number))
    imap_server.append(helpdesk, new_complaint(4))
    app.config["MAIL_IN_MAILBOXES"] = [
        setting_for(imap_server, complaints),
        setting_for(imap_server, helpdesk, name="helpdesk", creates="ticket"),
    ]
    result = runner.invoke(args=["mail", "fetch", "--mailbox", "Complaints", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "complaints: read 2; new cases 2; filed on cases 0; triage 0; ignored 0; "
        "quarantined 0; already received 0.\n"
    )
    with app.app_context():
        assert stored_message_ids() == ["<complaint.1@example.org>", "<complaint.2@example.org>"]


@pytest.mark.parametrize(
    "setting, arguments, message",
    [
        ("[]", [], "No mailbox is configured: set MAIL_IN_MAILBOXES"),
        ("[{", [], "MAIL_IN_MAILBOXES is not valid JSON"),
        (
            '[{"name": "complaints", "creates": "complaint", "host": "imap.example.gov.au"}]',
            ["--mailbox", "helpdesk"],
            "There is no mailbox called helpdesk in MAIL_IN_MAILBOXES (complaints).",
        ),
        (
            '[{"name": "complaints", "creates": "complaint"}]',
            ["--mailbox", "complaints"],
            "Mailbox complaints has no host: a mail server feeds it through "
            "`flask mail receive`, so there is nothing to fetch.",
        ),
    ],
    ids=["none", "not json", "unknown name", "piped only"],
)
def test_the_command_refuses_settings_it_cannot_use_in_plain_words(
    app, runner, setting, arguments, message
):
    app.config["MAIL_IN_MAILBOXES"] = setting
    result = runner.invoke(args=["mail", "fetch", *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_mailbox_with_a_host_but_no_password_is_named_and_the_run_fails(app, runner):
    app.config["MAIL_IN_MAILBOXES"] = [
        {"name": "complaints", "creates": "complaint", "host": "127.0.0.1", "username": "x"}
    ]
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1, result.output
    assert "Mailbox complaints has a host but no username or password" in result.stderr
