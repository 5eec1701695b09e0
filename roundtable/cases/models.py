from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import AuditDraft, Audited, NotAudited
from roundtable.core.privacy import mask_phone
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.communities.models import Community, Department

SOURCES = ("hotline", "walk_in", "open311", "csv")
SOURCE_LABELS = {"hotline": "12345热线", "walk_in": "来访", "open311": "Open311", "csv": "CSV导入"}

URGENCIES = ("emergency", "utilities", "ordinary", "complex")
URGENCY_LABELS = {
    "emergency": "紧急(2小时)",
    "utilities": "水电气热(24小时)",
    "ordinary": "一般(7天)",
    "complex": "复杂(15天)",
}

CATEGORIES = {
    "parking": "停车管理",
    "noise": "噪声扰民",
    "roads": "道路设施",
    "power": "供电用电",
    "water_heating": "供水供暖",
    "property": "物业管理",
    "sanitation": "环境卫生",
    "elderly": "养老助餐",
    "housing": "房屋产权",
    "other": "其他",
}

STATUS_LABELS = {
    "received": "已接收",
    "dispatched": "已派单",
    "contacted": "已联系",
    "in_deliberation": "议事中",
    "action_scheduled": "已定方案",
    "in_progress": "办理中",
    "replied": "已答复",
    "closed_resolved": "已办结(解决)",
    "closed_unresolved": "已办结(未解决)",
    "duplicate": "重复件",
    "out_of_scope": "非本辖区",
    "return_requested": "申请退单",
    "redispatched": "已重派",
    "reopened": "重新办理",
}

# The status machine of the case desk. Anything not listed is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("dispatched", "contacted", "duplicate", "out_of_scope", "return_requested"),
    "dispatched": ("contacted", "duplicate", "out_of_scope", "return_requested"),
    "return_requested": ("redispatched",),
    "redispatched": ("contacted", "duplicate", "return_requested"),
    "contacted": ("in_deliberation", "action_scheduled", "in_progress", "replied"),
    "in_deliberation": ("contacted", "action_scheduled", "in_progress", "replied"),
    "action_scheduled": ("in_progress", "replied"),
    "in_progress": ("replied",),
    "replied": ("closed_resolved", "closed_unresolved", "reopened"),
    "closed_resolved": ("reopened",),
    "closed_unresolved": ("reopened",),
    "reopened": ("contacted", "in_deliberation", "in_progress", "replied"),
    "duplicate": (),
    "out_of_scope": (),
}
STATUSES = tuple(TRANSITIONS)
TERMINAL_STATUSES = ("closed_resolved", "closed_unresolved", "duplicate", "out_of_scope")
# The resident has had an answer: a follow-up (回访) may be recorded.
ANSWERED_STATUSES = ("replied", "closed_resolved", "closed_unresolved")
# Refused without a written reason.
NEEDS_REASON_STATUSES = ("return_requested", "out_of_scope")


class Topic(Model):
    """议题: groups cases about one problem; may be the month's theme (每月一题)."""

    __tablename__ = "topics"
    __audit__ = Audited("topic", describe=("title", "theme_month"), on_change=(("theme_month", "theme"),))
    # At most one 每月一题 per month in a community; NULL (not a theme) never collides.
    __table_args__ = (
        UniqueConstraint("community_id", "title"),
        UniqueConstraint("community_id", "theme_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    theme_month: Mapped[str | None] = mapped_column(String(7))  # "2026-11" when 每月一题
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cases: Mapped[list[Case]] = relationship("Case", back_populates="topic", order_by="Case.received_at")


class Case(Model):
    """工单: one resident complaint, followed from intake to the resident's verdict."""

    __tablename__ = "cases"
    __audit__ = Audited(
        "case",
        describe=("external_number", "source", "category", "urgency", "status"),
        on_change=(("status", "status"), ("followed_up_at", "follow_up"), ("responsible_department_id", "assign"),
                   ("topic_id", "topic"), ("parent_id", "duplicate_of")),
        secret=frozenset({"address", "complainant_name", "complainant_phone"}),
    )
    # The desk list is always one community's cases sorted by received or due time.
    __table_args__ = (
        UniqueConstraint("community_id", "source", "external_number"),
        Index("ix_cases_community_received", "community_id", "received_at"),
        Index("ix_cases_community_due", "community_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    external_number: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(30), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    complainant_name: Mapped[str] = mapped_column(String(64), default="")
    complainant_phone: Mapped[str] = mapped_column(String(20), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responsible_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Follow-up with the resident (回访): 是否解决, 是否满意.
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: two secretaries saving the same case cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    community: Mapped[Community] = relationship("Community")
    topic: Mapped[Topic | None] = relationship("Topic", back_populates="cases")
    responsible_department: Mapped[Department | None] = relationship("Department")
    parent: Mapped[Case | None] = relationship("Case", remote_side=[id])
    events: Mapped[list[CaseEvent]] = relationship(
        "CaseEvent", back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.complainant_phone)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS.get(self.urgency, self.urgency)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_answered(self) -> bool:
        """Replied or closed after a reply: the resident's follow-up may be recorded."""
        return self.status in ANSWERED_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Overdue while not yet contacted past its deadline (the response rule of 接诉即办)."""
        if self.is_terminal or self.first_contacted_at is not None:
            return False
        return (now or utcnow()) > self.due_at

    def allowed_transitions(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    def can_move_to(self, status: str) -> bool:
        """Whether the status machine (TRANSITIONS) allows going from the present status to ``status``."""
        return status in self.allowed_transitions()

    @property
    def latest_note(self) -> str:
        for event in reversed(self.events):
            if event.note and event.kind != "phone_reveal":
                return event.note
        return ""


class CaseEvent(Model):
    """One line of a case's timeline: who did what, when, from which status to which."""

    __tablename__ = "case_events"
    __audit__ = Audited(
        "case_event",
        describe=("kind", "case_id", "from_status", "to_status"),
        secret=frozenset({"data"}),
        community_via="case",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship("Case", back_populates="events")
    actor: Mapped[User | None] = relationship("User")

    KIND_LABELS = {
        "created": "登记",
        "imported": "导入",
        "status": "状态变更",
        "edited": "修改",
        "note": "备注",
        "phone_reveal": "查看完整电话",
        "meeting": "会议",
        "follow_up": "回访",
        "topic": "议题",
        "resolution": "决议",
        "escalation": "催督办",
        "satisfaction": "满意度评价",
    }

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind)

    def refine_audit(self, entry: AuditDraft) -> AuditDraft | None:
        """A new event is the case's own entry already, except a phone reveal and a note: those say more."""
        if entry["action"] != "case_event.create":
            return entry
        if self.kind not in ("phone_reveal", "note"):
            return None
        return {**entry, "subject_type": "case", "subject_id": self.case_id,
                "action": f"case.{self.kind}", "data": {"event_id": self.id}}


class ImportBatch(Model):
    """An uploaded file waiting for the secretary's confirmation.

    The parsed rows are kept here between "check" and "import", so confirming
    imports exactly what was shown, and nothing is written to cases before that.
    """

    __tablename__ = "import_batches"
    __audit__ = NotAudited("the cases an import creates are each audited; the pending batch is a draft")

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    valid_rows: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|imported|discarded
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
