"""Escalation steps of commitments, per-community policies, street supervisors and 退单 (returns).

A step is one row, UNIQUE per commitment, assignment round and step: the
periodic pass may run in two processes at once and a step still fires once.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.communities.models import Street
    from roundtable.resolutions.models import Commitment

REMIND, URGE, SUPERVISE = "remind", "urge", "supervise"
STEPS = (REMIND, URGE, SUPERVISE)
STEP_LABELS = {REMIND: "提醒", URGE: "催办", SUPERVISE: "督办"}

RETURN_OPEN, RETURN_REASSIGNED, RETURN_TO_MEETING = "open", "reassigned", "to_meeting"
RETURN_LABELS = {RETURN_OPEN: "已退单,待书记处理", RETURN_REASSIGNED: "已改派", RETURN_TO_MEETING: "退回会议重议"}
RETURN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RETURN_OPEN: (RETURN_REASSIGNED, RETURN_TO_MEETING),
    RETURN_REASSIGNED: (),
    RETURN_TO_MEETING: (),
}


class EscalationPolicy(Model):
    """A community's escalation steps, in hours relative to a commitment's deadline."""

    __tablename__ = "escalation_policies"
    __audit__ = Audited("escalation_policy")
    __table_args__ = (UniqueConstraint("community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    remind_before_hours: Mapped[int] = mapped_column(Integer)
    supervise_after_hours: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EscalationStep(Model):
    """One step that fired for one commitment in one assignment round (a reassignment starts a new round)."""

    __tablename__ = "escalation_steps"
    __audit__ = Audited("escalation_step")
    __table_args__ = (UniqueConstraint("commitment_id", "round", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("resolution_commitments.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)

    commitment: Mapped[Commitment] = relationship("Commitment")

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)


class StreetSupervisor(Model):
    """督办: a person of the street office who supervises the overdue commitments of the street's communities."""

    __tablename__ = "street_supervisors"
    __audit__ = Audited("street_supervisor")
    __table_args__ = (UniqueConstraint("user_id", "street_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)

    user: Mapped[User] = relationship("User")
    street: Mapped[Street] = relationship("Street")


class CommitmentReturn(Model):
    """退单: the unit hands a commitment back with a reason; the secretary reassigns it or takes it to a meeting."""

    __tablename__ = "commitment_returns"
    __audit__ = Audited("commitment_return")

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("resolution_commitments.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The unit that returned it ("department:3" / "organization:5"), kept after a reassignment.
    from_unit: Mapped[str] = mapped_column(String(40))
    from_unit_name: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default=RETURN_OPEN, index=True)
    to_unit_name: Mapped[str] = mapped_column(String(64), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    commitment: Mapped[Commitment] = relationship("Commitment")
    returned_by: Mapped[User | None] = relationship("User", foreign_keys=[returned_by_id])

    @property
    def state_label(self) -> str:
        return RETURN_LABELS.get(self.state, self.state)
