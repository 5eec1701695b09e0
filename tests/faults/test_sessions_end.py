"""Logging out, or being removed from the community, drops that person's live sockets within a second.

Every event is re-checked anyway, but an open socket would still hear the
room. Here the sockets sit on two server processes sharing Redis, and the
logout or removal is served by one of them: both sockets must be dropped,
and connecting again with the old cookie is refused.
"""
from __future__ import annotations

import asyncio
import time

import pytest

from bench.lean_client import LeanPhone, Refused
from tests.faults.conftest import Browser

pytestmark = pytest.mark.timeout(120)


async def open_consoles(servers, cookie, meeting_id) -> list[LeanPhone]:
    consoles = []
    for server in servers:
        console = await LeanPhone("127.0.0.1", server.port, cookie=cookie).open()
        await console.join(meeting_id)
        consoles.append(console)
    return consoles


async def dropped_within(consoles, seconds: float, since: float) -> list[float]:
    await asyncio.wait_for(asyncio.gather(*(c.closed.wait() for c in consoles)), seconds)
    return [time.monotonic() - since for _ in consoles]


def test_logging_out_drops_the_hosts_sockets_on_every_server(app, vote_room, start_servers, redis_url):
    room = vote_room(2)
    server_a, server_b = start_servers(2, message_queue=redis_url)

    async def story():
        consoles = await open_consoles((server_a, server_b), room.host_cookie, room.meeting_id)
        browser = Browser(server_a, room.host_cookie)
        status = await asyncio.to_thread(browser.post_form, "/account/password", "/logout")
        assert status == 302
        await dropped_within(consoles, 1.0, time.monotonic())
        with pytest.raises(Refused):
            await LeanPhone("127.0.0.1", server_b.port, cookie=room.host_cookie).open()

    asyncio.run(story())


def test_a_removed_resident_loses_her_sockets(app, vote_room, start_servers, redis_url):
    room = vote_room(2)
    server_a, server_b = start_servers(2, message_queue=redis_url)

    async def story():
        phones = await open_consoles((server_a, server_b), room.member_cookie, room.meeting_id)
        bystander = await LeanPhone("127.0.0.1", server_b.port, room.tokens[0]).open()
        await bystander.join(room.meeting_id)
        secretary = Browser(server_b, room.host_cookie)
        status = await asyncio.to_thread(
            secretary.post_form, "/community/people", f"/community/people/{room.member_membership_id}/remove"
        )
        assert status == 302
        await dropped_within(phones, 1.0, time.monotonic())
        assert not bystander.closed.is_set()  # only her sockets go

    asyncio.run(story())
