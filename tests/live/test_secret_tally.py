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
