"""Background processes saying "still here", so that ``/healthz`` can tell when one is gone.

A heartbeat is a timestamp under a name. With a Redis message queue it is a
Redis key (every server process, on any machine, reads the same one);
without one everything runs on one machine, and it is a file in the
instance folder. No table: a heartbeat is not part of the record.
"""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)
_last_beat: dict[str, float] = {}
_clients: dict[str, Redis] = {}


def _redis(app: Flask) -> Redis | None:
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _clients[url]


def _key(app: Flask, name: str) -> str:
    """The heartbeat's Redis key, under this deployment's prefix (live/queue.deployment_prefix)."""
    from roundtable.live.queue import deployment_prefix

    return f"{deployment_prefix(app)}:heartbeat:{name}"


def _file(app: Flask, name: str) -> Path:
    return Path(app.instance_path) / f"heartbeat-{name}"


def beat(app: Flask, name: str, every: float = 5.0) -> None:
    """Record that ``name`` is alive, at most once per ``every`` seconds; never raises."""
    now = time.time()
    if now - _last_beat.get(name, 0.0) < every:
        return
    _last_beat[name] = now
    try:
        client = _redis(app)
        if client is not None:
            client.set(_key(app, name), repr(now), ex=24 * 3600)
        else:
            path = _file(app, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(repr(now))
    except Exception as error:  # noqa: BLE001 - a heartbeat must never stop the work it reports on
        log.warning("heartbeat %s not recorded: %s", name, error)


def last_seen(app: Flask, name: str) -> datetime | None:
    """When ``name`` last beat, or None if never (or unknown because Redis is down: raises)."""
    client = _redis(app)
    if client is not None:
        raw = client.get(_key(app, name))
    else:
        path = _file(app, name)
        raw = path.read_text() if path.exists() else None
    if raw is None:
        return None
    return datetime.fromtimestamp(float(raw), tz=UTC)
