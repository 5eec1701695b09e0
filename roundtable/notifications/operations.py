"""Notification and outbox operations: they change data and flush; the caller commits.

``notify`` and ``queue_message`` only write rows. Delivery happens after the
caller's commit (see dispatcher.py), so a rolled-back request sends nothing
and a slow mail server never holds a page up.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from roundtable.auth.models import User
from roundtable.core.errors import Conflict, OperationError
from roundtable.core.privacy import is_valid_phone, normalize_phone
from roundtable.core.sql import rows_changed
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.notifications.models import Notification, OutboxMessage, render_notice

CHANNELS = ("email", "sms")
TITLE_MAX = 200
QUEUED_FLAG = "outbox_queued"  # session.info key: this transaction queued outbound messages
_WHITESPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _one_line(text: str, limit: int) -> str:
    """Headers and inbox titles are single lines; a stray newline would split a mail header."""
    text = _WHITESPACE.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checked_link(link: str) -> str:
    """Only our own pages or plain web addresses: a ``javascript:`` link in the inbox would run."""
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc:
        return link
    if not parts.scheme and not parts.netloc and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    raise OperationError("通知中的链接无效。")


def _absolute(link: str) -> str:
    if not link or not link.startswith("/"):
        return link
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/") + link if base else link


def contact_of(user: User) -> tuple[str, str] | None:
    """Where outside the app a person can be reached: e-mail first (free), else their phone."""
    email = (getattr(user, "email", None) or "").strip()
    if _EMAIL.match(email):
        return "email", email
    phone = normalize_phone(user.phone)
    if phone and is_valid_phone(phone):
        return "sms", phone
    return None


def notify(user: User, title: str, body: str = "", link: str = "", params: dict[str, Any] | None = None) -> Notification:
    """Put a notice in the user's inbox and queue it to their e-mail or phone, if known.

    ``title`` and ``body`` are Chinese message ids with ``params`` (``notify(user, "会议邀请:%(title)s",
    params={"title": meeting.title})``): the inbox shows them in the reader's language, and the
    e-mail or SMS goes out in the recipient's own language (Chinese unless they chose another).
    Text people typed goes in as a parameter, never as the message id.
    """
    params = dict(params or {})
    if not _one_line(title, TITLE_MAX):
        raise OperationError("通知标题不能为空。")
    link = _checked_link(link)
    notification = Notification(user_id=user.id, title=title, body=body or "", link=link, params=params,
                                created_at=utcnow())
    db.session.add(notification)
    contact = contact_of(user)
    if contact is not None:
        channel, recipient = contact
        with force_locale(_language_of(user)):
            shown_title = _one_line(render_notice(title, params), TITLE_MAX)
            shown_body = render_notice(body, params)
        text = "\n\n".join(part for part in (shown_title, shown_body, _absolute(link)) if part)
        queue_message(channel, recipient, shown_title, text)
    db.session.flush()
    return notification


def _language_of(user: User) -> str:
    """The language a message outside the app is written in: the person's choice, else the community's."""
    if user.locale and user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def queue_message(channel: str, recipient: str, subject: str, body: str) -> OutboxMessage:
    """Write a message for the dispatcher to send once the caller's transaction commits."""
    if channel not in CHANNELS:
        raise OperationError("不支持的发送渠道「%(channel)s」。", channel=channel)
    recipient = (recipient or "").strip()
    if channel == "email" and not _EMAIL.match(recipient):
        raise OperationError("电子邮件地址无效。")
    if channel == "sms":
        recipient = normalize_phone(recipient)
        if not is_valid_phone(recipient):
            raise OperationError("手机号码无效。")
    now = utcnow()
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=_one_line(subject, TITLE_MAX),
        body=body or "",
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info[QUEUED_FLAG] = True
    return message


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    changed = rows_changed(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return changed


def retry_message(message: OutboxMessage) -> None:
    """An administrator asks for one more attempt now; the dispatcher makes it, not the request."""
    if not message.can_retry:
        raise Conflict("只有待发送或发送失败的消息可以重试。")
    message.status = "pending"
    message.next_attempt_at = utcnow()
    db.session.flush()


# Delivery bookkeeping, used by the dispatcher, which commits after each step.


def claim_due_messages(token: str, limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Move up to ``limit`` due messages to ``sending`` under ``token``; return the ones we got.

    The UPDATE re-checks the status on every row it changes, so when two
    workers race for the same row only one of them changes it (PostgreSQL
    re-evaluates the condition after the other's commit; SQLite has a single
    writer). On PostgreSQL ``SKIP LOCKED`` also lets the workers pick
    different rows instead of queueing behind each other. A ``sending`` row
    whose lease ran out (its worker died) is claimable again.
    """
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_SENDING_TIMEOUT"])
    claimable = or_(
        (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - lease),
    )
    candidates = (
        select(OutboxMessage.id).where(claimable).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()), claimable)
        .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def record_sent(message_id: int, token: str) -> bool:
    return rows_changed(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
        .values(status="sent", sent_at=utcnow(), last_error=None, claim_token=None)
        .execution_options(synchronize_session=False)
    ) == 1


def backoff_after(attempts: int) -> timedelta:
    """The wait before the next try grows with each failure and stays at the last step."""
    steps = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    return timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


def record_failure(message_id: int, token: str, attempts: int, error: str) -> bool:
    """Schedule another try, or give up after the configured number of attempts (shown to admins)."""
    now = utcnow()
    gave_up = attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    values: dict[str, str | datetime | None] = {"last_error": error[:2000], "claim_token": None}
    if gave_up:
        values["status"] = "failed"
    else:
        values.update(status="pending", next_attempt_at=now + backoff_after(attempts))
    return rows_changed(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    ) == 1
