"""People already in the register who are likely the person an officer is about to add.

Registering a complaint from a caller not yet in the register, the officer types their
name, email and phone; before a new participant is made, those already here with the same
name, the same email or the same phone number are shown, so the officer picks the existing
person instead of making a second record of them. Only people the officer may see are
offered: a confidential complainant hidden from them is never named, nor hinted at.
"""

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from models import Participant

from . import access, confidentiality

# Digits compared from the end: "0400 123 456", "+61 400 123 456" and "(04) 0012-3456" agree.
PHONE_DIGITS = 9
MOST = 5


@dataclass(frozen=True)
class Likely:
    person: Participant
    # Why they are offered, in the officer's words: "same email", "same name", "same phone".
    reasons: tuple[str, ...]

    def describe(self) -> str:
        """ "Sam Citizen (sam@example.com, 0400 123 456): same email, same phone"."""
        person = self.person
        reach = ", ".join(value for value in (person.email, person.phone) if value)
        words = person.display_name + (f" ({reach})" if reach else "")
        return f"{words}: {', '.join(self.reasons)}"


def phone_digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _digits_of(column):
    expression = func.coalesce(column, "")
    for character in (" ", "-", "(", ")", "+", ".", "/"):
        expression = func.replace(expression, character, "")
    return expression


def likely_same_people(session, actor, given=None, family=None, email=None, phone=None):
    """Those the officer may see with the same name, email or phone: at most MOST, the
    strongest matches (most reasons) first."""
    given, family = (given or "").strip().lower(), (family or "").strip().lower()
    email = (email or "").strip().lower()
    digits = phone_digits(phone)
    tests = []
    if family and given:
        tests.append(
            (
                "same name",
                (func.lower(Participant.family_name) == family)
                & (func.lower(Participant.given_name) == given),
            )
        )
    if email:
        tests.append(("same email", func.lower(Participant.email) == email))
    if len(digits) >= 6:
        tail = digits[-PHONE_DIGITS:]
        tests.append(("same phone", _digits_of(Participant.phone).like(f"%{tail}")))
    if not tests:
        return []
    query = select(Participant).where(or_(*(condition for _, condition in tests)))
    condition = access.rows(actor, "participant", "view")
    if not access.is_everything(condition):
        query = query.where(condition)
    query = query.where(confidentiality.person_visible(actor, Participant.id))
    found = session.execute(query.order_by(Participant.id).limit(50)).scalars().all()
    likely = []
    for person in found:
        reasons = []
        if (
            family
            and given
            and (
                (person.family_name or "").lower() == family
                and (person.given_name or "").lower() == given
            )
        ):
            reasons.append("same name")
        if email and (person.email or "").lower() == email:
            reasons.append("same email")
        theirs = phone_digits(person.phone)
        if len(digits) >= 6 and theirs and theirs.endswith(digits[-PHONE_DIGITS:]):
            reasons.append("same phone")
        if reasons:
            likely.append(Likely(person, tuple(reasons)))
    likely.sort(key=lambda match: (-len(match.reasons), match.person.id))
    return likely[:MOST]
