"""Unreasonable complainant conduct, whatever door a change comes through
(docs/unreasonable-conduct.md):

- a restriction of contact is checked on every save (rules/conduct.py: who decided it, what
  it restricts, its dates), is never deleted, and once lifted stays lifted; the letter
  telling the person is queued in the outbox when it is recorded;
- a new case from a restricted person, through a restricted channel (public form, email,
  API, a screen), is still recorded, but goes to the contact officer with a warning: they
  are named on the complaint, the contact is kept on the restriction, the case's timeline
  says so and the officer is written to;
- the banner of a case names the restrictions in force on its person;
- reviews due soon are reminded to the contact officer and the officer who decided.

A person is matched by their participant record, or by the same email address (the public
form and email make a new record for a sender; a telephone number is not enough: a
household shares one).
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, object_session

from models import (
    Channel,
    ClassificationLevel,
    Complaint,
    ContactRestriction,
    Participant,
    Representative,
    RestrictedContact,
    Ticket,
    changes_of,
    utcnow,
)
from rules import conduct as rules
from rules import correspondence as letters
from rules.errors import RuleViolation

from . import history, localtime
from .correspondence import case_values, config, queue
from .correspondence.letters import portal_address
from .correspondence.outbox import _instant_key, queue_to_complainant
from .correspondence.recipients import complaint_of

ROUTED = "conduct_routed"
NEW_RESTRICTIONS = "conduct_new_restrictions"


# --- who a person is ----------------------------------------------------------------------


def same_person(restricted: Participant, person: Participant) -> bool:
    """The restricted person, by record or email address."""
    if restricted is None or person is None:
        return False
    if person.id is not None and person.id == restricted.id:
        return True
    email = (person.email or "").strip().lower()
    return bool(email) and email == (restricted.email or "").strip().lower()


def unlifted(session) -> list[ContactRestriction]:
    """Every restriction not lifted, whatever its dates (a flush routing many new cases, an
    import, reads them once and asks `in_force_among` for each case), with the person each
    restricts (`same_person` compares them with a case's)."""
    with session.no_autoflush:
        return session.scalars(
            select(ContactRestriction)
            .options(joinedload(ContactRestriction.participant))
            .where(ContactRestriction.lifted_at.is_(None))
            .order_by(ContactRestriction.id)
        ).all()


def in_force_among(restrictions, now: datetime) -> list[ContactRestriction]:
    """Those of `restrictions` (not lifted) in force at `now`."""
    return [
        r
        for r in restrictions
        if r.effective_from <= now and (r.ends_at is None or r.ends_at > now)
    ]


def in_force(session, now: datetime | None = None) -> list[ContactRestriction]:
    """Every restriction in force now."""
    return in_force_among(unlifted(session), now or utcnow())


def restrictions_on(
    session, person: Participant | None, now=None, *, among=None
) -> list[ContactRestriction]:
    """The restrictions in force on this person (`among`: the unlifted ones, read before)."""
    if person is None:
        return []
    found = in_force_among(unlifted(session) if among is None else among, now or utcnow())
    return [r for r in found if same_person(r.participant, person)]


def person_of(case) -> Participant | None:
    """The member of the public a case is from: the complainant, the ticket's contact."""
    if isinstance(case, Ticket):
        return case.contact
    complaint = complaint_of(case)
    return complaint.complainant if complaint is not None else None


def standing_of(restriction: ContactRestriction, now: datetime | None = None) -> str:
    return rules.standing(
        restriction.effective_from, restriction.ends_at, restriction.lifted_at, now or utcnow()
    )


# --- the banner ------------------------------------------------------------------------------


def banner(case, now: datetime | None = None) -> list[dict]:
    """What a case's banner says about each restriction in force on its person."""
    session = object_session(case)
    if session is None:
        return []
    shown = []
    for restriction in restrictions_on(session, person_of(case), now):
        tz = localtime.case_timezone(case, localtime.settings_in_force())
        shown.append(
            {
                "id": restriction.id,
                "channels": rules.channels_in_words(restriction.channels),
                "contact_officer": restriction.contact_officer.display_name
                if restriction.contact_officer is not None
                else "",
                "subject_matter": restriction.subject_matter or "",
                "contact_times": restriction.contact_times or "",
                "permitted_contact": restriction.permitted_contact or "",
                "review_due": letters.day_in_words(restriction.review_due_at, tz),
            }
        )
    return shown


# --- the checks on every save ----------------------------------------------------------------


def _level(session, code: str | None) -> rules.Level | None:
    if not code:
        return None
    found = session.scalar(select(ClassificationLevel).where(ClassificationLevel.code == code))
    if found is None:
        raise RuleViolation(
            f"RESTRICTION_DECIDER_LEVEL names the classification level {code}, which does not "
            "exist: set it to the code of a level."
        )
    return rules.Level(found.code, found.rank)


def _decider(person: Participant | None) -> rules.Decider | None:
    if person is None:
        return None
    level = person.level
    return rules.Decider(
        name=person.short_name,
        level_code=level.code if level is not None else None,
        rank=level.rank if level is not None else None,
    )


def _get(session, model, key):
    return session.get(model, key) if key is not None else None


def check_restriction(session, restriction: ContactRestriction) -> None:
    """Every rule a restriction breaks, as one refusal in the coordinator's words."""
    complaint = restriction.complaint or _get(session, Complaint, restriction.complaint_id)
    problems = []
    if complaint is None:
        problems.append("Complaint: choose the complaint whose handling the conduct arose in.")
    elif complaint.complainant_id is None:
        problems.append(
            f"Complaint: {complaint.reference or 'this complaint'} has no complainant recorded, "
            "so there is nobody to restrict."
        )
    else:
        restriction.participant_id = complaint.complainant_id
        restriction.division_id = complaint.division_id
    contact_officer = restriction.contact_officer or _get(
        session, Participant, restriction.contact_officer_id
    )
    decided_by = restriction.decided_by or _get(session, Participant, restriction.decided_by_id)
    problems += rules.restriction_problems(
        conduct=restriction.conduct,
        channels=restriction.channels,
        contact_officer_is_staff=contact_officer is not None and contact_officer.kind == "staff",
        effective_from=restriction.effective_from,
        review_due=restriction.review_due_at,
        ends_at=restriction.ends_at,
    )
    case_deciders = []
    if complaint is not None and complaint.decision_maker is not None:
        case_deciders.append(_decider(complaint.decision_maker))
    problems += rules.decider_problems(
        _decider(decided_by),
        _level(session, config("RESTRICTION_DECIDER_LEVEL")),
        case_deciders,
    )
    if decided_by is not None and decided_by.kind != "staff":
        problems.append("Decided by: a restriction is decided by a staff member.")
    rules.enforce(problems)


def _changed(obj, name: str) -> bool:
    return changes_of(obj, name).has_changes()


def _check_lifting(restriction: ContactRestriction) -> None:
    history_ = changes_of(restriction, "lifted_at")
    was = history_.deleted[0] if history_.deleted else None
    if was is not None and _changed(restriction, "lifted_at"):
        raise RuleViolation("A lifted restriction stays lifted: record a new restriction instead.")
    if was is not None:
        raise RuleViolation(
            "A lifted restriction is kept as it was: record a new restriction instead."
        )


def before_flush(session) -> None:
    """Check restrictions and representatives; route contacts through restricted channels."""
    for obj in session.deleted:
        if isinstance(obj, ContactRestriction | RestrictedContact):
            raise RuleViolation(
                "A restriction of contact and the contacts it caught are kept for good: lift "
                "the restriction instead of deleting it."
            )
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, ContactRestriction):
                if obj in session.dirty:
                    _check_lifting(obj)
                check_restriction(session, obj)
                if obj in session.new:
                    session.info.setdefault(NEW_RESTRICTIONS, []).append(obj)
            elif isinstance(obj, Representative):
                check_representative(session, obj)
        new_complaints = [obj for obj in session.new if isinstance(obj, Complaint)]
        # One read of the restrictions for the whole flush, however many cases it lodges.
        restrictions = unlifted(session) if new_complaints else []
        for complaint in new_complaints:
            route_new_complaint(session, complaint, among=restrictions)


