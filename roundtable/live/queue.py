"""The Redis message queue that lets several server processes share live rooms.

python-socketio's ``RedisManager`` builds its client with ``Redis.from_url``,
whose pool in redis-py 8 raises ``MaxConnectionsError`` past 100 connections:
under a burst of votes every greenlet publishing at once takes one, and the
manager drops the message after logging it. ``redis_options`` cannot fix
that: a ``connection_pool`` given there is passed on to each connection's
constructor, the connect fails, and publishing stops silently.

``BoundedRedisManager`` therefore owns one ``BlockingConnectionPool``: past
its size a publisher waits for a free connection instead of failing. The
listener takes one connection from the same pool per subscription and gives
it back when Redis goes away, retrying every second (not the manager's
doubling back-off of up to a minute), so broadcasts resume soon after a
restart of Redis. ``QueueHealth`` keeps what ``/healthz`` reports: which side
(publishing or listening) is failing, with the last error and since when.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import datetime

import redis
import socketio
from redis.exceptions import RedisError

from roundtable.core.time import utcnow

log = logging.getLogger(__name__)

LISTEN_RETRY_SECONDS = 1.0


class QueueHealth:
    """What went wrong with the message queue, per side, and since when; empty when all is well."""

    SIDES = ("publish", "listen")

    def __init__(self):
        self._lock = threading.Lock()
        self._failing: dict[str, tuple[str, datetime]] = {}
        self.listening = False

    def failed(self, side: str, error: BaseException) -> None:
        with self._lock:
            since = self._failing.get(side, (None, utcnow()))[1]
            self._failing[side] = (f"{error.__class__.__name__}: {error}", since)

    def is_failing(self, side: str) -> bool:
        return side in self._failing

    def recovered(self, side: str) -> None:
        if side in self._failing:  # cheap check first: this runs on every publish
            with self._lock:
                self._failing.pop(side, None)

    def report(self) -> dict:
        with self._lock:
            failing = dict(self._failing)
        if not failing and self.listening:
            return {"status": "ok"}
        if not failing:
            return {"status": "failing", "error": "not subscribed yet", "since": None}
        side, (error, since) = min(failing.items(), key=lambda entry: entry[1][1])
        return {"status": "failing", "side": side, "error": error, "since": since.isoformat()}


class BoundedRedisManager(socketio.RedisManager):
    """A RedisManager on one bounded, blocking connection pool, reporting its health."""

    name = "redis"

    def __init__(self, url: str, channel: str = "flask-socketio", *, max_connections: int = 50,
                 pool_timeout: float = 5.0, write_only: bool = False, prefix: str = "roundtable"):
        super().__init__(url, channel=channel, write_only=write_only)
        self.prefix = prefix  # every Redis key of this deployment starts with it (live/registry.py)
        self.health = QueueHealth()
        self.pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=pool_timeout, socket_connect_timeout=2,
            socket_keepalive=True,
        )
        self.client = redis.Redis(connection_pool=self.pool)
        self.connected = True  # the pool connects lazily; the base class's flag is not used

    def _redis_connect(self):  # pragma: no cover - replaced by the pool above
        self.redis = self.client

    def _publish(self, data):
        """One publish through the pool; a failure is logged and reported, never raised.

        The caller has already committed: the room missing one broadcast is
        repaired by the next one (tallies carry full counts) or by a snapshot.
        """
        try:
            receivers = self.client.publish(self.channel, self.json.dumps(data))
        except RedisError as error:
            self.health.failed("publish", error)
            log.error("message queue: publish failed: %s", error)
            return None
        self.health.recovered("publish")
        return receivers

    def ping(self) -> None:
        """Raise if Redis does not answer now (health check)."""
        self.client.ping()

    def _subscribed_messages(self):
        """Raw pub/sub messages, subscribing again one second after each failure."""
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                if self.health.is_failing("listen"):  # disconnects of revoked sockets may have been missed
                    from roundtable.live.actor_cache import actors

                    actors.doubt()
                self.health.listening = True
                self.health.recovered("listen")
                yield from pubsub.listen()
            except RedisError as error:
                self.health.listening = False
                self.health.failed("listen", error)
                log.error("message queue: listening failed, retrying: %s", error)
                time.sleep(LISTEN_RETRY_SECONDS)  # gevent-patched in production
            finally:
                pubsub.close()  # gives its connection back to the pool

    def _handle_emit(self, message):
        """A room event from any process: the meeting's shared snapshot part is out of date."""
        room = message.get("room") if isinstance(message, dict) else None
        if isinstance(room, str) and room.startswith("meeting-") and room[8:].isdigit():
            from roundtable.live.snapshots import room_changed

            room_changed(int(room[8:]))
        return super()._handle_emit(message)

    def _listen(self):
        channel = self.channel.encode("utf-8")
        for message in self._subscribed_messages():
            if message.get("channel") == channel and message.get("type") == "message":
                yield message["data"]


def deployment_prefix(app) -> str:
    """What sets this deployment's live events and Redis keys apart from another's on the same Redis.

    Redis pub/sub ignores database numbers, so two deployments on one Redis server would hear
    each other's meetings on a fixed channel. ``DEPLOYMENT_PREFIX`` names it; by default it is
    derived from the database URL (without password), which is what makes a deployment itself.
    """
    configured = (app.config.get("DEPLOYMENT_PREFIX") or "").strip()
    if configured:
        return f"roundtable:{configured}"
    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    return "roundtable:" + hashlib.sha256(database.encode()).hexdigest()[:16]


def manager_for(app) -> BoundedRedisManager | None:
    """The bounded manager for ``SOCKETIO_MESSAGE_QUEUE`` when it names Redis, else None (no queue, or another kind)."""
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    prefix = deployment_prefix(app)
    return BoundedRedisManager(
        url,
        channel=f"{prefix}:live",
        prefix=prefix,
        max_connections=int(app.config.get("SOCKETIO_REDIS_MAX_CONNECTIONS", 50)),
        pool_timeout=float(app.config.get("SOCKETIO_REDIS_POOL_TIMEOUT", 5)),
    )


def queue_manager():
    """This process's bounded manager, if the live server runs on one."""
    from roundtable.extensions import socketio as flask_socketio

    manager = getattr(getattr(flask_socketio, "server", None), "manager", None)
    return manager if isinstance(manager, BoundedRedisManager) else None
