from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import NotAudited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")
# An administrator may ask for another attempt now.
RETRYABLE_STATUSES = ("pending", "failed")
OUTBOX_STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
CHANNEL_LABELS = {"email": "电子邮件", "sms": "短信"}


def render_notice(text: str, params: dict[str, Any] | None) -> str:
    """A notice's title or body in the current language.

    ``params`` None: ``text`` is final (rows written before notices were kept as message ids).
    Otherwise ``text`` is a Chinese message id and ``params`` its values; a value under a key
    ending in ``_label`` is a message id too (a meeting's kind, a step's name).
    """
    from flask_babel import gettext

    if params is None or not text:
        return text or ""
    values = {key: gettext(value) if key.endswith("_label") and isinstance(value, str) else value
              for key, value in params.items()}
    try:
        return str(gettext(text, **values))
    except (KeyError, TypeError, ValueError):  # a catalog entry out of step with the stored values
        return text


class Notification(Model):
    """One entry of a person's inbox.

    It belongs to a user, not to a community: a department officer summoned by
    several communities reads all their notices in one place. Every lookup goes
    through ``user_id`` so nobody reaches another person's entries.

    ``title`` and ``body`` are message ids with ``params``, shown in the reader's
    language (``shown_title``, ``shown_body``); older rows have final text and no params.
    """

    __tablename__ = "notifications"
    __audit__ = NotAudited("copies of what happened, not events")
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user: Mapped[User] = relationship("User")

    @property
    def shown_title(self) -> str:
        return render_notice(self.title, self.params)

    @property
    def shown_body(self) -> str:
        return render_notice(self.body, self.params)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(Model):
    """A message to send outside the app (e-mail, SMS), written in the caller's transaction.

    ``claim_token`` names the delivery run that moved the row to ``sending``; only
    that run may record the outcome, so a worker that lost its claim (it took
    longer than the lease) cannot overwrite what another worker did.
    """

    __tablename__ = "outbox_messages"
    __audit__ = NotAudited("delivery machinery")
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE_STATUSES

    @property
    def status_label(self) -> str:
        return OUTBOX_STATUS_LABELS.get(self.status, self.status)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel} {self.status}>"