def check_representative(session, representative: Representative) -> None:
    person = representative.participant or _get(
        session, Participant, representative.participant_id
    )
    problems = rules.representative_problems(
        kind=representative.kind,
        letters=representative.letters,
        has_person=person is not None,
        authority=representative.authority,
    )
    complaint = representative.complaint or _get(session, Complaint, representative.complaint_id)
    if person is not None and person.kind == "staff":
        problems.append("Representative: a staff member cannot represent a complainant.")
    if person is not None and complaint is not None and person is complaint.complainant:
        problems.append("Representative: the complainant cannot be their own representative.")
    rules.enforce(problems)


# --- contacts through a restricted channel ---------------------------------------------------


def _channel_code(session, complaint: Complaint) -> str | None:
    if complaint.channel is not None:
        return complaint.channel.code
    if complaint.channel_id is not None:
        return session.scalar(select(Channel.code).where(Channel.id == complaint.channel_id))
    return None


def catching(
    session, person, used: str | None, now=None, *, among=None
) -> ContactRestriction | None:
    """The restriction in force on this person that catches contact through `used`."""
    for restriction in restrictions_on(session, person, now, among=among):
        if rules.covers(restriction.channels, used):
            return restriction
    return None


def route_new_complaint(session, complaint: Complaint, *, among=None) -> None:
    """A new complaint from a restricted person, through a restricted channel: to the
    contact officer, with a warning, and recorded on the restriction. `among`: the unlifted
    restrictions, read once for the flush (None: read them now)."""
    if complaint.contact_officer_id is not None or complaint.contact_officer is not None:
        return
    if among is not None and not among:
        return  # no restriction anywhere: nothing to route
    person = complaint.complainant or _get(session, Participant, complaint.complainant_id)
    used = rules.channel_used(_channel_code(session, complaint))
    restriction = catching(session, person, used, complaint.received_at, among=among)
    if restriction is None:
        return
    record_contact(session, restriction, complaint, used, "A new case was lodged")


