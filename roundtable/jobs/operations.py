"""Job operations: they change data and flush; the caller (a request or the worker) commits.

Claiming is the one place where several workers meet. ``claim_next`` is a
single ``UPDATE ... WHERE id = (oldest queued) AND status = 'queued'
RETURNING id``: on PostgreSQL the inner SELECT is ``FOR UPDATE SKIP LOCKED``,
so workers pass over a job another one is taking instead of waiting on it;
the outer ``status = 'queued'`` is re-checked on the row actually updated, so a
worker that lost the race updates nothing and aims again. On SQLite the
statement takes the write lock before it reads, so no two workers interleave
(and none fails on a stale read snapshot, as a SELECT-then-UPDATE would).
"""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from roundtable.core.errors import Conflict, OperationError
from roundtable.core.sql import rows_changed
from roundtable.core.time import utcnow
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.jobs.models import Job

KIND_MAX = 64
ERROR_MAX = 4000
CLAIM_ATTEMPTS = 5


def enqueue(kind: str, payload: JsonObject | None = None, *, community_id: int | None = None) -> Job:
    """Queue work for a worker process; it starts once the caller commits."""
    kind = (kind or "").strip()
    if not kind or len(kind) > KIND_MAX:
        raise OperationError("任务类型无效。")
    payload = dict(payload or {})
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise OperationError("任务参数必须能以 JSON 保存。") from exc
    job = Job(
        kind=kind,
        payload=payload,
        status="queued",
        progress=0,
        attempts=0,
        community_id=community_id,
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def new_claim_token() -> str:
    return uuid.uuid4().hex


def claim_next(token: str, kinds: tuple[str, ...] | None = None) -> Job | None:
    """Move the oldest queued job to ``running`` for the worker run ``token``; None if none is left."""
    for _ in range(CLAIM_ATTEMPTS):
        queued = select(Job.id).where(Job.status == "queued")
        if kinds:
            queued = queued.where(Job.kind.in_(kinds))
        oldest = queued.order_by(Job.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
        job_id = db.session.scalar(
            update(Job)
            .where(Job.id == oldest, Job.status == "queued")
            .values(
                status="running",
                claim_token=token,
                attempts=Job.attempts + 1,
                progress=0,
                started_at=utcnow(),
                finished_at=None,
            )
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
        if job_id is not None:
            return db.session.get(Job, job_id, populate_existing=True)
        if db.session.scalar(queued.limit(1)) is None:
            return None
        # Another worker took the job we aimed at; aim again.
    return None


def _update_own(job_id: int, token: str, **values: object) -> bool:
    """Change a running job only if ``token`` still owns it; False when the claim was lost."""
    changed = rows_changed(
        update(Job)
        .where(Job.id == job_id, Job.status == "running", Job.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return changed == 1


def report_progress(job_id: int, token: str, percent: int) -> bool:
    return _update_own(job_id, token, progress=max(0, min(100, int(percent))))


def finish_job(job_id: int, token: str, result_ref: str | None = None) -> bool:
    return _update_own(
        job_id, token, status="done", progress=100, result_ref=result_ref, error=None, finished_at=utcnow()
    )


def fail_job(job_id: int, token: str, error: str) -> bool:
    """Record why the job failed; it stays ``failed`` (visible, retryable), never disappears."""
    error = (error or "unknown error")[:ERROR_MAX]
    return _update_own(job_id, token, status="failed", error=error, finished_at=utcnow())


def retry_job(job: Job) -> Job:
    """Queue a failed job again; its last error stays on record until it succeeds."""
    if job.status != "failed":
        raise Conflict("只有失败的任务可以重试。")
    job.status = "queued"
    job.progress = 0
    job.claim_token = None
    job.started_at = None
    job.finished_at = None
    db.session.flush()
    return job


def requeue_stale_jobs(lease: timedelta, max_attempts: int = 3) -> int:
    """Take back jobs whose worker died mid-run (``running`` longer than ``lease``).

    A job that keeps killing its worker would loop for ever, so after
    ``max_attempts`` it is marked failed instead, with the reason.
    """
    stale = (Job.status == "running", Job.started_at < utcnow() - lease)
    db.session.execute(
        update(Job)
        .where(*stale, Job.attempts >= max_attempts)
        .values(
            status="failed",
            claim_token=None,
            finished_at=utcnow(),
            error=f"worker stopped before finishing, {max_attempts} times; not retried automatically",
        )
        .execution_options(synchronize_session=False)
    )
    requeued = rows_changed(
        update(Job)
        .where(*stale)
        .values(status="queued", claim_token=None, error="worker stopped before finishing; queued again")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return requeued
