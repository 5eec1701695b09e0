"""``flask worker run``: the job worker, an OS process of its own."""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask.cli import AppGroup

from roundtable.core.app import app_object
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import work

worker_cli = AppGroup("worker", help="Background jobs (PDF rendering ...), outside the web process.")


@worker_cli.command("run")
@click.option("--once", is_flag=True, help="Run what is queued now, then exit.")
@click.option("--poll-interval", type=float, default=None, help="Seconds between looks at an empty queue.")
@click.option("--import", "modules", multiple=True, metavar="MODULE", help="Also load handlers from MODULE.")
@click.option("--parent-pid", type=int, default=None, hidden=True, help="Exit when this process is gone.")
def run_worker(once: bool, poll_interval: float | None, modules: tuple[str, ...], parent_pid: int | None) -> None:
    """Claim queued jobs and run them; SIGTERM or Ctrl-C stops after the current job."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    for chatty in ("fontTools", "weasyprint"):  # font subsetting narrates every glyph table at INFO
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = app_object()
    load_handler_modules(modules)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    interval = poll_interval if poll_interval is not None else app.config.get("JOB_POLL_INTERVAL", 1.0)
    ran = work(app, once=once, poll_interval=interval, stop=stop, parent_pid=parent_pid)
    click.echo(f"worker stopped after {ran} job(s)")