def record_contact(
    session, restriction, complaint, used, what: str, now=None, dedupe: str | None = None
) -> None:
    """Keep the contact on the restriction, name the contact officer on the complaint, warn
    on its timeline, and write to the contact officer once the flush has given it an id."""
    now = now or utcnow()
    officer = restriction.contact_officer
    complaint.contact_officer = officer
    channel_words = (
        rules.CHANNELS[used].lower() if used in rules.CHANNELS else "a channel not recorded"
    )
    warning = (
        f"Warning: restricted contact. {what} by {channel_words}, which a restriction of "
        f"contact on this person closes ({rules.channels_in_words(restriction.channels)}). "
        f"It goes to the contact officer, {officer.display_name}, instead of its usual "
        "handling."
    )
    session.add(
        RestrictedContact(
            restriction=restriction,
            complaint=complaint,
            channel=used or "any",
            received_at=now,
            summary=f"{what} by {channel_words}.",
        )
    )
    history.note(session, complaint, "restricted_contact", warning)
    session.info.setdefault(ROUTED, []).append((complaint, used, now, dedupe))


def after_flush(session) -> None:
    """Queue the letters a flush owes: the restriction letter, the contact officer's warning."""
    routed = session.info.pop(ROUTED, [])
    created = session.info.pop(NEW_RESTRICTIONS, [])
    if not routed and not created:
        return
    with session.no_autoflush:
        for complaint, used, at, dedupe in routed:
            tell_contact_officer(session, complaint, used, at, dedupe)
        for restriction in created:
            tell_person(session, restriction)


def tell_contact_officer(session, complaint, used, at, dedupe: str | None = None) -> str:
    officer = complaint.contact_officer
    if officer is None or complaint.id is None:
        return "nobody"
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    restriction = catching(session, complaint.complainant, used, at)
    values = {
        **case_values(complaint),
        "officer_name": officer.display_name,
        "officer_role": letters.ROLES["contact_officer"],
        "channel_used": rules.CHANNELS[used].lower() if used in rules.CHANNELS else "a channel",
        "received_at": letters.instant_in_words(at, tz),
        "restricted_channels": rules.channels_in_words(
            restriction.channels if restriction else None
        ),
    }
    return queue(
        session,
        key=letters.RESTRICTED_CONTACT,
        case=complaint,
        role="contact_officer",
        person=officer,
        dedupe_key=dedupe or f"{letters.RESTRICTED_CONTACT}:complaint:{complaint.id}",
        values=values,
        now=at,
    )


def email_caught(session, case, sender: str | None, now, inbound_id) -> bool:
    """An email filed on a case from a person whose email contact is restricted: recorded
    on the case all the same, and sent to the contact officer with a warning (True)."""
    from types import SimpleNamespace

    complaint = complaint_of(case)
    if complaint is None or not sender:
        return False
    person = SimpleNamespace(id=None, email=sender)
    restriction = catching(session, person, rules.EMAIL, now)
    if restriction is None:
        return False
    record_contact(
        session,
        restriction,
        complaint,
        rules.EMAIL,
        "An email was received",
        now,
        dedupe=f"{letters.RESTRICTED_CONTACT}:inbound:{inbound_id}",
    )
    return True


