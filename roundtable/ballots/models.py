"""Proxies (委托投票) with their recorded consent, and the channel each non-phone ballot came by.

``BallotChannel`` says *how* a voter's ballot arrived, never *what* it says, so
it keeps secret polls secret: it sits beside ``SecretVoter`` (who voted), not
beside ``SecretVote`` (what was voted). One ballot per voter and poll stays the
live tables' UNIQUE rule, whatever the channel.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited, NotAudited
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
# How a proxy was withdrawn: the resident told the secretary (the consent means above), the
# resident withdrew it on their own phone, or the secretary withdrew one recorded in error.
OWN_PHONE, SECRETARY_CORRECTION = "own_phone", "recorded_in_error"
REVOKE_MEANS = {**CONSENT_MEANS, OWN_PHONE: "本人在手机上撤销", SECRETARY_CORRECTION: "登记有误,由秘书撤销"}
ACTIVE = text("revoked_at IS NULL")


class Proxy(Model):
    """A resident (``grantor``) lets another participant (``holder``) vote for them in one meeting."""

    __tablename__ = "ballot_proxies"
    __audit__ = Audited("ballot_proxy", describe=("meeting_id", "grantor_id", "holder_id", "consent_means"),
                        on_change=(("revoked_at", "revoke"),), on_create="grant")
    # One proxy in force per resident and meeting; a withdrawn one stays on record beside a new one.
    __table_args__ = (Index("uq_ballot_proxies_active_grantor", "meeting_id", "grantor_id", unique=True,
                            sqlite_where=ACTIVE, postgresql_where=ACTIVE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grantor_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    consent_means: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Withdrawal (撤销委托): when, by what means, and who: the grantor on their phone
    # (``revoked_by_grantor``) or the secretary who recorded it (``revoked_by_id``).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_means: Mapped[str | None] = mapped_column(String(20))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_by_grantor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    revoke_note: Mapped[str | None] = mapped_column(String(200))

    grantor: Mapped[Invitation] = relationship("Invitation", foreign_keys=[grantor_id])
    holder: Mapped[Invitation] = relationship("Invitation", foreign_keys=[holder_id])
    recorded_by: Mapped[User | None] = relationship("User", foreign_keys=[recorded_by_id])
    revoked_by: Mapped[User | None] = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def consent_label(self) -> str:
        return CONSENT_MEANS.get(self.consent_means, self.consent_means)

    @property
    def revoke_label(self) -> str:
        return REVOKE_MEANS.get(self.revoke_means or "", self.revoke_means or "")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class BallotChannel(Model):
    """How one voter's ballot in one poll arrived, when not by their own phone (paper or proxy)."""

    __tablename__ = "ballot_channels"
    # Written beside who voted (paper, proxy), like SecretVoter: entries in voting order would
    # time-stamp each paper or proxy voter; the tally and the poll's close carry the counts.
    __audit__ = NotAudited("beside who voted, like live_secret_voters: entries would time-stamp each paper or proxy voter")
    # Random key and no rowid, as for SecretVoter: row order says nothing about voting order.
    __table_args__ = (UniqueConstraint("poll_id", "invitation_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    channel: Mapped[str] = mapped_column(String(10))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_proxies.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
