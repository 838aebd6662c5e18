"""The mailboxes mail is read from (MAIL_IN_MAILBOXES), and what each creates from new mail.

MAIL_IN_MAILBOXES is a JSON list, one object per mailbox:

    [{"name": "complaints", "creates": "complaint", "host": "imap.example.gov.au",
      "port": 993, "username": "complaints", "password": "...", "use_ssl": true},
     {"name": "helpdesk", "creates": "ticket", "host": "imap.example.gov.au", ...}]

A mailbox fed by a mail server's pipe (`flask mail receive`) needs only name and creates.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from rules.errors import RuleViolation
from rules.mail_in import CREATES

SETTING = "MAIL_IN_MAILBOXES"
NAME_LIMIT = 60


class MailboxesRefused(RuleViolation):
    """MAIL_IN_MAILBOXES cannot be used, in the words of the setting to change."""


@dataclass(frozen=True)
class Mailbox:
    name: str
    creates: str  # "complaint" or "ticket"
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    folder: str = "INBOX"
    use_ssl: bool = True
    use_starttls: bool = False
    processed_folder: str | None = None

    def __repr__(self):  # the password never reaches a log
        return f"Mailbox(name={self.name!r}, creates={self.creates!r}, host={self.host!r})"


def _flag(value, where: str, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "yes",
        "1",
        "false",
        "no",
        "0",
    ):
        return value.strip().lower() in ("true", "yes", "1")
    raise MailboxesRefused(f"{SETTING}: {where} has {key} {value!r}; write true or false.")


def _text(entry: Mapping, key: str, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MailboxesRefused(f"{SETTING}: {where} has no {key}.")
        return None
    if not isinstance(value, str):
        raise MailboxesRefused(f"{SETTING}: {where} has {key} {value!r}; write it as text.")
    return value.strip()


def mailbox_from(entry, number: int, *, needs_server: bool) -> Mailbox:
    where = f"mailbox {number}"
    if not isinstance(entry, Mapping):
        raise MailboxesRefused(f"{SETTING}: {where} is not an object with a name and creates.")
    name = _text(entry, "name", where, required=True)
    if len(name) > NAME_LIMIT:
        raise MailboxesRefused(f"{SETTING}: {where} has a name over {NAME_LIMIT} characters.")
    creates = _text(entry, "creates", where, required=True)
    if creates not in CREATES:
        raise MailboxesRefused(
            f'{SETTING}: {where} creates {creates!r}; write "complaint" or "ticket".'
        )
    unknown = sorted(set(entry) - set(Mailbox.__dataclass_fields__))
    if unknown:
        raise MailboxesRefused(f"{SETTING}: {where} has unknown keys: {', '.join(unknown)}.")
    host = _text(entry, "host", where, required=needs_server)
    use_ssl = _flag(entry.get("use_ssl", True), where, "use_ssl")
    use_starttls = _flag(entry.get("use_starttls", False), where, "use_starttls")
    if use_ssl and use_starttls:
        raise MailboxesRefused(f"{SETTING}: {where} has use_ssl and use_starttls; choose one.")
    port = entry.get("port")
    if port is None or port == "":
        port = (993 if use_ssl else 143) if host else None
    else:
        try:
            port = int(port)
        except (TypeError, ValueError):
            port = 0
        if not 0 < port < 65536:
            raise MailboxesRefused(
                f"{SETTING}: {where} has port {entry.get('port')!r}; write a number "
                "from 1 to 65535."
            )
    username = _text(entry, "username", where, required=needs_server)
    password = entry.get("password")
    if password is not None and not isinstance(password, str):
        raise MailboxesRefused(f"{SETTING}: {where} has a password that is not text.")
    if needs_server and not password:
        raise MailboxesRefused(f"{SETTING}: {where} has no password.")
    return Mailbox(
        name=name,
        creates=creates,
        host=host,
        port=port,
        username=username,
        password=password or None,
        folder=_text(entry, "folder", where) or "INBOX",
        use_ssl=use_ssl,
        use_starttls=use_starttls,
        processed_folder=_text(entry, "processed_folder", where),
    )


def mailboxes_from_config(config: Mapping, *, needs_server: bool = True) -> list[Mailbox]:
    """The mailboxes MAIL_IN_MAILBOXES lists (a JSON list, or the list itself), or
    MailboxesRefused saying which mailbox is wrong and how. `needs_server` (the default):
    each must name a host, a username and a password, to be read over IMAP; a mail
    server's pipe needs only name and creates."""
    value = config.get(SETTING)
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise MailboxesRefused(
                f"{SETTING} is not valid JSON ({error.msg} at line {error.lineno}, column "
                f"{error.colno}); write a list of mailboxes: "
                '[{"name": "complaints", "creates": "complaint", ...}].'
            ) from None
    if not isinstance(value, list | tuple):
        raise MailboxesRefused(
            f"{SETTING} must be a list of mailboxes, not {type(value).__name__}."
        )
    mailboxes = [
        mailbox_from(entry, number, needs_server=needs_server)
        for number, entry in enumerate(value, start=1)
    ]
    seen = set()
    for mailbox in mailboxes:
        if mailbox.name.lower() in seen:
            raise MailboxesRefused(f"{SETTING}: two mailboxes are called {mailbox.name}.")
        seen.add(mailbox.name.lower())
    return mailboxes


def mailbox_named(config: Mapping, name: str | None) -> Mailbox:
    """The configured mailbox called `name`; with no name, the only one, or the first that
    creates complaints. MailboxesRefused when there is none to choose."""
    mailboxes = mailboxes_from_config(config, needs_server=False)
    if name:
        for mailbox in mailboxes:
            if mailbox.name.lower() == name.strip().lower():
                return mailbox
        known = ", ".join(m.name for m in mailboxes) or "none configured"
        raise MailboxesRefused(f"There is no mailbox called {name} in {SETTING} ({known}).")
    if not mailboxes:
        raise MailboxesRefused(
            f"No mailbox is configured: set {SETTING}, e.g. "
            '[{"name": "complaints", "creates": "complaint"}].'
        )
    if len(mailboxes) == 1:
        return mailboxes[0]
    for mailbox in mailboxes:
        if mailbox.creates == "complaint":
            return mailbox
    return mailboxes[0]
