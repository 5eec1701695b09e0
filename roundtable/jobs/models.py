from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roundtable.core.audit_naming import NotAudited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

JOB_STATUSES = ("queued", "running", "done", "failed")
JOB_STATUS_LABELS = {"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败"}


class Job(Model):
    """One piece of slow work, queued by a request and carried out by a worker process.

    ``claim_token`` names the worker run that moved the job to ``running``; only
    that run may record progress or the outcome, so a worker whose job was taken
    back after its lease expired cannot overwrite the run that replaced it.
    A failed job keeps its ``error`` and stays visible until someone retries it.
    """

    __tablename__ = "jobs"
    __audit__ = NotAudited("delivery machinery; what a job changes is audited on its own rows")
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    result_ref: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )

    @property
    def status_label(self) -> str:
        return JOB_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.progress}%>"
