from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model
from roundtable.meetings.majority import DEFAULT_RULE, RULES, rule_label

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.cases.models import Case, Topic
    from roundtable.communities.models import Community, Department, Organization

KINDS = {"roundtable": "圆桌会议", "council": "议事会", "coordination": "协调会", "joint": "联席会"}

# Code → label, for forms and checks; the rules themselves (share, base, judging) are in meetings.majority.
MAJORITY_RULES = {code: rule.label for code, rule in RULES.items()}

DRAFT, SCHEDULED, LIVE, ADJOURNED, CONCLUDED, CANCELLED = (
    "draft", "scheduled", "live", "adjourned", "concluded", "cancelled"
)
# A meeting holds its cases (they show as in a meeting) from scheduling until it ends or is cancelled.
HOLDING_STATUSES = (SCHEDULED, LIVE, ADJOURNED)
# Nothing more happens in these: no report-in, no summons, no edits.
FINISHED_STATUSES = (CONCLUDED, CANCELLED)
# The room has sat and closed (for now or for good): its outcomes can be shown.
SAT_STATUSES = (ADJOURNED, CONCLUDED)

MEETING_STATUS_LABELS = {
    "draft": "草稿",
    "scheduled": "已安排",
    "live": "进行中",
    "adjourned": "休会",
    "concluded": "已结束",
    "cancelled": "已取消",
}

# Lifecycle of a meeting; anything not listed is refused.
MEETING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("scheduled", "cancelled"),
    "scheduled": ("live", "cancelled", "draft"),
    "live": ("adjourned", "concluded"),
    "adjourned": ("live", "concluded"),
    "concluded": (),
    "cancelled": (),
}

ITEM_PENDING, ITEM_OPEN, ITEM_CLOSED = "pending", "open", "closed"
AGENDA_ITEM_TRANSITIONS: dict[str, tuple[str, ...]] = {ITEM_PENDING: (ITEM_OPEN,), ITEM_OPEN: (ITEM_CLOSED,), ITEM_CLOSED: ()}

INVITEE_KINDS = {"resident": "居民", "guest": "列席居民", "department": "部门", "organization": "单位"}
# Which side of the table an invitee sits on (live presence groups by it).
SIDES = {"resident": "居民", "department": "部门", "organization": "单位", "host": "主持"}
RSVP_LABELS = {"yes": "参加", "no": "不参加"}


def new_token() -> str:
    """An unguessable join token (96 bits), short enough for an SMS link."""
    return secrets.token_urlsafe(12)


