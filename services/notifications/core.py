"""Telling one person of one event on one case, exactly once.

`notify` inserts the notification with its dedupe key (unique in the table; a second
insert of the same key, from another server or a concurrent run, does nothing), writes it
on the case's timeline ("Notified ... : ..."), and, when the person's preferences ask for
it, queues the email in the outbox. Only the insert that wins does the rest, so nothing
is told, written or emailed twice.
"""

from sqlalchemy import func, select, update

from models import (
    HistoryEntry,
    Notification,
    NotificationPreference,
    Participant,
    User,
    kinds,
    utcnow,
)
from rules import correspondence as letters_rules
from rules import notifications as rules

from .. import access, get_reads, history
from ..correspondence.letters import case_values
from ..correspondence.outbox import queue
from ..correspondence.recipients import holds_role

# The parts a person may hold on a case, in the order a notification names them.
CASE_ROLES = (
    "complaint_manager",
    "decision_maker",
    "internal_reviewer",
    "support_agent",
    "coordinator",
)


def _insert_once(connection, row: dict) -> int | None:
    """Insert the notification; None when its dedupe key is there already (nothing raised,
    nothing waits: on PostgreSQL a concurrent insert of the key decides, then this one does
    nothing)."""
    table = Notification.__table__
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(table)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        return connection.execute(statement).scalar_one_or_none()
    found = connection.execute(
        select(table.c.id).where(table.c.dedupe_key == row["dedupe_key"])
    ).first()
    if found is not None:
        return None
    return connection.execute(table.insert().values(**row)).inserted_primary_key[0]


def email_events_of(connection, user_id: int) -> frozenset:
    """The events this person also wants by email."""
    chosen = connection.execute(
        select(NotificationPreference.email_events).where(
            NotificationPreference.user_id == user_id
        )
    ).first()
    if chosen is None or chosen[0] is None:
        return rules.EMAILED_BY_DEFAULT
    return frozenset(code for code in chosen[0].split(",") if code in rules.EVENTS)


def role_on(case, participant_id) -> str:
    """The part the person holds on the case (complaint manager, ...), else "staff"."""
    for role in CASE_ROLES:
        if holds_role(case, role, participant_id):
            return role
    return "staff"


def may_open(session, user: User, case) -> bool:
    """Whether the account may open the case's page (a notification links to it)."""
    if user is None or not user.active:
        return False
    kind = kinds.kind_of(case)
    condition = access.rows(user, kind.name, "view")
    with session.no_autoflush:
        return (
            session.scalar(select(kind.model.id).where(kind.model.id == case.id, condition))
            is not None
        )


def who(user: User) -> str:
    person = user.participant
    return f"{person.display_name} ({user.username})" if person is not None else user.username


def notify(
    session,
    *,
    user: User,
    event: str,
    case,
    title: str,
    dedupe_key: str,
    role: str | None = None,
    rule_id: int | None = None,
    email: tuple | None = None,
    now=None,
    connection=None,
) -> bool:
    """Tell the account of the event; False when it was told already (or may not open the
    case). `email`: (template key, values, outbox dedupe key) to send instead of the
    plain notification email (a reminder or reply-received letter the portal already
    writes: the same key, so never both)."""
    now = now or utcnow()
    connection = connection if connection is not None else session.connection()
    kind = kinds.kind_of(case)
    if not may_open(session, user, case):
        return False
    title = title[:300]
    new_id = _insert_once(
        connection,
        {
            "dedupe_key": dedupe_key[:200],
            "user_id": user.id,
            "event": event,
            "case_type": kind.name,
            "case_id": case.id,
            "title": title,
            "rule_id": rule_id,
            "emailed": False,
            "created_at": now,
            "read_at": None,
        },
    )
    if new_id is None:
        return False
    emailed = False
    if event in email_events_of(connection, user.id) and user.participant_id is not None:
        with session.no_autoflush:
            person = session.get(Participant, user.participant_id)
            role = role or role_on(case, person.id)
            if email is None:
                values = {
                    **case_values(case),
                    "officer_name": person.display_name,
                    "notification": title,
                }
                email = (letters_rules.NOTIFICATION, values, f"notification:{dedupe_key}")
            key, values, outbox_key = email
            outcome = queue(
                session,
                key=key,
                case=case,
                role=role,
                person=person,
                dedupe_key=outbox_key,
                values=values,
                now=now,
                connection=connection,
            )
        emailed = outcome in ("queued", "duplicate")
        if emailed:
            connection.execute(
                update(Notification).where(Notification.id == new_id).values(emailed=True)
            )
    how = "in the portal and by email" if emailed else "in the portal"
    _on_timeline(connection, kind, case.id, f"Notified {who(user)} ({how}): {title}", now)
    return True


