"""The worker loop: claim a job, run its handler, record the outcome, repeat.

It runs in an OS process of its own (``flask worker run``), because the work
it does (WeasyPrint) is CPU-bound and holds the GIL: in a thread of the server
process it would stall every live meeting for as long as a PDF takes.
Each step commits on its own, so a crash leaves at most one job ``running``,
which ``requeue_stale_jobs`` hands out again once its lease is over.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from roundtable.extensions import db
from roundtable.health.heartbeat import beat
from roundtable.jobs import operations
from roundtable.jobs.registry import ClaimLost, JobContext, handler_for, periodic_tasks

log = logging.getLogger("roundtable.jobs")


def run_one(token: str | None = None) -> int | None:
    """Claim and run one queued job in the current app context; its id, or None if none was queued."""
    token = token or operations.new_claim_token()
    job = operations.claim_next(token)
    if job is None:
        db.session.commit()
        return None
    context = JobContext(job.id, job.kind, dict(job.payload or {}), job.community_id, job.attempts, token)
    db.session.commit()
    handler = handler_for(context.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for job kind {context.kind!r}")
        result_ref = handler(context)
    except ClaimLost:
        log.warning("job %s: claim lost, result dropped", context.job_id)
        db.session.rollback()
        return context.job_id
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        log.exception("job %s (%s) failed", context.job_id, context.kind)
        db.session.rollback()
        operations.fail_job(context.job_id, token, f"{exc.__class__.__name__}: {exc}")
        db.session.commit()
        return context.job_id
    if operations.finish_job(context.job_id, token, None if result_ref is None else str(result_ref)):
        db.session.commit()
    else:
        log.warning("job %s: claim lost before it finished, result dropped", context.job_id)
        db.session.rollback()
    return context.job_id


def run_periodic(app: Flask, last_run: dict[str, float], clock: Callable[[], float] | None = None) -> list[str]:
    """Run the periodic tasks whose interval has passed; each commits on its own. Returns the names run."""
    import time

    now = (clock or time.monotonic)()
    ran = []
    for name, (function, setting) in periodic_tasks().items():
        interval = float(app.config.get(setting, 60))
        if name in last_run and now - last_run[name] < interval:
            continue
        last_run[name] = now
        with app.app_context():
            try:
                function()
                db.session.commit()
                ran.append(name)
            except Exception:  # noqa: BLE001 - a failing pass is logged and tried again next interval
                db.session.rollback()
                log.exception("periodic task %s failed", name)
            finally:
                db.session.remove()
    return ran


def work(
    app: Flask,
    *,
    once: bool = False,
    poll_interval: float = 1.0,
    stop: threading.Event | None = None,
    parent_pid: int | None = None,
) -> int:
    """Run jobs until ``stop`` is set (or, with ``once``, until the queue is empty); returns how many ran.

    With ``parent_pid`` the loop also ends when that process is gone, so a
    worker started by ``make run`` never outlives the server that started it.
    """
    stop = stop or threading.Event()
    lease = timedelta(seconds=app.config.get("JOB_LEASE_SECONDS", 900))
    max_attempts = app.config.get("JOB_MAX_ATTEMPTS", 3)
    ran = 0
    periodic_runs: dict[str, float] = {}
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            log.info("worker: parent %s is gone, stopping", parent_pid)
            break
        beat(app, "worker")  # /healthz reports when the worker was last seen
        if not once:
            run_periodic(app, periodic_runs)
        with app.app_context():
            try:
                operations.requeue_stale_jobs(lease, max_attempts)
                db.session.commit()
                job_id = run_one()
            except Exception:
                db.session.rollback()
                log.exception("worker: a pass failed; trying again")
                job_id = None
                if once:
                    raise
            finally:
                db.session.remove()
        if job_id is not None:
            ran += 1
            continue
        if once:
            break
        stop.wait(poll_interval)
    return ran
