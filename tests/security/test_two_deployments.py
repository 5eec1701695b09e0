"""Two deployments sharing one Redis server never hear each other's meetings.

Redis pub/sub ignores database numbers: with a fixed channel, deployment B's
phones in its meeting 3 received deployment A's meeting-3 events. Each
deployment now publishes on, and listens to, a channel and keys under its own
prefix (derived from its database URL unless DEPLOYMENT_PREFIX says otherwise).
"""
from __future__ import annotations

import time

import pytest
import redis

from roundtable import create_app
from roundtable.config import TestConfig
from roundtable.live.queue import deployment_prefix, manager_for


def _app(tmp_path, name: str, queue: str, **extra):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.db",
                      SOCKETIO_MESSAGE_QUEUE=queue, **extra)


def test_two_deployments_on_one_redis_do_not_hear_each_other(tmp_path, redis_url):
    a = _app(tmp_path, "a", redis_url)  # Redis DB 13
    b = _app(tmp_path, "b", redis_url.rsplit("/", 1)[0] + "/14")
    manager_a, manager_b = manager_for(a), manager_for(b)
    assert manager_a.channel != manager_b.channel
    assert deployment_prefix(a) != deployment_prefix(b)

    listener = redis.Redis.from_url(redis_url)
    heard = {}
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(manager_a.channel, manager_b.channel)
    time.sleep(0.2)
    # A publishes what its server would send to its meeting 3's room: a resident's position.
    manager_a._publish({"method": "emit", "event": "position", "data": {"text": "A 的居民发言"},
                        "namespace": "/live", "room": "meeting-3", "host_id": "a"})
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "message":
            heard.setdefault(message["channel"].decode(), []).append(message["data"])
    pubsub.close()
    assert manager_a.channel in heard, "A's own servers hear it"
    assert manager_b.channel not in heard, "B's servers never do"

    # The keys of the live socket registry and of the heartbeats are apart too.
    from roundtable.live.registry import RedisStore

    store_a, store_b = RedisStore(manager_a.client, manager_a.prefix), RedisStore(manager_b.client, manager_b.prefix)
    store_a.add(7, "sid-of-a")
    try:
        assert store_b.sockets_of(7) == set() or manager_a.client.connection_pool.connection_kwargs["db"] != 13
        assert store_a.sockets_of(7) == {"sid-of-a"}
        other_b_on_same_db = RedisStore(manager_a.client, manager_b.prefix)
        assert other_b_on_same_db.sockets_of(7) == set(), "same Redis database, other prefix: nothing shared"
    finally:
        store_a.remove("sid-of-a")


def test_the_prefix_can_be_named(tmp_path, redis_url):
    named = _app(tmp_path, "c", redis_url, DEPLOYMENT_PREFIX="xicheng")
    assert manager_for(named).channel == "roundtable:xicheng:live"
