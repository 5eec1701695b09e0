"""Which function carries out which kind of job.

Handlers register with ``@job_handler("render_resolution")`` in their own
domain package. A worker imports ``HANDLER_MODULES`` (and any module given
with ``flask worker run --import``) before it starts, so the web process never
needs to import rendering code just to queue a job.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.jobs import operations


class ClaimLost(Exception):
    """The job was taken back from this worker (lease over); its result must not be recorded."""


@dataclass
class JobContext:
    """What a handler gets: the job's data and a way to report progress."""

    job_id: int
    kind: str
    payload: JsonObject
    community_id: int | None
    attempt: int
    token: str = field(repr=False)

    def progress(self, percent: int) -> None:
        """Record progress for the page that shows it.

        This commits the session, so that the page sees it at once: report
        progress before making the handler's own changes, not in their middle.
        """
        if not operations.report_progress(self.job_id, self.token, percent):
            db.session.rollback()
            raise ClaimLost(f"job {self.job_id} is no longer ours")
        db.session.commit()


Handler = Callable[[JobContext], "str | None"]
#: A periodic task: called with no arguments (``now`` defaults to the present), returns how much it did.
PeriodicTask = Callable[[], int]

#: Modules whose import registers the application's handlers.
HANDLER_MODULES: tuple[str, ...] = (
    "roundtable.resolutions.jobs", "roundtable.certificates.jobs", "roundtable.escalation.jobs",
)

_handlers: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the one handler of ``kind``.

    The function receives a :class:`JobContext` and
    returns a reference to its result (or ``None``); raising marks the job failed.
    """

    def register(function: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and existing is not function:
            raise ValueError(f"job kind {kind!r} already has a handler: {existing.__qualname__}")
        _handlers[kind] = function
        return function

    return register


#: Periodic tasks: name → (function(now) -> int, configuration key of its interval in seconds).
_periodic: dict[str, tuple[PeriodicTask, str]] = {}


def periodic_task(name: str, interval_setting: str) -> Callable[[PeriodicTask], PeriodicTask]:
    """Register a function the worker calls every ``app.config[interval_setting]`` seconds.

    It runs in an app context, changes data, flushes; the worker commits (or rolls back on error).
    """

    def register(function: PeriodicTask) -> PeriodicTask:
        _periodic[name] = (function, interval_setting)
        return function

    return register


def periodic_tasks() -> dict[str, tuple[PeriodicTask, str]]:
    return dict(_periodic)


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def unregister(kind: str) -> None:
    """Forget a handler (tests register throwaway ones)."""
    _handlers.pop(kind, None)


def load_handler_modules(extra: Iterable[str] = ()) -> None:
    for name in (*HANDLER_MODULES, *extra):
        importlib.import_module(name)
