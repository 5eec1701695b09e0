"""Tally messages grow with the room linearly, never with the square of it.

A bigger room must not mean more tally messages per phone: N phones voting
within one window get the same few tallies each, whether N is 20 or 80. A
tally per vote would give each phone N of them (N² in all) and fail here.

The coalescing window is held open by the test instead of by the clock, so
that the round is "all votes within one window" however slow the machine.
"""
from __future__ import annotations

import threading
import time

import pytest

from roundtable.extensions import db, socketio
from roundtable.live import operations
from tests.live.conftest import build_room, joined


@pytest.fixture
def window(monkeypatch):
    """The tally window stays open until ``window.set()``; afterwards it passes at once."""
    passes = threading.Event()
    monkeypatch.setattr(socketio, "sleep", lambda _seconds=0: passes.wait(30))
    yield passes
    passes.set()


def tallies_per_phone(app, world, phones, window, voters: int) -> list[int]:
    """A room of ``voters`` phones all voting in one window; how many tallies each phone heard."""
    room = build_room(world, guests=voters)
    motion = operations.propose_motion(room.meeting, room.guests[0], "实行夜间错时停车")
    operations.second_motion(room.meeting, room.department, motion.id)
    poll = operations.open_poll(room.meeting, None, motion.id, "yes_no")
    yes = next(option.id for option in poll.options if option.code == "yes")
    poll_id = poll.id
    for guest in room.guests:
        operations.check_in(guest)
    db.session.commit()
    room_phones = [joined(phones, guest) for guest in room.guests]
    for n, phone in enumerate(room_phones):
        assert phone.call("vote_cast", {"poll_id": poll_id, "choices": [yes], "key": f"k{n}"})["ok"]
    window.set()
    for phone in room_phones:
        phone.wait_for("tally", lambda tally: tally["total"] == voters)
    broadcaster = app.extensions["live_tallies"]
    deadline = time.monotonic() + 30
    while broadcaster.busy(poll_id) and time.monotonic() < deadline:
        time.sleep(0.01)
    window.clear()
    return [len(phone.events("tally")) for phone in room_phones]


def test_a_room_four_times_bigger_gets_no_more_tallies_per_phone(app, world, phones, window):
    small = tallies_per_phone(app, world, phones, window, 20)
    big = tallies_per_phone(app, world, phones, window, 80)

    assert max(big) <= max(small)
    # The first vote's tally at once, the rest in one trailing tally: two, not one per vote.
    assert max(small) <= 2 and max(big) <= 2
    assert min(big) >= 1
