"""Every broadcast crosses the Redis queue, even when hundreds are published at once.

redis-py 8 fails past a pool's size (100 by default) and python-socketio's
manager then drops the message: half the tallies of a busy vote went missing
that way. Here the pool is made tiny (4 connections) so that 300 broadcasts
published at once must wait their turn; a phone on the other server process
must hear every one of them.
"""
from __future__ import annotations

import asyncio

import pytest

from bench.lean_client import LeanPhone

pytestmark = pytest.mark.timeout(150)

SPEAKERS, EACH = 60, 5


def test_three_hundred_broadcasts_at_once_all_reach_the_other_server(app, vote_room, start_servers, redis_url):
    room = vote_room(SPEAKERS + 1)
    server_a, server_b = start_servers(2, message_queue=redis_url, SOCKETIO_REDIS_MAX_CONNECTIONS="4")

    async def story() -> int:
        listener = await LeanPhone("127.0.0.1", server_b.port, room.tokens[-1]).open()
        await listener.join(room.meeting_id)
        speakers = [await LeanPhone("127.0.0.1", server_a.port, token).open() for token in room.tokens[:SPEAKERS]]
        for speaker in speakers:
            await speaker.join(room.meeting_id)
        before = len(listener.events("presence"))
        acks = await asyncio.gather(*(s.call("check_in", {}, timeout=60) for s in speakers for _ in range(EACH)))
        assert all(ack["ok"] for ack in acks)
        expected = before + SPEAKERS * EACH
        for _ in range(600):  # until they have all arrived, or the test's timeout
            if len(listener.events("presence")) >= expected:
                break
            await asyncio.sleep(0.05)
        heard = len(listener.events("presence")) - before
        for phone in (listener, *speakers):
            await phone.close()
        return heard

    assert asyncio.run(story()) == SPEAKERS * EACH
    assert "Cannot publish" not in server_a.log() and "publish failed" not in server_a.log()
