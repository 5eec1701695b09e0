"""Job handlers for the worker-process tests (loaded with ``flask worker run --import``)."""
from __future__ import annotations

import os

from roundtable.jobs.registry import job_handler


@job_handler("test.echo_pid")
def echo_pid(job):
    """Answers with the process that ran it, so a test can tell it was not the test process."""
    job.progress(50)
    return f"{job.payload['text']} pid={os.getpid()}"
