"""Slow work (a resolution's PDF) is queued by a page and carried out by a worker, never lost.

A secretary publishes a resolution; the page queues a job and shows its
progress; a worker process claims it, runs the handler and records the result,
or the error, which stays on the job until someone retries it.
"""
from __future__ import annotations

import threading

import pytest

from roundtable.core.errors import Conflict, OperationError
from roundtable.extensions import db
from roundtable.jobs import operations
from roundtable.jobs.models import Job
from roundtable.jobs.queries import job_status
from roundtable.jobs.registry import job_handler, unregister
from roundtable.jobs.worker import run_one, work


@pytest.fixture
def handlers():
    """Register throwaway handlers by kind; forgotten again after the test."""
    kinds = []

    def register(kind, function):
        job_handler(kind)(function)
        kinds.append(kind)
        return function

    yield register
    for kind in kinds:
        unregister(kind)


def queue(kind, payload=None, community=None) -> int:
    job = operations.enqueue(kind, payload or {}, community_id=community.id if community else None)
    db.session.commit()
    return job.id


def test_a_queued_job_is_run_by_the_worker_and_the_page_sees_its_result(app, world, handlers):
    handlers("test.render", lambda job: f"resolution:{job.payload['resolution_id']}.pdf")
    community = world.a.community
    job_id = queue("test.render", {"resolution_id": 7}, community)

    before = job_status(job_id, community_id=community.id)
    assert (before["status"], before["progress"], before["finished"]) == ("queued", 0, False)

    assert work(app, once=True) == 1

    after = job_status(job_id, community_id=community.id)
    assert after["status"] == "done"
    assert after["status_label"] == "已完成"
    assert after["progress"] == 100
    assert after["result_ref"] == "resolution:7.pdf"
    assert after["attempts"] == 1 and after["error"] is None and after["finished"]


def test_progress_reported_by_a_handler_is_visible_to_pages_while_it_runs(app, world, handlers):
    community = world.a.community
    seen_by_page = []

    def render(job):
        job.progress(40)
        with app.app_context():  # a page's request: its own session, sees only what is committed
            seen_by_page.append(job_status(job.job_id, community_id=community.id))
        return "done.pdf"

    handlers("test.progress", render)
    job_id = queue("test.progress", community=community)
    work(app, once=True)

    assert [(s["status"], s["progress"]) for s in seen_by_page] == [("running", 40)]
    assert job_status(job_id, community_id=community.id)["progress"] == 100


def test_a_failing_job_keeps_its_error_until_it_is_retried_and_succeeds(app, world, handlers):
    community = world.a.community
    fonts_installed = False

    def render(job):
        if not fonts_installed:
            raise RuntimeError("找不到 Noto CJK 字体")
        return "resolution.pdf"

    handlers("test.flaky", render)
    job_id = queue("test.flaky", community=community)
    work(app, once=True)

    failed = job_status(job_id, community_id=community.id)
    assert failed["status"] == "failed"
    assert "RuntimeError" in failed["error"] and "Noto CJK" in failed["error"]
    assert failed["result_ref"] is None

    assert work(app, once=True) == 0, "a failed job waits for a retry; it is not run again by itself"
    assert db.session.get(Job, job_id).status == "failed"

    fonts_installed = True
    operations.retry_job(db.session.get(Job, job_id))
    db.session.commit()
    assert job_status(job_id, community_id=community.id)["status"] == "queued"
    work(app, once=True)

    done = job_status(job_id, community_id=community.id)
    assert (done["status"], done["result_ref"], done["attempts"], done["error"]) == (
        "done", "resolution.pdf", 2, None)


def test_a_job_nobody_can_handle_fails_visibly_instead_of_vanishing(app):
    job_id = queue("test.no_such_kind")
    work(app, once=True)
    status = job_status(job_id, community_id=None)
    assert status["status"] == "failed"
    assert "no handler registered" in status["error"]


def test_only_a_failed_job_can_be_retried(app, handlers):
    handlers("test.ok", lambda job: None)
    job_id = queue("test.ok")
    with pytest.raises(Conflict):
        operations.retry_job(db.session.get(Job, job_id))
    work(app, once=True)
    with pytest.raises(Conflict):
        operations.retry_job(db.session.get(Job, job_id))


def test_a_job_must_have_a_kind_and_a_json_payload(app):
    with pytest.raises(OperationError):
        operations.enqueue("", {})
    with pytest.raises(OperationError):
        operations.enqueue("test.render", {"when": object()})


def test_a_community_sees_only_its_own_jobs(app, world, handlers):
    job_id = queue("test.render", {}, world.a.community)
    assert job_status(job_id, community_id=world.a.community.id) is not None
    assert job_status(job_id, community_id=world.b.community.id) is None
    assert job_status(job_id, community_id=None) is None


def test_a_worker_that_died_mid_job_gives_it_back_and_a_job_that_keeps_killing_workers_fails(app, handlers):
    from datetime import timedelta

    handlers("test.ok", lambda job: "ok")
    job_id = queue("test.ok")
    for _attempt in (1, 2):
        assert operations.claim_next("dead-worker").id == job_id  # claimed, then the worker is killed
        db.session.commit()
        assert operations.requeue_stale_jobs(timedelta(0), max_attempts=3) == 1
        db.session.commit()
        assert db.session.get(Job, job_id).status == "queued"

    assert operations.claim_next("dead-worker").attempts == 3
    db.session.commit()
    operations.requeue_stale_jobs(timedelta(0), max_attempts=3)
    db.session.commit()
    job = db.session.get(Job, job_id)
    assert job.status == "failed" and "3 times" in job.error


def test_a_worker_whose_job_was_taken_back_cannot_overwrite_the_new_run(app, handlers):
    job_id = queue("test.ok")
    first = operations.claim_next("slow-worker")
    db.session.commit()
    first.status = "queued"  # its lease expired: given back to the queue ...
    db.session.commit()
    operations.claim_next("new-worker")  # ... and taken by another worker
    db.session.commit()

    assert operations.finish_job(job_id, "slow-worker", "stale.pdf") is False
    assert operations.fail_job(job_id, "slow-worker", "late failure") is False
    assert operations.finish_job(job_id, "new-worker", "fresh.pdf") is True
    db.session.commit()
    assert db.session.get(Job, job_id).result_ref == "fresh.pdf"


def test_two_workers_never_run_the_same_job(app, handlers):
    job_ids = [operations.enqueue("test.race", {"n": n}).id for n in range(40)]
    db.session.commit()
    workers = 6
    start = threading.Barrier(workers)
    claimed: dict[str, list[int]] = {}
    errors = []

    def worker(name):
        mine = claimed.setdefault(name, [])
        try:
            with app.app_context():
                start.wait()
                while (job := operations.claim_next(name)) is not None:
                    mine.append(job.id)
                    db.session.commit()
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    every_claim = [job_id for ids in claimed.values() for job_id in ids]
    assert sorted(every_claim) == sorted(job_ids), "each job claimed exactly once"
    db.session.expire_all()
    runs = {job.id: (job.status, job.attempts) for job in db.session.query(Job)}
    assert set(runs.values()) == {("running", 1)}


def test_run_one_with_an_empty_queue_does_nothing(app):
    assert run_one() is None
