"""The worker as a child process of ``make run``, so the single-process demo still renders PDFs.

It is a separate OS process (``flask worker run``), not a thread: PDF
rendering is CPU-bound and would hold the GIL that live meetings need. The
child gets our pid and exits when we are gone, even after a ``kill -9``.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys

from roundtable.config import PROJECT_ROOT


def start_worker_process(app_target: str = "wsgi.py", extra_args: tuple[str, ...] = (),
                         env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "flask", "--app", app_target,
        "worker", "run", "--parent-pid", str(os.getpid()), *extra_args,
    ]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})})
    atexit.register(stop_worker_process, process)
    return process


def stop_worker_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Ask the worker to finish its current job and exit; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