class Meeting(Model):
    """A deliberation meeting of one community, linked to the cases it is meant to settle."""

    __tablename__ = "meetings"
    __audit__ = Audited(
        "meeting",
        describe=("kind", "title", "status", "starts_at"),
        on_change=(("status", "status"),),
        secret=frozenset({"watch_token"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="roundtable")
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    previous_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # Rules of procedure (南塘议事规则 defaults: 2 minutes a speech, 2 speeches per motion).
    speech_minutes: Mapped[int] = mapped_column(Integer, default=2)
    speeches_per_motion: Mapped[int] = mapped_column(Integer, default=2)
    quorum: Mapped[int] = mapped_column(Integer, default=0)
    majority_rule: Mapped[str] = mapped_column(String(30), default=DEFAULT_RULE)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    # A read-only public watch link (直播) for the big screen and residents who cannot come.
    watch_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship("Community")
    host: Mapped[User | None] = relationship("User", foreign_keys=[host_id])
    topic: Mapped[Topic | None] = relationship("Topic")
    previous_meeting: Mapped[Meeting | None] = relationship("Meeting", remote_side=[id])
    case_links: Mapped[list[MeetingCase]] = relationship(
        "MeetingCase", back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingCase.id"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        "AgendaItem", back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        "Invitation", back_populates="meeting", cascade="all, delete-orphan", order_by="Invitation.id"
    )

    def can_move_to(self, status: str) -> bool:
        """Whether the lifecycle (MEETING_TRANSITIONS) allows going from the present status to ``status``."""
        return status in MEETING_TRANSITIONS.get(self.status, ())

    @property
    def cases(self):
        return [link.case for link in self.case_links]

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return MEETING_STATUS_LABELS.get(self.status, self.status)

    @property
    def majority_rule_label(self) -> str:
        return rule_label(self.majority_rule)

    @property
    def is_editable(self) -> bool:
        """Details, agenda and links can change until the meeting goes live."""
        return self.status in (DRAFT, SCHEDULED)

    @property
    def is_holding(self) -> bool:
        """Scheduled, live or adjourned: its cases are in it, its invitations lead to the room."""
        return self.status in HOLDING_STATUSES

    @property
    def is_finished(self) -> bool:
        """Concluded or cancelled."""
        return self.status in FINISHED_STATUSES

    @property
    def has_sat(self) -> bool:
        """Adjourned or concluded: the room has sat, its outcomes can be shown."""
        return self.status in SAT_STATUSES

    @property
    def room_is_open(self) -> bool:
        """Live or adjourned: phones may (re)join the room."""
        return self.status in (LIVE, ADJOURNED)


class MeetingCase(Model):
    """A case the meeting deliberates; remembers the case's status before scheduling."""

    __tablename__ = "meeting_cases"
    __audit__ = Audited("meeting_case", describe=("meeting_id", "case_id"), on_create="link", community_via="meeting")
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status_before: Mapped[str | None] = mapped_column(String(20))

    meeting: Mapped[Meeting] = relationship("Meeting", back_populates="case_links")
    case: Mapped[Case] = relationship("Case")


class AgendaItem(Model):
    """One item of the agenda, optionally on one linked case, with a time box."""

    __tablename__ = "agenda_items"
    __audit__ = Audited(
        "agenda_item",
        describe=("meeting_id", "position", "title", "state"),
        on_change=(("state", "state"),),
        community_via="meeting",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    minutes: Mapped[int] = mapped_column(Integer, default=15)
    # Live state: pending → open → closed (the host drives it during the meeting).
    state: Mapped[str] = mapped_column(String(10), default=ITEM_PENDING)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship("Meeting", back_populates="agenda_items")
    case: Mapped[Case | None] = relationship("Case")

    def can_move_to(self, state: str) -> bool:
        """Whether AGENDA_ITEM_TRANSITIONS allows going from the present state to ``state``."""
        return state in AGENDA_ITEM_TRANSITIONS.get(self.state, ())


class Invitation(Model):
    """One invitee of one meeting: a resident, a named guest, a department or an organization.

    Its token is the invitee's key to the meeting (RSVP, joining live); it opens
    this meeting only. For departments, ``summoned_at`` is the whistle (吹哨) and
    ``reported_at`` the department's acknowledgement (报到).
    """

    __tablename__ = "invitations"
    __audit__ = Audited(
        "invitation",
        describe=("meeting_id", "kind", "side", "user_id", "department_id", "organization_id"),
        on_change=(("reported_at", "report_in"), ("summoned_at", "summon"), ("checked_in_at", "check_in"), ("rsvp", "rsvp")),
        secret=frozenset({"attendee_names", "guest_name", "guest_phone", "token"}),
    )
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "department_id"),
        UniqueConstraint("meeting_id", "organization_id"),
        UniqueConstraint("meeting_id", "guest_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    guest_name: Mapped[str | None] = mapped_column(String(64))
    guest_phone: Mapped[str | None] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    # Whether the resident agreed to be named in the published resolution.
    consent_to_name: Mapped[bool] = mapped_column(Boolean, default=False)
    rsvp: Mapped[str | None] = mapped_column(String(10))
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attendee_names: Mapped[str] = mapped_column(String(200), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship("Meeting", back_populates="invitations")
    user: Mapped[User | None] = relationship("User", foreign_keys=[user_id])
    department: Mapped[Department | None] = relationship("Department")
    organization: Mapped[Organization | None] = relationship("Organization")
    reported_by: Mapped[User | None] = relationship("User", foreign_keys=[reported_by_id])

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        if self.department is not None:
            return self.department.name
        if self.organization is not None:
            return self.organization.name
        return self.guest_name or ""

    @property
    def kind_label(self) -> str:
        return INVITEE_KINDS.get(self.kind, self.kind)


    def report_in_state(self, now: datetime | None = None) -> str | None:
        """For a summoned department: 'on_time', 'late', 'missing' (past due) or 'waiting'."""
        if self.summoned_at is None:
            return None
        if self.reported_at is not None:
            if self.reply_due_at and self.reported_at > self.reply_due_at:
                return "late"
            return "on_time"
        if self.reply_due_at and (now or utcnow()) > self.reply_due_at:
            return "missing"
        return "waiting"


REPORT_IN_LABELS = {
    "on_time": "按时报到",
    "late": "逾期报到",
    "missing": "未报到(已逾期)",
    "waiting": "待报到",
}
