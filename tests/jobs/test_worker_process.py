"""The worker is an OS process of its own: `flask worker run`, or the child `make run` starts.

PDF rendering holds the GIL; run in the server process it would stall every
live meeting, so these tests check the job really ran in another process.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from roundtable.config import PROJECT_ROOT
from roundtable.extensions import db
from roundtable.jobs import operations
from roundtable.jobs.embedded import start_worker_process, stop_worker_process
from roundtable.jobs.models import Job


def worker_env(app) -> dict[str, str]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-worker", "EMBEDDED_WORKER": "0",
            "AUDIT_SIGNING_KEY": app.config["AUDIT_SIGNING_KEY"], "BALLOT_KEY": app.config["BALLOT_KEY"],
            "OUTBOX_DISPATCHER": "0"}


def test_flask_worker_run_once_runs_the_queue_in_another_process(app):
    job_id = operations.enqueue("test.echo_pid", {"text": "决议已生成"}).id
    db.session.commit()

    finished = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi.py", "worker", "run", "--once",
         "--import", "tests.jobs.handlers"],
        cwd=PROJECT_ROOT, env=worker_env(app), capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert "after 1 job(s)" in finished.stdout

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "done", job.error
    text, pid = job.result_ref.split(" pid=")
    assert text == "决议已生成"
    assert int(pid) != os.getpid()


def test_the_embedded_worker_of_make_run_is_a_child_process_that_picks_up_jobs(app):
    process = start_worker_process(extra_args=("--import", "tests.jobs.handlers", "--poll-interval", "0.1"),
                                   env=worker_env(app))
    try:
        job_id = operations.enqueue("test.echo_pid", {"text": "embedded"}).id
        db.session.commit()
        deadline = time.monotonic() + 60  # a wait, not a measurement: generous for slow CI machines
        while True:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            if job.status in ("done", "failed") or time.monotonic() > deadline or process.poll() is not None:
                break
            db.session.commit()
            time.sleep(0.1)
        assert job.status == "done", job.error
        assert int(job.result_ref.split(" pid=")[1]) == process.pid
    finally:
        stop_worker_process(process)
    assert process.returncode is not None, "SIGTERM stops the worker"
