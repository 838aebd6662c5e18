"""Every setting of the portal: its name, its default and what it means, in one table.

`create_app` applies them in this order, each overriding the one before:

1. the defaults below;
2. the environment: each setting under its own name (`MAIL_SERVER=smtp.example.gov.au`),
   so a container needs no instance file; a value is read as the default's type
   (`1`/`true`/`yes` for on, whole numbers for counts);
3. `instance/config.py`, if there is one;
4. the mapping handed to `create_app(config)` (the tests).

Code reads `current_app.config[NAME]`, or is handed the values it needs. Plain Python: no
Flask import, so anything may import it. README's *Configuration* lists the same table.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The portal's own time zone: report periods, and instants that belong to no calendar.
DISPLAY_TIMEZONE = "Australia/Brisbane"
# The service desk runs on Melbourne time unless a client's contract says otherwise.
DEFAULT_TICKET_CALENDAR = "AU-VIC"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    meaning: str
    # Other environment variables read when the setting's own is unset, in order.
    also_from: tuple[str, ...] = ()


SETTINGS = (
    # Where things are kept
    Setting(
        "DATABASE_URL",
        None,
        "any SQLAlchemy URL (postgresql://… uses psycopg 3); unset, SQLite at "
        "instance/portal.sqlite3",
    ),
    Setting(
        "SQLITE_BUSY_SECONDS",
        30,
        "on SQLite, how long a save waits for another one to finish before it is refused "
        "as busy (503, try again)",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "signs sessions and forms; unset, generated once and kept in instance/secret_key "
        "(set the same value on every app server sharing a database)",
    ),
    Setting(
        "ATTACHMENT_FOLDER",
        None,
        "where lodged files are kept (unset: instance/attachments); back it up with the database",
    ),
    Setting(
        "ATTACHMENT_STORAGE",
        "folder",
        "where attachment files are kept: folder (ATTACHMENT_FOLDER) or s3 (S3_BUCKET)",
    ),
    Setting("S3_BUCKET", None, "with ATTACHMENT_STORAGE=s3: the bucket (it must exist)"),
    Setting("S3_PREFIX", "attachments", "with ATTACHMENT_STORAGE=s3: the folder in the bucket"),
    Setting(
        "S3_ENDPOINT_URL",
        None,
        "with ATTACHMENT_STORAGE=s3: the S3-compatible server (unset: Amazon S3)",
    ),
    Setting("S3_REGION", None, "with ATTACHMENT_STORAGE=s3: the bucket's region"),
    Setting(
        "S3_ACCESS_KEY_ID",
        None,
        "with ATTACHMENT_STORAGE=s3: the access key (unset: boto3's usual sources, e.g. "
        "AWS_ACCESS_KEY_ID or an instance role)",
    ),
    Setting("S3_SECRET_ACCESS_KEY", None, "with ATTACHMENT_STORAGE=s3: the secret key"),
    # Time
    Setting("DISPLAY_TIMEZONE", DISPLAY_TIMEZONE, "the portal's own time zone"),
    Setting(
        "DEFAULT_TICKET_CALENDAR",
        DEFAULT_TICKET_CALENDAR,
        "the service desk's calendar for clients without one",
    ),
    # Sign-in, cookies and proxies
    Setting("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes", "failed sign-ins per account"),
    Setting("SIGN_IN_LIMIT_PER_ADDRESS", "20 per 15 minutes", "failed sign-ins per address"),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "where failed sign-ins and lodgements are counted; memory counts per process, so "
        "several app servers share one Redis",
        also_from=("REDIS_URL",),
    ),
    Setting("RATELIMIT_STRATEGY", "moving-window", "how Flask-Limiter counts its windows"),
    Setting("RATELIMIT_KEY_PREFIX", "complaints-portal", "the prefix of the counters' keys"),
    Setting(
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
        True,
        "if Redis goes away, keep counting per process until it is back",
    ),
    Setting(
        "OIDC_ISSUER",
        None,
        "the department's OpenID Connect identity provider (its issuer address); set, the "
        "sign-in page offers single sign-on",
    ),
    Setting("OIDC_CLIENT_ID", None, "the portal's client id at the identity provider"),
    Setting("OIDC_CLIENT_SECRET", None, "the portal's client secret at the identity provider"),
    Setting("OIDC_SCOPES", "openid email profile", "what the portal asks the provider for"),
    Setting(
        "OIDC_PROVIDER_NAME",
        "your department account",
        "the words on the sign-in button: Sign in with …",
    ),
    Setting(
        "PASSWORD_SIGN_IN",
        "everyone",
        "who may sign in with a password: everyone, or administrators (break-glass accounts, "
        "once everyone else signs in through the identity provider)",
    ),
    Setting(
        "SECOND_FACTOR_REQUIRED",
        "administrators",
        "who must sign in with a second factor (an authenticator app): administrators, "
        "everyone, or off (nobody by rule: for trying the portal); an administrator can also "
        "require it of one account",
    ),
    Setting(
        "SESSION_IDLE_MINUTES",
        30,
        "a signed-in session not used for this long is ended (0: never)",
    ),
    Setting(
        "SESSION_MAX_HOURS",
        12,
        "a session is ended this long after signing in, however busy (0: never)",
    ),
    Setting("SESSION_COOKIE_HTTPONLY", True, "scripts in the page cannot read the session"),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "the session cookie is not sent cross-site"),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        "on: Secure cookies always (they are Secure on every HTTPS request anyway)",
    ),
    Setting(
        "PREFERRED_URL_SCHEME",
        "http",
        "https: the portal is served only over HTTPS, so session cookies are always Secure",
    ),
    Setting(
        "TRUSTED_PROXY_COUNT",
        0,
        "reverse proxies in front whose X-Forwarded-For / -Proto are believed",
    ),
    Setting("FLASK_ADMIN_SWATCH", "default", "the screens' Bootstrap theme (bundled, offline)"),
    # Operating (views/observability.py, views/operations.py)
    Setting(
        "LOG_FORMAT",
        "json",
        "json: one JSON object a line (request log included); text: plain lines for a terminal",
    ),
    Setting(
        "PUBLICATION_DUE",
        "09-30",
        "month-day by which each year's customer complaint figures (s 264) are published",
    ),
    Setting(
        "PUBLICATION_REMINDER_DAYS",
        30,
        "how many days before PUBLICATION_DUE administrators are reminded on every page",
    ),
    Setting(
        "JOB_LATE_MINUTES",
        30,
        "a scheduled command expected to run (notify run; mail send-due, mail fetch once mail "
        "is set up) whose last success is older than this makes /readyz fail",
    ),
    Setting(
        "METRICS_TOKEN",
        None,
        "the bearer token /metrics asks for; unset, /metrics does not exist (404)",
    ),
    # Mail and reminders (services/correspondence/); without MAIL_SERVER nothing is sent.
    Setting("MAIL_SERVER", None, "the SMTP server"),
    Setting("MAIL_PORT", 25, "the SMTP server's port"),
    Setting("MAIL_USERNAME", None, "the SMTP login, when the server asks for one"),
    Setting("MAIL_PASSWORD", None, "the SMTP password"),
    Setting("MAIL_USE_TLS", False, "on: STARTTLS on the plain port"),
    Setting("MAIL_USE_SSL", False, "on: TLS from the start (port 465)"),
    Setting(
        "MAIL_FROM",
        None,
        "the From address; its domain also names the Message-IDs",
    ),
    Setting("MAIL_SENDER_NAME", "Customer Complaints", "who letters are signed by"),
    # The letterhead of a letter printed and posted (services/correspondence/printing.py);
    # a line whose setting is unset is left out.
    Setting("DEPARTMENT_NAME", None, "the department's name, at the top of a printed letter"),
    Setting(
        "DEPARTMENT_ADDRESS",
        None,
        "the department's postal address on a printed letter (a new line or `;` between lines)",
    ),
    Setting(
        "DEPARTMENT_PHONE",
        "07 3000 0000",
        "the phone number complainants reach the department on: every letter, the lodgement "
        "confirmation, the case page and a printed letter say it",
    ),
    Setting(
        "DEPARTMENT_EMAIL",
        "complaints@example.gov.au",
        "the email address complainants reach the department at (every letter, the "
        "confirmation page, the case page, a printed letter)",
    ),
    Setting(
        "PORTAL_URL",
        None,
        "the portal's address, for the links in officers' reminders and the personal links "
        "to a case's own page in letters (never taken from the request)",
    ),
    Setting(
        "REMINDER_LEAD_BUSINESS_HOURS",
        8,
        "how far ahead of a due instant officers are reminded (0: once it has passed)",
    ),
    Setting(
        "NOTIFY_DESK_LEADS",
        "",
        "usernames of the service desk's leads, comma-separated: told of tickets with no "
        "agent and by escalation rules (empty: every coordinator)",
    ),
    Setting(
        "RESTRICTION_DECIDER_LEVEL",
        "AO8",
        "the classification level at or above which an officer may decide a restriction of "
        "a complainant's contact (the decision-maker level: a director)",
    ),
    Setting(
        "RESTRICTION_REVIEW_LEAD_DAYS",
        10,
        "how many days before a restriction's review date its contact officer and deciding "
        "officer are reminded",
    ),
    Setting(
        "REMINDER_PASSED_WITHIN_DAYS",
        7,
        "due instants that passed longer ago are not reminded",
    ),
    Setting("MAIL_MAX_ATTEMPTS", 6, "tries before a message fails"),
    Setting("MAIL_RETRY_MINUTES", 5, "the first wait before trying again, doubled each time"),
    Setting(
        "MAIL_SENDING_TIMEOUT_MINUTES",
        5,
        "a sender's claim on the messages it holds lapses this long after its last sign of "
        "life (it renews it before each message); the next run takes them over",
    ),
    Setting(
        "MAIL_LETTER_MAX_AGE_DAYS",
        7,
        "how old a step may be and still bring a letter",
    ),
    Setting("MAIL_TIMEOUT_SECONDS", 30, "how long to wait for an answer from the mail server"),
    # Mail in (services/mail_in)
    Setting(
        "MAIL_IN_MAILBOXES",
        "[]",
        "the mailboxes mail is read from, as a JSON list of objects: name, creates "
        '("complaint" or "ticket"), host, port, username, password, folder, use_ssl, '
        "use_starttls, processed_folder",
    ),
    Setting("MAIL_IN_MAX_BYTES", 25_000_000, "the largest message received (larger: quarantined)"),
    Setting("MAIL_IN_MAX_PARTS", 100, "the most MIME parts a message received may have"),
    # Online lodgement (views/public.py)
    Setting(
        "PUBLIC_INTAKE_DIVISION",
        "CS",
        "code of the division that receives online lodgements",
    ),
    Setting("PUBLIC_LODGE_LIMIT", "10 per hour", "submissions per client address"),
    Setting("ATTACHMENT_MAX_BYTES", 10_000_000, "the largest file a submission may attach"),
    Setting("ATTACHMENT_MAX_FILES", 5, "the most files a submission may attach"),
    Setting(
        "ATTACHMENT_MAX_INFLATED_BYTES",
        100_000_000,
        "the most a Word or Excel attachment may open out to, all its parts together "
        "(larger is refused as a zip bomb)",
    ),
    # A case's own page for its complainant or client (views/case_page.py)
    Setting(
        "CASE_LINK_DAYS_AFTER_CLOSE",
        90,
        "how many days after a case is finalised or closed its personal links still open its page",
    ),
    Setting(
        "CASE_PAGE_LIMIT",
        "30 per 10 minutes",
        "what may be sent from case pages (information, withdrawal, review request) per "
        "client address",
    ),
    Setting(
        "CASE_LINK_REQUEST_LIMIT",
        "5 per hour",
        "requests for a fresh link per client address, and per reference",
    ),
    Setting(
        "CASE_LINK_REQUESTS_PER_DAY",
        3,
        "fresh links sent a day for one reference, and for one email address (counted in "
        "the database, so every app server shares the count)",
    ),
    Setting(
        "PUBLIC_ENQUIRIES",
        None,
        "how to follow up, shown on the confirmation page",
    ),
    # "How it went": the satisfaction survey (services/surveys.py, views/survey.py)
    Setting(
        "SURVEY_ENABLED",
        True,
        "whether a finalised complaint or resolved ticket invites its complainant or client "
        "to the satisfaction survey (off: no new invitations, and links no longer open)",
    ),
    Setting(
        "SURVEY_VALID_DAYS",
        30,
        "how many days a survey link works after its email is sent",
    ),
    Setting("SURVEY_LIMIT", "20 per hour", "survey answers sent per client address"),
)

# Set in code and not meant to be changed: the database engine's options.
FIXED = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}

DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def parse(text: str, default):
    """An environment variable's text as the type of the setting's default."""
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


def from_environment(environ: Mapping[str, str]) -> dict:
    """The settings the environment gives (an empty value counts as unset)."""
    found = {}
    for setting in SETTINGS:
        for name in (setting.name, *setting.also_from):
            if environ.get(name):
                found[setting.name] = parse(environ[name], setting.default)
                break
    return found
