"""Unreasonable complainant conduct: restrictions on how a person may contact us, and the
representatives a complainant acts through (docs/unreasonable-conduct.md).

Pure: plain values in, the broken rules out as sentences a coordinator understands.
"""

from dataclasses import dataclass
from datetime import datetime

from .errors import RuleViolation

# The ways a person reaches us that a restriction can close (docs/unreasonable-conduct.md,
# "who, what, when, where, how"): contact through one of them goes to the contact officer.
PHONE = "phone"
EMAIL = "email"
IN_PERSON = "in_person"
PUBLIC_FORM = "public_form"
POST = "post"
CHANNELS = {
    PHONE: "Telephone",
    EMAIL: "Email",
    IN_PERSON: "In person",
    PUBLIC_FORM: "Public lodgement form and online integrations",
    POST: "Post",
}
# A complaint's channel (reference list `channel`) -> the restriction channel it uses.
# Referrals by the Ombudsman or a Minister's office are not the person contacting us.
CHANNEL_OF_LOOKUP = {
    "online_form": PUBLIC_FORM,
    "email": EMAIL,
    "telephone": PHONE,
    "smart_service": PHONE,
    "letter": POST,
    "in_person": IN_PERSON,
}
THIRD_PARTY_CHANNELS = frozenset({"ombudsman_referral", "ministerial"})

# A restriction's standing.
PENDING = "pending"
ACTIVE = "active"
LIFTED = "lifted"
EXPIRED = "expired"
STANDINGS = {
    PENDING: "Not yet in force",
    ACTIVE: "In force",
    LIFTED: "Lifted",
    EXPIRED: "Expired",
}

# Who a complainant may act through (docs/unreasonable-conduct.md, "Representatives").
REPRESENTATIVE_KINDS = {
    "advocate": "Advocate",
    "family_member": "Family member or friend",
    "member_of_parliament": "Member of Parliament",
    "lawyer": "Lawyer",
    "interpreter": "Interpreter or support person",
    "other": "Other",
}
# Where the complainant asked their letters to go.
ADDRESSED = "addressed"
COPIED = "copied"
NOT_SENT = "none"
REPRESENTATIVE_LETTERS = {
    ADDRESSED: "Letters addressed to the representative instead of the complainant",
    COPIED: "Letters to the complainant, copied to the representative",
    NOT_SENT: "No letters to the representative",
}


def channels_of(text: str | None) -> list[str]:
    """The restriction channels stored as "phone,email", in the list's order."""
    chosen = {part.strip() for part in (text or "").split(",") if part.strip()}
    return [code for code in CHANNELS if code in chosen]


def channels_in_words(text: str | None) -> str:
    names = [CHANNELS[code].lower() for code in channels_of(text)]
    if not names:
        return "no channel"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def channel_used(lookup_code: str | None) -> str | None:
    """The restriction channel a contact came through; None when it was not the person
    (a referral). Unknown or unrecorded: every restriction applies (the safe side)."""
    if lookup_code in THIRD_PARTY_CHANNELS:
        return None
    return CHANNEL_OF_LOOKUP.get(lookup_code or "", "any")


def covers(restricted: str | None, used: str | None) -> bool:
    """Whether contact through `used` is caught by a restriction of these channels."""
    if used is None:
        return False
    codes = channels_of(restricted)
    return bool(codes) and (used == "any" or used in codes)


def standing(
    effective_from: datetime | None,
    ends_at: datetime | None,
    lifted_at: datetime | None,
    now: datetime,
) -> str:
    if lifted_at is not None and lifted_at <= now:
        return LIFTED
    if ends_at is not None and ends_at <= now:
        return EXPIRED
    if effective_from is not None and effective_from > now:
        return PENDING
    return ACTIVE


@dataclass(frozen=True, slots=True)
class Decider:
    """The officer who decides a restriction, as the rule sees them."""

    name: str
    level_code: str | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class Level:
    code: str
    rank: int


RULE_DECIDER = "A restriction is decided by a senior officer at or above the decision-maker level"


def decider_problems(
    decider: Decider | None,
    minimum: Level | None,
    case_decision_makers: list[Decider] = (),
) -> list[str]:
    """Why this officer may not decide the restriction (empty: they may).

    The officer ranks at or above the portal's decision-maker level (the setting
    RESTRICTION_DECIDER_LEVEL) and at or above the decision maker of the complaint the
    conduct arose on."""
    if decider is None:
        return [f"{RULE_DECIDER}: say who decided it."]
    if decider.rank is None:
        return [
            f"{RULE_DECIDER}: {decider.name}'s classification level is not recorded, so they "
            "cannot be shown to be senior enough."
        ]
    problems = []
    if minimum is not None and decider.rank < minimum.rank:
        problems.append(
            f"{RULE_DECIDER} ({minimum.code} or above): {decider.name} is {decider.level_code}."
        )
    for decision_maker in case_decision_makers:
        if decision_maker.rank is not None and decider.rank < decision_maker.rank:
            problems.append(
                f"{RULE_DECIDER}: {decider.name} ({decider.level_code}) ranks below "
                f"{decision_maker.name} ({decision_maker.level_code}), the decision maker of "
                "the complaint the conduct arose on."
            )
    return problems


def restriction_problems(
    *,
    conduct: str | None,
    channels: str | None,
    contact_officer_is_staff: bool,
    effective_from: datetime | None,
    review_due: datetime | None,
    ends_at: datetime | None,
) -> list[str]:
    problems = []
    if not (conduct or "").strip():
        problems.append("Conduct: describe the conduct the restriction answers.")
    if not channels_of(channels):
        problems.append("Channels: choose at least one channel the restriction applies to.")
    if not contact_officer_is_staff:
        problems.append("Contact officer: name the staff member the person may contact.")
    if effective_from is None:
        problems.append("In force from: say when the restriction starts.")
    if review_due is None:
        problems.append("Review due: every restriction has a date it is reviewed by.")
    elif effective_from is not None and review_due <= effective_from:
        problems.append("Review due: the review falls after the restriction starts.")
    if ends_at is not None and effective_from is not None and ends_at <= effective_from:
        problems.append("Ends: the end falls after the restriction starts.")
    return problems


def enforce(problems: list[str]) -> None:
    if problems:
        raise RuleViolation("\n".join(problems))


def lift_problems(reason: str | None, lifted_already: bool) -> list[str]:
    problems = []
    if lifted_already:
        problems.append("This restriction has been lifted already.")
    if not (reason or "").strip():
        problems.append("Reason: say why the restriction is lifted.")
    return problems


def representative_problems(
    *, kind: str | None, letters: str | None, has_person: bool, authority: str | None
) -> list[str]:
    problems = []
    if not has_person:
        problems.append("Representative: choose the person who represents the complainant.")
    if kind not in REPRESENTATIVE_KINDS:
        problems.append("Kind: say what kind of representative this is.")
    if letters not in REPRESENTATIVE_LETTERS:
        problems.append("Letters: say where the complainant asked their letters to go.")
    if not (authority or "").strip():
        problems.append(
            "Authority: record the complainant's authority for them to act (the document, "
            "or how and when it was given)."
        )
    return problems
