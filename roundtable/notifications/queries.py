"""Reading notifications and the outbox; every inbox query is bound to one user."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from roundtable.auth.models import User
from roundtable.extensions import db
from roundtable.notifications.models import Notification, OutboxMessage

UNSENT_STATUSES = ("pending", "sending", "failed")


def inbox_page(user: User, page: int, per_page: int) -> Pagination:
    """Newest first; the id breaks ties between notices written in the same instant."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def notification_of(user: User, notification_id: int) -> Notification | None:
    """Someone else's notification is simply not found."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )


def unsent_messages_page(status: str | None, page: int, per_page: int) -> Pagination:
    """Failed first (they need a person), then the oldest waiting messages."""
    statuses = (status,) if status in UNSENT_STATUSES else UNSENT_STATUSES
    failed_first = (OutboxMessage.status != "failed")
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(statuses))
        .order_by(failed_first, OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts = {status: 0 for status in ("pending", "sending", "sent", "failed")}
    counts.update({status: n for status, n in rows})
    return counts


def outbox_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)
