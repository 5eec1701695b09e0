"""Ballots written in groups: each keeps the rules of one vote at a time, and the room gets lighter events."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.live.models import Ballot
from roundtable.live.operations import BallotRequest, VoteReceipt, cast_votes
from tests.live.conftest import joined
from tests.live.test_votes import open_poll, option


def test_one_group_answers_each_vote_as_if_it_came_alone(host, phones, room):
    poll = open_poll(host, phones, room)
    yes, no = option(poll, "赞成"), option(poll, "反对")
    for guest in room.guests[:2]:
        assert joined(phones, guest, checked_in=True).call("check_in")["ok"]
    first, second, absent = room.guests[0], room.guests[1], room.guests[2]
    meeting_id = room.meeting.id

    outcomes = cast_votes([
        BallotRequest(meeting_id, first.id, poll["id"], [yes], "a"),
        BallotRequest(meeting_id, second.id, poll["id"], [yes, no], "b"),  # too many choices
        BallotRequest(meeting_id, absent.id, poll["id"], [no], "c"),  # not checked in
        BallotRequest(meeting_id, first.id, poll["id"], [no], "a2"),  # the same voter again in the group
        BallotRequest(meeting_id, second.id, 999999, [yes], "d"),  # no such poll
    ])
    db.session.commit()

    assert isinstance(outcomes[0], VoteReceipt) and not outcomes[0].repeated
    assert isinstance(outcomes[1], OperationError) and outcomes[1].code == "bad_choices"
    assert isinstance(outcomes[2], OperationError) and outcomes[2].code == "not_checked_in"
    assert outcomes[3] == VoteReceipt(outcomes[0].receipt, repeated=True)
    assert isinstance(outcomes[4], OperationError) and outcomes[4].code == "not_found"
    assert db.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll["id"])).all() == [[yes]]

    again = cast_votes([BallotRequest(meeting_id, first.id, poll["id"], [no], "a3"),
                        BallotRequest(meeting_id, second.id, poll["id"], [no], "b2")])
    db.session.commit()
    assert again[0] == VoteReceipt(outcomes[0].receipt, repeated=True)
    assert isinstance(again[1], VoteReceipt) and not again[1].repeated


def test_the_room_hears_the_result_without_the_named_list_which_is_there_on_request(host, phones, room):
    poll = open_poll(host, phones, room)
    yes = option(poll, "赞成")
    voter = joined(phones, room.guests[0], checked_in=True)
    assert voter.call("poll_ballots", {"poll_id": poll["id"]})["error"] == "poll_open"
    receipt = voter.call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "k"})["receipt"]

    closed = host.call("poll_close", {"poll_id": poll["id"]})["result"]
    assert [b["participant"]["id"] for b in closed["ballots"]] == [room.guests[0].id]  # the host's ack
    heard = voter.wait_for("poll_closed")
    assert "ballots" not in heard and heard["total"] == 1 and heard["result"] == closed["result"]

    asked = voter.call("poll_ballots", {"poll_id": poll["id"]})
    assert asked["ok"] and asked["ballots"] == closed["ballots"]
    mine = voter.call("snapshot")["snapshot"]
    assert "ballots" not in mine["polls"][0]["result"]
    assert mine["me"]["ballots"][0]["receipt"] == receipt
    assert host.call("snapshot")["snapshot"]["polls"][0]["result"]["ballots"] == closed["ballots"]


def test_a_check_in_sends_the_counts_and_that_participant_only(host, phones, room):
    watcher = phones(room.meeting.watch_token)
    full = watcher.join()["presence"]
    assert full["complete"] is True and len(full["sides"]["resident"]) == len(room.guests) + 1  # and the resident
    assert joined(phones, room.guests[1]).call("check_in")["ok"]
    change = watcher.wait_for("presence")
    assert change["complete"] is False
    assert change["sides"] == {"resident": [{"id": room.guests[1].id, "name": change["sides"]["resident"][0]["name"],
                                            "side": "resident", "checked_in": True}]}
    assert change["present"] == 1 and change["counts"]["resident"] == 1 and change["invited"] == full["invited"]
    assert set(change["counts"]) == set(full["counts"])
