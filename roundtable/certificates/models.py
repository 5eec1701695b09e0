"""Certificate kinds (authorised by a published resolution) and the certificates issued under them.

A certificate moves requested → issued | refused, and issued → revoked; an
issued certificate past ``valid_until`` is expired (computed, not stored, so it
never needs a job to expire on time).
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.communities.models import Community, Department
    from roundtable.resolutions.models import Resolution

REQUESTED, ISSUED, REFUSED, REVOKED = "requested", "issued", "refused", "revoked"
EXPIRED = "expired"  # shown, never stored
STATES = {REQUESTED: "待审核", ISSUED: "已出具", REFUSED: "未出具", REVOKED: "已撤销", EXPIRED: "已过期"}
TRANSITIONS: dict[str, tuple[str, ...]] = {REQUESTED: (ISSUED, REFUSED), ISSUED: (REVOKED,), REFUSED: (), REVOKED: ()}

# What the public check page answers.
CHECK_VALID, CHECK_EXPIRED, CHECK_REVOKED, CHECK_UNKNOWN = "valid", "expired", "revoked", "unknown"


def new_check_token() -> str:
    return secrets.token_urlsafe(16)


class CertificateKind(Model):
    """A kind of certificate a published resolution authorises (e.g. 接老人看病超时停车证明)."""

    __tablename__ = "certificate_kinds"
    __audit__ = Audited(
        "certificate_kind",
        describe=("resolution_id", "name", "validity_days", "department_id"),
        on_create="authorise",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    clause: Mapped[str] = mapped_column(Text)  # the agreed point it rests on
    eligibility: Mapped[str] = mapped_column(Text)  # who may receive one
    statement: Mapped[str] = mapped_column(Text)  # what the certificate states
    validity_days: Mapped[int] = mapped_column(Integer, default=1)
    needs_plate: Mapped[bool] = mapped_column(Boolean, default=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # who checks (区交通支队)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship("Community")
    resolution: Mapped[Resolution] = relationship("Resolution")
    department: Mapped[Department | None] = relationship("Department")


class Certificate(Model):
    """One request, and once issued the numbered certificate; the register is these rows."""

    __tablename__ = "certificates"
    __audit__ = Audited(
        "certificate",
        describe=("kind_id", "state", "number"),
        on_change=(("revoked_at", "revoke"), ("number", "issue"), ("refusal_reason", "refuse"), ("pdf_sha256", "render")),
        on_create="request",
        secret=frozenset({"applicant_name", "check_token", "pdf", "photo", "plate"}),
    )
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("certificate_kinds.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(40), index=True)
    check_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_check_token)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(64))
    plate: Mapped[str] = mapped_column(String(12), default="", index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default=REQUESTED, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))

    kind: Mapped[CertificateKind] = relationship()
    applicant: Mapped[User | None] = relationship("User", foreign_keys=[applicant_id])

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, ())

    def shown_state(self, now: datetime | None = None) -> str:
        if self.state == ISSUED and self.valid_until is not None and (now or utcnow()) > self.valid_until:
            return EXPIRED
        return self.state

    @property
    def state_label(self) -> str:
        return STATES.get(self.shown_state(), self.state)

    @property
    def masked_plate(self) -> str:
        return mask_plate(self.plate)


def mask_plate(plate: str, keep: int = 3) -> str:
    """京A·12345 → ＊＊＊345: enough to match the car in front of you, not to look anyone up."""
    plate = (plate or "").replace("·", "").replace(" ", "")
    if not plate:
        return ""
    keep = min(keep, max(len(plate) - 2, 1))
    return "＊" * (len(plate) - keep) + plate[-keep:]