NOTIFIED = "notified"


def _on_timeline(connection, kind, case_id: int, summary: str, now) -> None:
    """The case's history (and so its timeline) says who was told what, and how."""
    connection.execute(
        HistoryEntry.__table__.insert(),
        [
            {
                "at": now,
                "user_id": history.current_user_id(),
                "record_type": kind.record_type,
                "record_id": case_id,
                "action": NOTIFIED,
                "summary": summary,
                "changes": None,
            }
        ],
    )


def reply_arrived(session, case, role, person, *, title, values, outbox_key, key, now) -> str:
    """Tell an officer that the case's person wrote (a reply by email, a message filed from
    triage, information from the case's own page): in the portal, and by the reply-received
    email when they keep it. An officer without a login still gets the email. Returns the
    outbox's word for it ("queued", "duplicate", "no_address", "withheld")."""
    accounts = accounts_of(session, [person.id])
    for user in accounts:
        notify(
            session,
            user=user,
            event=rules.REPLY,
            case=case,
            role=role,
            title=title,
            dedupe_key=f"reply:{key}:{user.id}",
            email=(letters_rules.REPLY_RECEIVED, values, outbox_key),
            now=now,
        )
    if accounts:
        return "queued"
    return queue(
        session,
        key=letters_rules.REPLY_RECEIVED,
        case=case,
        role=role,
        person=person,
        dedupe_key=outbox_key,
        values=values,
        now=now,
    )


def accounts_of(session, participant_ids) -> list[User]:
    """The active accounts of these people, in a steady order."""
    ids = [pid for pid in participant_ids if pid is not None]
    if not ids:
        return []
    with session.no_autoflush:
        return list(
            session.scalars(
                select(User)
                .where(User.participant_id.in_(ids), User.active.is_(True))
                .order_by(User.id)
            )
        )


def unread_count_of(user_id):
    """The person's unread count as a column, read with their account (views/auth.py)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def remember_unread(user_id: int, count: int) -> None:
    """The unread count read with the account: it stands for the rest of a GET request."""
    kept = get_reads.kept("unread")
    if kept is not None:
        kept[user_id] = count


def unread_count(session, user_id: int) -> int:
    kept = get_reads.kept("unread")
    if kept is not None and user_id in kept:
        return kept[user_id]
    return session.scalar(select(unread_count_of(user_id)))


def mark_read(session, user_id: int, notification_ids=None, now=None) -> int:
    """Mark the person's notifications read (all of them when no ids are given)."""
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    result = session.execute(statement.values(read_at=now or utcnow()))
    session.commit()
    kept = get_reads.kept("unread")
    if kept is not None:
        kept.pop(user_id, None)
    return result.rowcount


def preferences_of(session, user_id: int) -> tuple[frozenset, bool]:
    """(events emailed, on duty) for the person."""
    row = session.get(NotificationPreference, user_id)
    if row is None:
        return rules.EMAILED_BY_DEFAULT, True
    emailed = (
        rules.EMAILED_BY_DEFAULT
        if row.email_events is None
        else frozenset(code for code in row.email_events.split(",") if code in rules.EVENTS)
    )
    return emailed, bool(row.on_duty)


def save_preferences(session, user_id: int, emailed, on_duty: bool) -> None:
    unknown = set(emailed) - set(rules.EVENTS)
    if unknown:
        from rules.errors import RuleViolation

        raise RuleViolation(f"Unknown notification: {', '.join(sorted(unknown))}.")
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id)
        session.add(row)
    row.email_events = ",".join(code for code in rules.EVENTS if code in set(emailed))
    row.on_duty = bool(on_duty)
    session.commit()
