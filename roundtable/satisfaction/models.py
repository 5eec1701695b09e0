"""Satisfaction requests: one link per person and case, single use, expiring."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.cases.models import Case
    from roundtable.meetings.models import Invitation

COMPLAINANT, RESIDENT = "complainant", "resident"
RESPONDENT_LABELS = {COMPLAINANT: "诉求人", RESIDENT: "参会居民"}

RESOLVED_ANSWERS = {"resolved": "已解决", "partly": "部分解决", "unresolved": "未解决"}
SATISFIED_ANSWERS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
# What the 三率 count: 解决 = 已解决; 满意 = 满意 or 基本满意.
COUNTS_AS_RESOLVED = ("resolved",)
COUNTS_AS_SATISFIED = ("satisfied", "basically")

FLAG_OPEN, FLAG_REOPENED, FLAG_NEW_MEETING = "open", "reopened", "new_meeting"
FLAG_LABELS = {FLAG_OPEN: "待处理", FLAG_REOPENED: "已重新办理", FLAG_NEW_MEETING: "已另开会议"}
FLAG_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FLAG_OPEN: (FLAG_REOPENED, FLAG_NEW_MEETING),
    FLAG_REOPENED: (),
    FLAG_NEW_MEETING: (),
}


def new_token() -> str:
    return secrets.token_urlsafe(16)


class SatisfactionRequest(Model):
    """A question to one person about one case; answered once, before ``expires_at``."""

    __tablename__ = "satisfaction_requests"
    __audit__ = Audited("satisfaction_request", secret=frozenset({"token"}))
    # One request per person, case and resolution version that completed the work.
    __table_args__ = (UniqueConstraint("case_id", "resolution_id", "person_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"))
    respondent: Mapped[str] = mapped_column(String(12))
    # "complainant" or "invitation:<id>": who this link is for.
    person_key: Mapped[str] = mapped_column(String(40))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_answer: Mapped[str | None] = mapped_column(String(12))
    satisfied_answer: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    flag: Mapped[str | None] = mapped_column(String(12), index=True)
    flag_handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flag_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship("Case")
    invitation: Mapped[Invitation | None] = relationship("Invitation")

    @property
    def respondent_label(self) -> str:
        return RESPONDENT_LABELS.get(self.respondent, self.respondent)

    @property
    def resolved_label(self) -> str:
        return RESOLVED_ANSWERS.get(self.resolved_answer or "", "")

    @property
    def satisfied_label(self) -> str:
        return SATISFIED_ANSWERS.get(self.satisfied_answer or "", "")

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at
