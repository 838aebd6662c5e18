"""A real IMAP server for the tests: Debian's dovecot, started privately for the session.

`imap_server` starts `dovecot -F` with a configuration file of its own in a fresh folder:
IMAP on 127.0.0.1 at a free port (STARTTLS offered, plain-text passwords allowed: localhost
only) and IMAPS at another, with a self-signed certificate for 127.0.0.1 that a test trusts
by pointing SSL_CERT_FILE at `imap_server.certificate`. Any user name signs in with the one
password; its mail is in a maildir under the same folder. The system's dovecot service is
neither used nor touched. Each test takes its own account
(`account("complaints")` makes complaints-<n>@example.gov.au with an empty INBOX), so tests
never see each other's mail.

Without /usr/sbin/dovecot the tests are skipped with a plain message, except under CI
(CI=true), where they fail: bin/test installs dovecot-imapd there.

    pytest_plugins = ["tests.imap_server"]  # in the test module: the fixture

    def test_x(imap_server):
        account = imap_server.account("complaints")
        imap_server.append(account, raw_bytes)
        ...
        assert imap_server.flags(account) == {1: {"\\Seen"}}
"""

import grp
import imaplib
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI, free_port

DOVECOT = "/usr/sbin/dovecot"
DOMAIN = "example.gov.au"
START_TIMEOUT_SECONDS = 20
PASSWORD = "imap-test-password"

CONFIG = """\
# A private dovecot for the tests (tests/imap_server.py); nothing here is for production.
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
instance_name = portal-tests-{port}
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{base}/server.pem
ssl_key = <{base}/server.key
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:~/Maildir
# Any user name signs in with the one password (a passwd-file is re-read at most once a
# second, too slow for accounts made a moment before they are used).
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
# No chroot: a dovecot that is not started as root cannot make one.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class ImapAccount:
    username: str
    password: str
    home: Path


class ImapServer:
    """The running dovecot: where it listens, its accounts, and helpers to put mail in a
    mailbox and read its flags back with imaplib, as any mail client would."""

    def __init__(self, base: Path, port: int, tls_port: int):
        self.base = base
        self.host = "127.0.0.1"
        self.port = port
        self.tls_port = tls_port
        # Trusted by a test that sets SSL_CERT_FILE to it; by nothing else.
        self.certificate = base / "server.pem"
        self._numbers = itertools.count(1)

    def account(self, name: str = "complaints") -> ImapAccount:
        """A new user with an empty INBOX, e.g. complaints-3@example.gov.au."""
        username = f"{name}-{next(self._numbers)}@{DOMAIN}"
        return ImapAccount(
            username=username, password=PASSWORD, home=self.base / "mail" / username
        )

    def connect(self, account: ImapAccount) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(account.username, account.password)
        return client

    def append(
        self, account: ImapAccount, raw: bytes, folder: str = "INBOX", flags: str = ""
    ) -> int:
        """Put one raw message in `folder` (made if missing); its UID."""
        client = self.connect(account)
        try:
            client.create(quoted(folder))  # "already exists" is a NO, not an exception
            status, data = client.append(
                quoted(folder), f"({flags})" if flags else None, None, raw
            )
            assert status == "OK", data
            return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        finally:
            client.logout()

    def flags(self, account: ImapAccount, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's UID in `folder` and its flags; {} when the folder is empty or
        missing."""
        client = self.connect(account)
        try:
            status, _ = client.select(quoted(folder), readonly=True)
            if status != "OK":
                return {}
            status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            flags = {}
            for line in data:
                if not line:
                    continue
                uid = re.search(rb"\bUID (\d+)", line)
                names = re.search(rb"\bFLAGS \(([^)]*)\)", line)
                if uid is None or names is None:
                    continue
                # \Recent belongs to this session, not to the message.
                flags[int(uid.group(1))] = {
                    name.decode() for name in names.group(1).split() if name != rb"\Recent"
                }
            return flags
        finally:
            client.logout()

    def messages(self, account: ImapAccount, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in `folder`, oldest first, read without marking them seen."""
        client = self.connect(account)
        try:
            status, _ = client.select(quoted(folder), readonly=True)
            if status != "OK":
                return []
            status, data = client.uid("SEARCH", None, "ALL")
            raws = []
            for uid in data[0].split():
                status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raws.append(next(part[1] for part in parts if isinstance(part, tuple)))
            return raws
        finally:
            client.logout()

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _users() -> dict:
    """Who runs dovecot's own processes and who owns the mail. As root: Debian's dovecot
    and dovenull users, and mail owned by dovecot (dovecot will not keep mail as root).
    Otherwise everything runs as the current user and group."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        internal, login = me, me
    else:
        try:
            internal = pwd.getpwnam("dovecot")
            login = pwd.getpwnam("dovenull")
        except KeyError:
            pytest.fail("dovecot is installed but its users dovecot and dovenull are missing")
    return {
        "internal_user": internal.pw_name,
        "internal_group": grp.getgrgid(internal.pw_gid).gr_name,
        "login_user": login.pw_name,
        "mail_uid": internal.pw_uid,
        "mail_gid": internal.pw_gid,
    }


def _self_signed_certificate(base: Path) -> None:
    """server.pem and server.key in `base`: a certificate for 127.0.0.1 valid for a day."""
    made = subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
            "-keyout", str(base / "server.key"), "-out", str(base / "server.pem"),
        ],
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.fail(f"openssl could not make the test certificate: {made.stderr.decode()}")


def _wait_until_listening(process: subprocess.Popen, server: ImapServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dovecot stopped at start (exit {process.returncode}):\n{server.log()}")
        try:
            imaplib.IMAP4(server.host, server.port, timeout=2).shutdown()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"dovecot did not listen on {server.port} in {START_TIMEOUT_SECONDS} s")


@contextmanager
def running_dovecot(extra_config: str = ""):
    """A private dovecot on 127.0.0.1 while the block runs; `extra_config` is appended to
    its configuration (e.g. to offer fewer capabilities)."""
    if not os.path.exists(DOVECOT):
        message = f"dovecot is not installed at {DOVECOT} (apt-get install -y dovecot-imapd)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    users = _users()
    # Not under pytest's tmp_path: its folders are private to root, and dovecot's users must
    # reach the mail; and its UNIX sockets need a path shorter than 108 bytes.
    base = Path(tempfile.mkdtemp(prefix="portal-imap-"))
    base.chmod(0o755)
    (base / "mail").mkdir()
    os.chown(base / "mail", users["mail_uid"], users["mail_gid"])
    port, tls_port = free_port(), free_port()
    _self_signed_certificate(base)
    config = base / "dovecot.conf"
    config.write_text(
        CONFIG.format(base=base, port=port, tls_port=tls_port, password=PASSWORD, **users)
        + extra_config
    )
    server = ImapServer(base, port, tls_port)
    with open(base / "dovecot.stderr", "wb") as stderr:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            _wait_until_listening(process, server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def imap_server():
    """A private dovecot on 127.0.0.1 for this test session (one per xdist worker)."""
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def imap_server_without_move():
    """A dovecot that does not offer MOVE (RFC 6851), as older servers do: a message is
    moved by COPY, \\Deleted and UID EXPUNGE (UIDPLUS)."""
    with running_dovecot("imap_capability = IMAP4rev1 LITERAL+ UIDPLUS\n") as server:
        yield server
