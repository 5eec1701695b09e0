"""What pages read about jobs: their progress and result, scoped to one community."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.core.time import format_local
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.jobs.models import Job


def get_job(job_id: int, *, community_id: int | None) -> Job | None:
    """The job if it belongs to ``community_id`` (``None``: jobs of no community)."""
    owner = Job.community_id.is_(None) if community_id is None else Job.community_id == community_id
    return db.session.scalar(select(Job).where(Job.id == job_id, owner))


def job_status(job_id: int, *, community_id: int | None) -> JsonObject | None:
    """A JSON-ready picture of the job for a progress page or its polling endpoint.

    The community must be given explicitly, so a page cannot forget the tenant
    scope; another community's job looks exactly like a missing one.
    """
    job = get_job(job_id, community_id=community_id)
    if job is None:
        return None
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.status_label,
        "progress": job.progress,
        "finished": job.is_finished,
        "result_ref": job.result_ref if job.status == "done" else None,
        "error": job.error if job.status == "failed" else None,
        "attempts": job.attempts,
        "created_at": format_local(job.created_at),
        "started_at": format_local(job.started_at),
        "finished_at": format_local(job.finished_at),
    }
