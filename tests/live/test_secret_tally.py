"""Live tallies of a secret poll open each sealed ballot once per process, and end where the close's count does."""
from __future__ import annotations

import pytest

from roundtable.live import secret_ballots
from roundtable.live.broadcast import TallyBroadcaster
from tests.live.conftest import build_room, joined
from tests.live.test_tally_memory import settle
from tests.live.test_votes import open_poll, option


@pytest.mark.parametrize("shared", [False, True], ids=["one process", "several processes"])
def test_secret_tallies_open_each_ballot_once_and_match_the_close(app, world, phones, auth, client, monkeypatch,
                                                                  shared):
    if shared:  # as with a message queue: every tally counts the database, the other processes write too
        monkeypatch.setattr(TallyBroadcaster, "shared", lambda self: True)
    room = build_room(world, guests=9)
    app.config["LIVE_TALLY_WINDOW"] = 0.02
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    poll = open_poll(host, phones, room, secret=True)
    yes, no = option(poll, "赞成"), option(poll, "反对")
    broadcaster = app.extensions["live_tallies"]
    opened_before = secret_ballots.opened_count

    for n, guest in enumerate(room.guests):
        voter = joined(phones, guest, checked_in=True)
        ack = voter.call("vote_cast", {"poll_id": poll["id"], "choices": [no if n % 3 == 0 else yes], "key": f"s{n}"})
        assert ack["ok"] and not ack["repeated"], ack
        host.wait_for("tally", lambda t, n=n: t["seq"] == n + 1)
        settle(broadcaster, poll["id"])

    last = host.wait_for("tally", lambda t: t["seq"] == 9)
    assert (last["counts"][str(yes)], last["counts"][str(no)]) == (6, 3)
    seqs = [t["seq"] for t in host.events("tally")]
    assert seqs == sorted(seqs)
    opened = secret_ballots.opened_count - opened_before
    if shared:  # nine tallies at least, yet each ballot opened once
        assert broadcaster.recounts[poll["id"]] >= 9
        assert opened == 9
    else:  # counts kept in memory: the database counted for the first group only (joins' snapshots count too)
        assert broadcaster.recounts[poll["id"]] == 1
        assert opened <= 9

    result = host.call("poll_close", {"poll_id": poll["id"]})["result"]  # every sealed ballot opened again
    assert {key: result["counts"][key] for key in last["counts"]} == last["counts"]
    assert result["total"] == last["total"] == 9
    assert poll["id"] not in app.extensions.get(secret_ballots.OPENED_KEY, {})


def test_with_several_processes_one_takes_the_tally_of_a_window(app, redis_url, monkeypatch):
    """Each window's tally is sent by one process (a lease in Redis); the others try the next window."""
    import time
    import uuid
    from types import SimpleNamespace

    import redis

    from roundtable.live import queue

    manager = SimpleNamespace(client=redis.Redis.from_url(redis_url), prefix=f"test-{uuid.uuid4().hex}")
    monkeypatch.setattr(queue, "queue_manager", lambda: manager)
    first, second = TallyBroadcaster(app), TallyBroadcaster(app)
    second.name = "another process"
    assert first._lease(7, 0.3)
    assert not second._lease(7, 0.3) and not first._lease(7, 0.3)
    assert second._lease(8, 0.3)  # another poll, its own lease
    time.sleep(0.35)
    assert second._lease(7, 0.3)

    monkeypatch.setattr(manager, "client", SimpleNamespace(set=lambda *a, **k: (_ for _ in ()).throw(redis.RedisError())))
    assert first._lease(7, 0.3)  # Redis gone: send anyway, a tally too many rather than one missing
