"""Proxies (委托投票) with their recorded consent, and the channel each non-phone ballot came by.

``BallotChannel`` says *how* a voter's ballot arrived, never *what* it says, so
it keeps secret polls secret: it sits beside ``SecretVoter`` (who voted), not
beside ``SecretVote`` (what was voted). One ballot per voter and poll stays the
live tables' UNIQUE rule, whatever the channel.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.ids import random_id
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.meetings.models import Invitation

PHONE, PAPER, ASSISTED, PROXY = "phone", "paper", "assisted", "proxy"
CHANNELS = (PHONE, PAPER, ASSISTED, PROXY)
CHANNEL_LABELS = {PHONE: "手机", PAPER: "纸质", ASSISTED: "协助", PROXY: "委托"}

CONSENT_MEANS = {"in_person": "当面表示", "signed_form": "签字委托书", "phone_call": "电话确认", "sms": "短信确认"}


class Proxy(Model):
    """A resident (``grantor``) lets another participant (``holder``) vote for them in one meeting."""

    __tablename__ = "ballot_proxies"
    __audit__ = Audited("ballot_proxy")
    __table_args__ = (UniqueConstraint("meeting_id", "grantor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grantor_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    consent_means: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grantor: Mapped[Invitation] = relationship("Invitation", foreign_keys=[grantor_id])
    holder: Mapped[Invitation] = relationship("Invitation", foreign_keys=[holder_id])
    recorded_by: Mapped[User | None] = relationship("User")

    @property
    def consent_label(self) -> str:
        return CONSENT_MEANS.get(self.consent_means, self.consent_means)


class BallotChannel(Model):
    """How one voter's ballot in one poll arrived, when not by their own phone (paper or proxy)."""

    __tablename__ = "ballot_channels"
    __audit__ = Audited("ballot_channel")
    # Random key and no rowid, as for SecretVoter: row order says nothing about voting order.
    __table_args__ = (UniqueConstraint("poll_id", "invitation_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    channel: Mapped[str] = mapped_column(String(10))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_proxies.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
