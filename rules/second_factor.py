"""The second factor: time-based one-time passwords (TOTP, RFC 6238: six digits, a new one
every 30 seconds, from an authenticator app) and one-time recovery codes.

Pure rules: the codes, and who must have a second factor. The views keep the state.
"""

import hashlib
import re
import secrets

import pyotp

from .vocabulary import ADMINISTRATOR

ISSUER = "Complaints portal"
STEP_SECONDS = 30
# A code from the step before or after is accepted too: a phone's clock a little off.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread

# Who must have one (the setting SECOND_FACTOR_REQUIRED).
ADMINISTRATORS = "administrators"
EVERYONE = "everyone"
# Nobody by rule (only those an administrator marked): for trying the portal (bin/run).
OFF = "off"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """What the QR code holds: an authenticator app adds the account from it."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def accepted_step(secret: str, code: str, now: float, last_step: int | None) -> int | None:
    """The time step `code` is the password of (now, or one step either side), if that step
    is later than the last one used; None otherwise. A code is never accepted twice."""
    digits = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", digits):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like `k7fq-2mxp-9tcd`: 60 bits each, easy to read aloud and type."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(count)
    ]


def recovery_hash(code: str) -> str:
    """How a recovery code is kept (and looked up): its normalised form, hashed. The codes
    are random and long, so a fast hash keeps them as safe as a slow one would."""
    normalised = re.sub(r"[^a-z0-9]", "", (code or "").lower())
    return hashlib.sha256(normalised.encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(re.sub(r"[^a-z0-9]", "", (code or "").lower())) == 12


def required(capacity_codes, required_for_person: bool, setting: str) -> bool:
    """Must this account have a second factor? Anyone an administrator marked;
    administrators (the default setting); everyone when the setting says so."""
    rule = str(setting).strip().lower()
    if required_for_person or rule == EVERYONE:
        return True
    return rule != OFF and ADMINISTRATOR in capacity_codes
