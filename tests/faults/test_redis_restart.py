"""Redis restarted mid-meeting: broadcasts between the processes resume within 30 s, and /healthz tells the truth.

The test runs its own redis-server on a free port (the shared one is never
touched). A phone on server A checks in again and again; a phone on server B
must hear the ``presence`` broadcasts through Redis. While Redis is down the
health check of A answers 503 with the error and since when; once the
listeners have subscribed again it answers ok.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest

from bench.lean_client import LeanPhone

pytestmark = pytest.mark.timeout(150)


def health(server) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def heard_across(speaker: LeanPhone, listener: LeanPhone, within: float) -> float | None:
    """Seconds until a check-in on the speaker's server reaches the listener's, or None."""
    started = time.monotonic()
    before = len(listener.events("presence"))
    while time.monotonic() - started < within:
        ack = await speaker.call("check_in", {}, timeout=10)
        assert ack["ok"], ack
        await asyncio.sleep(0.5)
        if len(listener.events("presence")) > before:
            return time.monotonic() - started
    return None


def test_broadcasts_resume_after_redis_restarts_and_health_says_when_they_do_not(
    app, vote_room, start_servers, own_redis
):
    room = vote_room(4)
    server_a, server_b = start_servers(2, message_queue=own_redis.url)
    status, report = health(server_a)
    assert status == 200 and report["message_queue"] == {"status": "ok"}, report

    async def story():
        speaker = await LeanPhone("127.0.0.1", server_a.port, room.tokens[0]).open()
        listener = await LeanPhone("127.0.0.1", server_b.port, room.tokens[1]).open()
        for phone in (speaker, listener):
            await phone.join(room.meeting_id)
        assert await heard_across(speaker, listener, within=10) is not None

        own_redis.stop()
        await asyncio.sleep(1.5)
        status, report = await asyncio.to_thread(health, server_a)
        assert status == 503
        assert report["message_queue"]["status"] == "failing"
        assert report["message_queue"]["error"] and report["message_queue"]["since"]
        assert (await speaker.call("check_in", {}, timeout=10))["ok"]  # the database still works

        await asyncio.sleep(3)
        own_redis.start()
        resumed = await heard_across(speaker, listener, within=30)
        assert resumed is not None, "no broadcast crossed between the servers within 30 s of Redis restarting"
        print(f"broadcasts resumed {resumed:.1f}s after Redis came back")
        await speaker.close()
        await listener.close()

    asyncio.run(story())
    for server in (server_a, server_b):
        status, report = health(server)
        assert status == 200 and report["message_queue"] == {"status": "ok"}, report
