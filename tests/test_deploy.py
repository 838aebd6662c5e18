"""The deployment examples under deploy/ are what nginx and systemd accept, as written.

Each is checked by the tool that will read it (Debian's nginx and systemd packages): a
missing tool skips the test with a plain message, except under CI, where it fails.
The paths the examples name (/srv/portal, /etc/portal, the certificate, the logs) are
pointed into the test's own folder, since the checks open or execute them.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import settings
from tests.conftest import IN_CI

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SITE = DEPLOY / "nginx" / "portal.conf"
UNITS = sorted((DEPLOY / "systemd").glob("portal*"))


def tool(name: str, package: str) -> str:
    found = shutil.which(name) or next(
        (path for path in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(path).exists()),
        None,
    )
    if found is None:
        message = f"{name} is not installed (apt-get install -y {package})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_there_are_units_for_the_app_and_each_scheduled_command():
    assert [unit.name for unit in UNITS] == [
        "portal-client-reports.service",
        "portal-client-reports.timer",
        "portal-mail-fetch.service",
        "portal-mail-fetch.timer",
        "portal-mail-send-due.service",
        "portal-mail-send-due.timer",
        "portal-notify.service",
        "portal-notify.timer",
        "portal.service",
    ]


@pytest.mark.parametrize("command", ["send-due", "fetch"])
def test_each_scheduled_mail_command_has_a_timer_and_a_service_that_runs_it(command):
    service = (DEPLOY / "systemd" / f"portal-mail-{command}.service").read_text()
    timer = (DEPLOY / "systemd" / f"portal-mail-{command}.timer").read_text()
    assert f"ExecStart=/srv/portal/.venv/bin/flask --app app mail {command}\n" in service
    assert "Type=oneshot" in service
    assert "OnCalendar=" in timer
    assert "WantedBy=timers.target" in timer


def test_the_notification_scheduler_has_a_timer_and_a_service_that_runs_it():
    service = (DEPLOY / "systemd" / "portal-notify.service").read_text()
    timer = (DEPLOY / "systemd" / "portal-notify.timer").read_text()
    assert "ExecStart=/srv/portal/.venv/bin/flask --app app notify run\n" in service
    assert "Type=oneshot" in service
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


def test_the_client_reports_run_monthly_from_their_own_timer():
    service = (DEPLOY / "systemd" / "portal-client-reports.service").read_text()
    timer = (DEPLOY / "systemd" / "portal-client-reports.timer").read_text()
    assert (
        "ExecStart=/srv/portal/.venv/bin/flask --app app reports send-client-reports\n" in service
    )
    assert "Type=oneshot" in service
    assert "OnCalendar=*-*-01 07:00:00\n" in timer
    assert "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = tool("nginx", "nginx")
    openssl = tool("openssl", "openssl")
    key, certificate = tmp_path / "site.key", tmp_path / "site.pem"
    made = subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=portal.test",
            "-days", "1", "-keyout", str(key), "-out", str(certificate),
        ],
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr.decode()
    logs = tmp_path / "logs"
    logs.mkdir()
    site = (
        SITE.read_text()
        .replace("/etc/ssl/certs/complaints.example.gov.au.pem", str(certificate))
        .replace("/etc/ssl/private/complaints.example.gov.au.key", str(key))
        .replace("/var/log/nginx/", f"{logs}/")
    )
    (tmp_path / "site.conf").write_text(site)
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {logs}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    include {tmp_path}/site.conf;\n"
        "}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", f"{logs}/error.log", "-c", str(wrapper)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_nginx_body_limit_lets_the_largest_lodgement_reach_the_portal():
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", SITE.read_text()).group(1))
    largest = settings.DEFAULTS["ATTACHMENT_MAX_FILES"] * settings.DEFAULTS["ATTACHMENT_MAX_BYTES"]
    # The portal's own limit (views/public.py): every file at its largest and 1 MB of form.
    assert largest + 1_000_000 <= megabytes * 1024 * 1024 < largest + 8_000_000


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = tool("systemd-analyze", "systemd")
    root = tmp_path / "srv"
    (root / ".venv" / "bin").mkdir(parents=True)
    for program in ("gunicorn", "flask"):
        stub = root / ".venv" / "bin" / program
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    environment = tmp_path / "portal.env"
    environment.write_text("DATABASE_URL=postgresql://portal@127.0.0.1/portal\n")
    for unit in UNITS:
        (tmp_path / unit.name).write_text(
            unit.read_text()
            .replace("/srv/portal", str(root))
            .replace("/etc/portal/portal.env", str(environment))
        )
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *(unit.name for unit in UNITS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    # A value systemd cannot read is only a warning ("…, ignoring"), exit status 0 all the same.
    complaints = [line for line in output.splitlines() if any(unit.name in line for unit in UNITS)]
    assert complaints == []