def online_caught(session, case, what: str, now, dedupe: str) -> bool:
    """Something the person sent through the portal's own pages (their case's page) while
    online contact is restricted: recorded all the same, and sent to the contact officer
    with a warning instead of the case's officer (True)."""
    complaint = complaint_of(case)
    if complaint is None:
        return False
    restriction = catching(session, person_of(case), rules.PUBLIC_FORM, now)
    if restriction is None:
        return False
    record_contact(session, restriction, complaint, rules.PUBLIC_FORM, what, now, dedupe=dedupe)
    return True


def restriction_values(restriction: ContactRestriction) -> dict:
    complaint = restriction.complaint
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    return {
        **case_values(complaint),
        "complainant_name": restriction.participant.display_name
        if restriction.participant is not None
        else "Sir or Madam",
        "conduct": restriction.conduct or "",
        "contact_officer_name": restriction.contact_officer.display_name,
        "restricted_channels": rules.channels_in_words(restriction.channels),
        "subject_matter": restriction.subject_matter or "",
        "contact_times": restriction.contact_times or "",
        "permitted_contact": restriction.permitted_contact or "",
        "effective_from": letters.day_in_words(restriction.effective_from, tz),
        "restriction_review_due": letters.day_in_words(restriction.review_due_at, tz),
        "ends_on": letters.day_in_words(restriction.ends_at, tz),
        "decided_by_name": restriction.decided_by.display_name,
    }


def tell_person(session, restriction: ContactRestriction) -> None:
    """The letter telling the person of the restriction and how to seek its review, to them
    (or their representative, as they asked), through the outbox."""
    complaint = restriction.complaint
    queue_to_complainant(
        session,
        key=letters.RESTRICTION_NOTICE,
        complaint=complaint,
        dedupe_key=f"{letters.RESTRICTION_NOTICE}:restriction:{restriction.id}",
        values=restriction_values(restriction),
    )
    history.note(
        session,
        complaint,
        "restriction",
        f"Restriction of contact recorded ({rules.channels_in_words(restriction.channels)}; "
        f"contact officer {restriction.contact_officer.display_name}); the person is written "
        "to with how to seek its review.",
    )


# --- lifting ------------------------------------------------------------------------------------


def lift(session, restriction: ContactRestriction, reason: str, user, now=None) -> None:
    """Lift a restriction, keeping who, when and why. No commit."""
    now = now or utcnow()
    rules.enforce(rules.lift_problems(reason, restriction.lifted_at is not None))
    restriction.lifted_at = now
    restriction.lifted_by_id = getattr(user, "id", None)
    restriction.lift_reason = reason.strip()
    history.note(
        session,
        restriction,
        "lift",
        f"Restriction lifted. Reason: {reason.strip()}",
    )


# --- review reminders ----------------------------------------------------------------------------


def queue_review_reminders(session, now: datetime | None = None) -> int:
    """Remind the contact officer and the deciding officer of each restriction in force
    whose review falls within RESTRICTION_REVIEW_LEAD_DAYS (or has passed): once each."""
    now = now or utcnow()
    lead = timedelta(days=float(config("RESTRICTION_REVIEW_LEAD_DAYS") or 0))
    queued = 0
    for restriction in in_force(session, now):
        if restriction.review_due_at > now + lead:
            continue
        complaint = restriction.complaint
        tz = localtime.case_timezone(complaint, localtime.settings_in_force())
        link = f"{portal_address()}/admin/contactrestriction/details/?id={restriction.id}"
        for role, person in (
            ("contact_officer", restriction.contact_officer),
            ("restriction_decider", restriction.decided_by),
        ):
            if person is None:
                continue
            values = {
                **case_values(complaint),
                "officer_name": person.display_name,
                "officer_role": letters.ROLES[role],
                "restriction_review_due": letters.day_in_words(restriction.review_due_at, tz),
                "restricted_channels": rules.channels_in_words(restriction.channels),
                "contact_officer_name": restriction.contact_officer.display_name,
                "restriction_link": link,
            }
            outcome = queue(
                session,
                key=letters.RESTRICTION_REVIEW,
                case=complaint,
                role=role,
                person=person,
                dedupe_key=(
                    f"{letters.RESTRICTION_REVIEW}:{restriction.id}:"
                    f"{_instant_key(restriction.review_due_at)}:{person.id}"
                ),
                values=values,
                now=now,
            )
            if outcome in ("queued", "no_address"):
                queued += 1
    session.commit()
    return queued
