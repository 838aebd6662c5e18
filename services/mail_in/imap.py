"""Reading a mailbox over IMAP: each unread message is handed to the ingest, then marked read
(and moved to the mailbox's processed folder, when it has one).

`fetch` connects as the Mailbox says (TLS from the start, STARTTLS, or plain), SELECTs its
folder, SEARCHes UNSEEN and FETCHes each message by UID with BODY.PEEK[], so reading does
not mark it. Only once the ingest has committed is the message marked \\Seen: a message
whose ingest failed for a passing reason (the database down or locked) stays unread for
the next run. Two fetchers on one mailbox at once are safe: both may read a message, and
the ingest stores it once (inbound_message.message_id is unique); both then mark it read.

A mailbox that cannot be read (no answer, TLS refused, wrong password, no such folder)
gives one line naming the mailbox and what to check, never a traceback; the caller goes on
to its other mailboxes.
"""

import base64
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from rules import mail_in as rules

from .ingest import Ingested, IngestSettings
from .ingest import ingest as ingest_one
from .mailboxes import Mailbox

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30
_COUNTED = {
    rules.FILED: "filed",
    rules.CREATED: "created",
    rules.TRIAGE: "triage",
    rules.IGNORED: "ignored",
    rules.QUARANTINED: "quarantined",
}

Ingest = Callable[..., Ingested]


@dataclass
class FetchReport:
    """What one run did with one mailbox. `read`: messages taken from the server; the
    statuses count what they became; `duplicates`: already received (by another fetcher,
    another mailbox, or an earlier run that could not mark them read). `errors` are
    whole sentences naming the mailbox; `unreadable` is set when the mailbox could not be
    read at all."""

    mailbox: str
    read: int = 0
    filed: int = 0
    created: int = 0
    triage: int = 0
    ignored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    left_unread: int = 0
    errors: list[str] = field(default_factory=list)
    unreadable: bool = False

    def count(self, ingested: Ingested) -> None:
        if ingested.duplicate:
            self.duplicates += 1
            return
        attribute = _COUNTED.get(ingested.status)
        if attribute is not None:
            setattr(self, attribute, getattr(self, attribute) + 1)

    def __str__(self):
        if self.unreadable:
            return f"{self.mailbox}: not read."
        text = (
            f"{self.mailbox}: read {self.read}; new cases {self.created}; filed on cases "
            f"{self.filed}; triage {self.triage}; ignored {self.ignored}; quarantined "
            f"{self.quarantined}; already received {self.duplicates}"
        )
        if self.left_unread:
            text += f"; left unread for the next run {self.left_unread}"
        return text + "."


class MailboxUnreadable(Exception):
    """The mailbox could not be read; the message names it and says what to check."""


def _where(mailbox: Mailbox) -> str:
    return f"{mailbox.host}:{mailbox.port}"


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value if item is not None)
    return str(value)


def _server_said(error: Exception) -> str:
    """What the server answered, without imaplib's command echo."""
    text = _text(error.args[0] if error.args else error).strip()
    return re.sub(r"^\w+ command error: BAD \[b?'?|'\]$", "", text).strip() or "no reason given"


def folder_name(folder: str) -> str:
    """A folder name as IMAP writes it (RFC 3501 5.1.3, modified UTF-7: "Traité" is
    "Trait&AOk-"), quoted for names with spaces, quotes or backslashes."""
    encoded, run = [], []

    def close_run():
        if run:
            data = "".join(run).encode("utf-16-be")
            encoded.append(
                "&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-"
            )
            run.clear()

    for character in folder:
        if " " <= character <= "~":
            close_run()
            encoded.append("&-" if character == "&" else character)
        else:
            run.append(character)
    close_run()
    name = "".join(encoded)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(mailbox: Mailbox, timeout: float) -> imaplib.IMAP4:
    """A signed-in connection to the mailbox's server, or MailboxUnreadable saying why."""
    if not mailbox.host:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name} has no host: it can only be fed by a mail server's pipe "
            "(flask mail receive)."
        )
    where = _where(mailbox)
    context = ssl.create_default_context()
    try:
        if mailbox.use_ssl:
            client = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=context, timeout=timeout
            )
        else:
            client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    except socket.gaierror:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: the host {mailbox.host} is not known; check its host."
        ) from None
    except ssl.SSLCertVerificationError as error:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: the server at {where} did not prove who it is "
            f"({error.verify_message}); check the host name and its certificate."
        ) from None
    except ssl.SSLError as error:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: TLS with {where} failed ({error.reason or error}); "
            "check use_ssl, use_starttls and the port."
        ) from None
    except ConnectionRefusedError:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: nothing answers at {where} (connection refused); "
            "check the host and port."
        ) from None
    except TimeoutError:
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: no answer from {where} within {timeout:g} seconds."
        ) from None
    except (OSError, imaplib.IMAP4.error) as error:
        reason = getattr(error, "strerror", None) or _server_said(error)
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: could not connect to {where} ({reason})."
        ) from None
    try:
        if mailbox.use_starttls:
            try:
                client.starttls(context)
            except ssl.SSLCertVerificationError as error:
                raise MailboxUnreadable(
                    f"Mailbox {mailbox.name}: the server at {where} did not prove who it is "
                    f"({error.verify_message}); check the host name and its certificate."
                ) from None
            except (ssl.SSLError, imaplib.IMAP4.error) as error:
                raise MailboxUnreadable(
                    f"Mailbox {mailbox.name}: the server at {where} refused STARTTLS "
                    f"({_server_said(error)}); check use_ssl, use_starttls and the port."
                ) from None
        try:
            client.login(mailbox.username or "", mailbox.password or "")
        except imaplib.IMAP4.abort as error:
            raise MailboxUnreadable(
                f"Mailbox {mailbox.name}: the server at {where} closed the connection at "
                f"sign-in ({_server_said(error)})."
            ) from None
        except UnicodeEncodeError:
            raise MailboxUnreadable(
                f"Mailbox {mailbox.name}: its username or password has characters that IMAP "
                "sign-in cannot send (only ASCII); change them on the server and in "
                "MAIL_IN_MAILBOXES."
            ) from None
        except imaplib.IMAP4.error as error:
            raise MailboxUnreadable(
                f"Mailbox {mailbox.name}: the server at {where} refused the username "
                f"{mailbox.username} or its password ({_server_said(error)})."
            ) from None
        # The greeting lists what the server offers before sign-in; MOVE comes after.
        status, data = client.capability()
        if status == "OK":
            client.capabilities = tuple(_text(data).upper().split())
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error):
        pass


