"""The checks behind ``/healthz``, each answering ``{"status": "ok" | "failing", ...}`` and never raising."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from roundtable.core.time import utcnow
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.health import heartbeat
from roundtable.live.queue import queue_manager


def _error(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def database() -> JsonObject:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        db.session.rollback()
        return {"status": "failing", "error": _error(exc)}
    return {"status": "ok"}


def message_queue(app: Flask) -> JsonObject:
    """Redis as this process sees it: a ping now, and whether publishing and listening work.

    A successful ping is not enough: after a restart of Redis, broadcasts
    only resume once the listener has subscribed again, and until then this
    reports the listener's error and since when.
    """
    if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        return {"status": "not_configured"}
    manager = queue_manager()
    if manager is None:
        return {"status": "unknown", "error": "not a Redis queue"}
    try:
        manager.ping()
    except Exception as exc:  # noqa: BLE001 - whatever the queue raises is the health answer
        manager.health.failed("publish", exc)
    report: JsonObject = manager.health.report()
    return report


def worker(app: Flask) -> JsonObject:
    """When the job worker (PDF rendering) last said it was alive."""
    try:
        seen = heartbeat.last_seen(app, "worker")
    except Exception as exc:  # noqa: BLE001 - an unreadable heartbeat is reported, not raised
        return {"status": "unknown", "error": _error(exc)}
    if seen is None:
        return {"status": "missing", "last_seen": None}
    age = (utcnow() - seen).total_seconds()
    status = "ok" if age <= app.config.get("WORKER_HEARTBEAT_STALE", 60) else "missing"
    return {"status": status, "last_seen": seen.isoformat(), "age_seconds": round(age, 1)}
