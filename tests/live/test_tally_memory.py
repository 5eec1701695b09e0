"""Tallies from counts kept in memory, updated by each committed group; the database stays the truth."""
from __future__ import annotations

import time

from roundtable.extensions import db
from roundtable.live import operations
from roundtable.live.models import Poll
from tests.live.conftest import build_room, joined
from tests.live.test_votes import open_poll, option


def settle(broadcaster, poll_id):
    deadline = time.monotonic() + 10
    while broadcaster.busy(poll_id) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_the_database_is_counted_once_per_poll_then_groups_are_added(app, world, phones, auth, client):
    room = build_room(world, guests=12)
    app.config["LIVE_TALLY_WINDOW"] = 0.05
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    poll = open_poll(host, phones, room)
    yes, no = option(poll, "赞成"), option(poll, "反对")
    for n, guest in enumerate(room.guests):
        voter = joined(phones, guest, checked_in=True)
        assert voter.call("vote_cast", {"poll_id": poll["id"], "choices": [yes if n % 3 else no], "key": f"k{n}"})["ok"]
        # a repeat changes nothing
        assert voter.call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": f"k{n}"})["repeated"]

    final = host.wait_for("tally", lambda t: t["seq"] == 12)
    broadcaster = app.extensions["live_tallies"]
    settle(broadcaster, poll["id"])
    assert broadcaster.recounts[poll["id"]] == 1
    assert final["counts"][str(yes)] == 8 and final["counts"][str(no)] == 4
    seqs = [t["seq"] for t in host.events("tally")]
    assert seqs == sorted(seqs)

    result = host.call("poll_close", {"poll_id": poll["id"]})["result"]  # counted from the database
    assert (result["counts"][str(yes)], result["counts"][str(no)], result["total"]) == (8, 4, 12)


def test_a_ballot_written_elsewhere_is_a_doubt_that_counts_the_database_again(app, world, phones, auth, client):
    room = build_room(world, guests=3)
    app.config["LIVE_TALLY_WINDOW"] = 0.05
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    poll = open_poll(host, phones, room)
    yes = option(poll, "赞成")
    first = joined(phones, room.guests[0], checked_in=True)
    assert first.call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "a"})["ok"]
    host.wait_for("tally", lambda t: t["seq"] == 1)

    # Another writer (a second process, a paper ballot entered by a route) commits a ballot ...
    second = room.guests[1]
    second.checked_in_at = second.checked_in_at or room.meeting.starts_at
    operations.cast_vote(room.meeting, second, poll["id"], [yes], "paper")
    db.session.commit()
    broadcaster = app.extensions["live_tallies"]
    broadcaster.poll_changed(room.meeting.id, poll["id"])  # ... and says the counts changed
    host.wait_for("tally", lambda t: t["seq"] == 2)

    third = joined(phones, room.guests[2], checked_in=True)
    assert third.call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "c"})["ok"]
    last = host.wait_for("tally", lambda t: t["seq"] == 3)
    assert last["counts"][str(yes)] == 3
    assert db.session.get(Poll, poll["id"]) is not None
