"""Passwords are kept as argon2id hashes with OWASP's parameters (19 MiB of memory, two
passes, one lane); a hash of an older kind (Werkzeug's scrypt or pbkdf2) is still accepted
and is replaced by an argon2id one at the account's next successful sign-in. An argon2id
hash is kept as it was made: new parameters here apply to passwords set from then on."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

# OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
ARGON2 = "$argon2"


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash, of whichever kind it is."""
    if not stored:
        return False
    if stored.startswith(ARGON2):
        try:
            return HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # a hash in no format Werkzeug knows
        return False


def needs_rehash(stored: str | None) -> bool:
    """Whether a hash that just verified is of an older kind, to be made again as argon2id."""
    return not (stored or "").startswith(ARGON2)
