"""Resolutions (决议), the commitments departments and organizations make in them, and their follow-up.

A published resolution is frozen: its PDF, the PDF's SHA-256 and the record it
was rendered from never change again. A correction is a new row (``version``
+1) that points at the one it supersedes; both stay readable and verifiable.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.communities.models import Community, Department, Organization
    from roundtable.meetings.models import Meeting

STATUS_LABELS = {
    "draft": "草稿",
    "awaiting_confirmations": "待确认承诺",
    "published": "已发布",
    "superseded": "已被新版本取代",
}
FROZEN_STATUSES = ("published", "superseded")

PENDING, CONFIRMED, CONTESTED = "pending", "confirmed", "contested"
COMMITMENT_STATES = {PENDING: "待确认", CONFIRMED: "已确认", CONTESTED: "有异议"}
# A unit answers (and may change its answer while the resolution awaits confirmations); a revised
# commitment is a new promise and asks again.
COMMITMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PENDING: (CONFIRMED, CONTESTED),
    CONFIRMED: (PENDING, CONFIRMED, CONTESTED),
    CONTESTED: (PENDING, CONFIRMED, CONTESTED),
}


class Resolution(Model):
    """One version of what a meeting agreed; ``record`` is the structured record the host started from."""

    __tablename__ = "resolutions"
    __audit__ = Audited(
        "resolution",
        describe=("meeting_id", "version", "status", "title", "sha256"),
        on_change=(("status", "status"),),
        secret=frozenset({"pdf", "record"}),
    )
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"))
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(60), default="")
    agreed_points: Mapped[str] = mapped_column(Text, default="")
    # Snapshot of the meeting (attendance, polls, positions ...) taken when drafting started.
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    # Why the host published although a commitment was not confirmed (printed in the PDF).
    unconfirmed_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    publish_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    record_sha256: Mapped[str | None] = mapped_column(String(64))
    # What happened to each linked case at publication: [{case_id, number, moved, message}].
    case_outcomes: Mapped[list] = mapped_column(JSON, default=list)

    community: Mapped[Community] = relationship("Community")
    meeting: Mapped[Meeting] = relationship("Meeting")
    created_by: Mapped[User | None] = relationship("User", foreign_keys=[created_by_id])
    supersedes: Mapped[Resolution | None] = relationship("Resolution", remote_side=[id], foreign_keys=[supersedes_id])
    commitments: Mapped[list[Commitment]] = relationship(
        "Commitment", back_populates="resolution", cascade="all, delete-orphan", order_by="Commitment.position"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def points(self) -> list[str]:
        """The agreed points, one per non-empty line, as they are numbered in the document."""
        return [line.strip() for line in (self.agreed_points or "").splitlines() if line.strip()]


class Commitment(Model):
    """承诺: a department or organization promises an action by a deadline, and confirms it itself."""

    __tablename__ = "resolution_commitments"
    __audit__ = Audited(
        "commitment",
        describe=("resolution_id", "department_id", "organization_id", "deadline", "state"),
        on_change=(("done_at", "done"), ("state", "answer"), ("deadline", "deadline")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    action: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)  # COMMITMENT_TRANSITIONS
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contest_reason: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resolution: Mapped[Resolution] = relationship("Resolution", back_populates="commitments")
    department: Mapped[Department | None] = relationship("Department")
    organization: Mapped[Organization | None] = relationship("Organization")
    answered_by: Mapped[User | None] = relationship("User", foreign_keys=[answered_by_id])
    reports: Mapped[list[CommitmentReport]] = relationship(
        "CommitmentReport", back_populates="commitment", cascade="all, delete-orphan", order_by="CommitmentReport.id"
    )

    @property
    def unit_name(self) -> str:
        if self.department is not None:
            return self.department.name
        return self.organization.name if self.organization is not None else ""

    @property
    def state_label(self) -> str:
        return COMMITMENT_STATES.get(self.state, self.state)

    @property
    def is_confirmed(self) -> bool:
        return self.state == CONFIRMED

    def can_move_to(self, state: str) -> bool:
        """Whether COMMITMENT_TRANSITIONS allows going from the present state to ``state``."""
        return state in COMMITMENT_TRANSITIONS.get(self.state, ())

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Overdue once the deadline passed without the unit reporting it done."""
        return not self.is_done and (now or utcnow()) > self.deadline


class CommitmentReport(Model):
    """A progress report of the committed unit, with its evidence files."""

    __tablename__ = "resolution_commitment_reports"
    __audit__ = Audited("commitment_report", describe=("commitment_id", "marks_done"))

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("resolution_commitments.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    marks_done: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commitment: Mapped[Commitment] = relationship("Commitment", back_populates="reports")
    author: Mapped[User | None] = relationship("User")
    files: Mapped[list[EvidenceFile]] = relationship(
        "EvidenceFile", back_populates="report", cascade="all, delete-orphan", order_by="EvidenceFile.id"
    )


class EvidenceFile(Model):
    """A photo or document backing a progress report; kept in the database, served only to the entitled."""

    __tablename__ = "resolution_evidence_files"
    __audit__ = Audited(
        "evidence",
        describe=("report_id", "size", "sha256"),
        on_create="upload",
        secret=frozenset({"data"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("resolution_commitment_reports.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[CommitmentReport] = relationship("CommitmentReport", back_populates="files")
