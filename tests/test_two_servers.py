"""Two app servers (gunicorn, as in production) over one PostgreSQL, one Redis and one
attachment folder, behind nothing: a session signed in on one is good on the other and
ended on both by signing out on either; sign-in limits are counted across both; a file
lodged through one downloads from the other; references stay gap-free with 16 writers
split across both; each outbox message is sent once with a sender on each."""

import http.cookiejar
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Complaint, Division, OutboundMessage, Participant, db
from services import api_tokens
from tests.conftest import PASSWORD, free_port
from tests.test_security import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 16
EACH = 3

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.parametrize("database", ["postgresql"], indirect=True),
]


@contextmanager
def gunicorn(environment, log):
    port = free_port()
    with log.open("wb") as written:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env={
                **environment,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "2",
                "GUNICORN_THREADS": "4",
            },
            stdout=written,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Browser:
    """One person's browser: its own cookies, any server."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def request(self, url, data=None, headers=None, method=None):
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as answer:
            return answer.code, dict(answer.headers), answer.read()

    def form_post(self, url, fields):
        return self.request(url, urllib.parse.urlencode(fields, doseq=True).encode())

    def sign_in(self, base, username, password=PASSWORD):
        _, _, page = self.request(f"{base}/login")
        return self.form_post(
            f"{base}/login",
            {"username": username, "password": password, "csrf_token": token_in(page)},
        )

    def copy(self):
        other = Browser()
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        return other


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def token_in(page: bytes) -> str:
    text = page.decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', text
    )
    return match.group(1)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content, kind) in files.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_two_app_servers_share_sessions_limits_files_references_and_the_outbox(
    app, make, mailbox, tmp_path
):
    redis_or_skip()
    make.user("coord", "coordinator", level="AO6")
    # Online lodgements go to Customer Services.
    db.session.add(Division(code="CS", name="Customer Services", calendar=make.calendar()))
    admin = make.user("root", "administrator")
    token = api_tokens.issue(db.session, admin, "two servers").secret
    db.session.commit()
    home = make.home_division().code
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "two-servers-one-key",
        "ATTACHMENT_FOLDER": str(tmp_path / "shared-attachments"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"two-servers-{uuid.uuid4().hex}",
        "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
        "PUBLIC_LODGE_LIMIT": "1000 per hour",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mailbox.port),
        "MAIL_FROM": "complaints@example.gov.au",
        "SECOND_FACTOR_REQUIRED": "off",
    }
    with ExitStack() as stack:
        first = stack.enter_context(gunicorn(environment, tmp_path / "first.log"))
        second = stack.enter_context(gunicorn(environment, tmp_path / "second.log"))

        # A session signed in on one server is good on the other.
        person = Browser()
        assert person.sign_in(first, "coord")[0] == 302
        assert person.request(f"{second}/admin/complaint/")[0] == 200
        stolen = person.copy()
        # Signing out on the second ends it on the first too, a copied cookie included.
        person.request(f"{second}/logout")
        assert stolen.request(f"{first}/admin/complaint/")[0] == 302

        # Failed sign-ins are counted across both servers.
        attacker = Browser()
        assert attacker.sign_in(first, "coord", "wrong one")[0] == 200
        assert attacker.sign_in(second, "coord", "wrong two")[0] == 200
        assert attacker.sign_in(first, "coord", "wrong three")[0] == 200
        assert attacker.sign_in(second, "coord")[0] == 429  # even the right password

        # A file lodged through the first server downloads from the second.
        member = Browser()
        _, _, form = member.request(f"{first}/lodge/")
        submission = re.search(rb'name="submission"[^>]*value="([^"]+)"', form)
        fields = {
            "csrf_token": token_in(form),
            "kind": "complaint",
            "summary": "Counter closed",
            "description": "Nobody was there at 10 am.",
            "outcome_sought": "An explanation.",
            "human_rights": "no",
            "given_name": "Sam",
            "family_name": "Nguyen",
            "email": "sam.nguyen@example.com",
            "phone": "",
            "address": "",
            "consent": "yes",
            "website": "",
        }
        if submission:
            fields["submission"] = submission.group(1).decode()
        photo = b"\x89PNG\r\n\x1a\n" + os.urandom(256)
        body, headers = multipart(fields, {"attachments": ("counter.png", photo, "image/png")})
        status, _, _ = member.request(f"{first}/lodge/", body, headers)
        assert status in (200, 302, 303)
        db.session.expire_all()
        lodged = db.session.scalar(select(Complaint).filter_by(summary="Counter closed"))
        (attachment,) = lodged.attachments
        coordinator = Browser()
        coordinator.sign_in(second, "root")
        status, _, downloaded = coordinator.request(
            f"{second}/admin/complaint/attachment/{attachment.id}/"
        )
        assert status == 200 and downloaded == photo

        # 16 writers, half on each server, lodge through the API: references gap-free.
        failures, created = [], []

        def writer(n):
            base = first if n % 2 else second
            for i in range(EACH):
                request = urllib.request.Request(
                    f"{base}/api/v1/complaints",
                    data=json.dumps(
                        {
                            "division": home,
                            "summary": f"Writer {n} complaint {i}",
                            "classification": "standard",
                            "complainant": {
                                "given_name": "Writer",
                                "family_name": f"{n}-{i}",
                                "email": f"writer{n}-{i}@example.com",
                            },
                        }
                    ).encode(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        created.append(json.loads(answer.read())["reference"])
                except urllib.error.HTTPError as refused:
                    failures.append((refused.code, refused.read()[:300]))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        assert failures == []
        assert len(created) == len(set(created)) == WRITERS * EACH
        db.session.expire_all()
        numbers = sorted(
            int(reference.rsplit("-", 1)[1])
            for reference in db.session.scalars(
                select(Complaint.reference).where(Complaint.reference.is_not(None))
            )
        )
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))

    # Each outbox message sent once, with a sender on each server.
    queued = db.session.scalars(
        select(OutboundMessage.id).where(OutboundMessage.status == "queued")
    ).all()
    assert len(queued) >= WRITERS * EACH  # each registered complaint's email, at least
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "mail", "send-due", "--no-reminders"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=180)[0].decode() for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboundMessage.status, OutboundMessage.recipient_address).where(
            OutboundMessage.id.in_(queued)
        )
    ).all()
    assert {status for status, _ in rows} == {"sent"}
    delivered = sorted(rcpt for rcpts, _ in mailbox.received for rcpt in rcpts)
    assert delivered == sorted(address for _, address in rows)
    assert len({message["Message-ID"] for _, message in mailbox.received}) == len(rows)
    assert db.session.scalar(select(Participant.id).filter_by(family_name="0-0")) is not None