def _is_transient(error: Exception) -> bool:
    """A database that cannot answer now (down, restarting, locked): try again next run."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _raw_of(data) -> bytes | None:
    for part in data or ():
        if isinstance(part, tuple) and len(part) == 2 and b"BODY[]" in part[0]:
            return part[1]
    return None


def fetch(
    session,
    mailbox: Mailbox,
    *,
    settings: IngestSettings | None = None,
    ingest: Ingest | None = None,
    limit: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> FetchReport:
    """Read the mailbox's unread messages (at most `limit`, oldest first) into the register.

    `ingest(session, raw, mailbox)` stores one message and commits; by default the
    portal's ingest with `settings`. Never raises for the mail server: what went wrong is in
    the report's errors."""
    if ingest is None:
        if settings is None:
            raise TypeError("fetch needs the ingest settings or an ingest")

        def ingest(session, raw, mailbox):
            return ingest_one(session, raw, mailbox, settings=settings)

    report = FetchReport(mailbox=mailbox.name)
    try:
        client = connect(mailbox, timeout)
    except MailboxUnreadable as unreadable:
        report.unreadable = True
        report.errors.append(str(unreadable))
        return report
    try:
        _read_folder(session, client, mailbox, ingest, limit, report)
    except MailboxUnreadable as unreadable:
        report.unreadable = report.read == 0
        report.errors.append(str(unreadable))
    except (OSError, imaplib.IMAP4.error) as error:
        # The connection dropped mid-run: what was ingested is marked; the rest waits.
        reason = getattr(error, "strerror", None) or _server_said(error)
        report.errors.append(
            f"Mailbox {mailbox.name}: the connection to {_where(mailbox)} failed while "
            f"reading ({reason}); unread messages wait for the next run."
        )
    finally:
        _close(client)
    return report


def _read_folder(session, client, mailbox, ingest, limit, report) -> None:
    status, data = client.select(folder_name(mailbox.folder))
    if status != "OK":
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: the server has no folder {mailbox.folder} for "
            f"{mailbox.username} ({_text(data)}); check its folder."
        )
    if mailbox.processed_folder:
        # "Already exists" is a NO answer, which is fine.
        client.create(folder_name(mailbox.processed_folder))
    status, data = client.uid("SEARCH", None, "UNSEEN")
    if status != "OK":
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: the server would not list its unread messages "
            f"({_text(data)})."
        )
    uids = [uid.decode() for uid in (data[0] or b"").split()]
    uids.sort(key=int)
    if limit is not None:
        uids = uids[:limit]
    can_move = "MOVE" in client.capabilities
    for position, uid in enumerate(uids):
        status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = _raw_of(data) if status == "OK" else None
        if raw is None:
            continue  # gone meanwhile: another fetcher moved it to the processed folder
        report.read += 1
        try:
            ingested = ingest(session, raw, mailbox)
        except Exception as error:
            session.rollback()
            if _is_transient(error):
                report.left_unread = len(uids) - position
                cause = type(getattr(error, "orig", None) or error).__name__
                report.errors.append(
                    f"Mailbox {mailbox.name}: the database could not store messages "
                    f"({cause}); {report.left_unread} stay unread for the next run."
                )
                return
            log.exception("Mailbox %s: message UID %s could not be ingested", mailbox.name, uid)
            report.left_unread += 1
            report.errors.append(
                f"Mailbox {mailbox.name}: message {uid} could not be stored "
                f"({type(error).__name__}: {error}); it stays unread for the next run."
            )
            continue
        report.count(ingested)
        _mark_done(client, mailbox, uid, can_move)


def _mark_done(client, mailbox: Mailbox, uid: str, can_move: bool) -> None:
    """\\Seen, then out of the folder when the mailbox has a processed folder. A failure
    here costs nothing: the next run reads it again and the ingest knows it already."""
    client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
    if not mailbox.processed_folder:
        return
    target = folder_name(mailbox.processed_folder)
    if can_move:
        status, data = client.uid("MOVE", uid, target)
    else:
        status, data = client.uid("COPY", uid, target)
        if status == "OK":
            client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            if "UIDPLUS" in client.capabilities:
                client.uid("EXPUNGE", uid)
            else:
                client.expunge()
    if status != "OK":
        raise MailboxUnreadable(
            f"Mailbox {mailbox.name}: message {uid} was stored and marked read, but could "
            f"not be moved to {mailbox.processed_folder} ({_text(data)})."
        )
