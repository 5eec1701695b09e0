"""Motions put to the vote: ballots exactly once, results by the rules, secret ballots that stay secret."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import DateTime, select

from roundtable.extensions import db
from roundtable.live.models import Ballot, Poll, SecretVote, SecretVoter
from roundtable.live.results import judge
from tests.live.conftest import joined


def open_poll(host, phones, room, **poll) -> dict:
    """A seconded motion put to the vote; returns the poll as the room saw it open."""
    proposer = joined(phones, room.guests[0])
    motion_id = proposer.call("motion_propose", {"text": "实行夜间错时停车"})["motion_id"]
    assert joined(phones, room.department).call("motion_second", {"motion_id": motion_id})["ok"]
    ack = host.call("poll_open", {"motion_id": motion_id, "kind": "yes_no", **poll})
    assert ack["ok"], ack
    return host.wait_for("poll_opened", lambda p: p["id"] == ack["poll_id"])


def option(poll: dict, label: str) -> int:
    return next(o["id"] for o in poll["options"] if o["label"] == label)


def test_residents_vote_once_and_the_room_sees_the_result_by_the_rule(host, phones, room):
    poll = open_poll(host, phones, room)
    yes, no = option(poll, "赞成"), option(poll, "反对")
    voters = [joined(phones, guest, checked_in=True) for guest in room.guests]

    receipts = [voters[0].call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "a1"}),
                voters[1].call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "b1"}),
                voters[2].call("vote_cast", {"poll_id": poll["id"], "choices": [no], "key": "c1"})]
    assert all(ack["ok"] and not ack["repeated"] and len(ack["receipt"]) == 64 for ack in receipts)
    assert len({ack["receipt"] for ack in receipts}) == 3

    retry = voters[2].call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": "c2"})
    assert retry == {"ok": True, "receipt": receipts[2]["receipt"], "repeated": True}

    tally = host.wait_for("tally", lambda t: t["seq"] == 3)
    assert tally["counts"][str(yes)] == 2 and tally["counts"][str(no)] == 1

    closed = host.call("poll_close", {"poll_id": poll["id"]})["result"]
    assert closed["result"] == "passed" and closed["winners"] == [yes]
    assert closed["rule"] == "more_yes_than_no" and closed["present"] == 3 and closed["quorum_met"]
    assert sorted(b["participant"]["id"] for b in closed["ballots"]) == sorted(g.id for g in room.guests)
    assert voters[0].wait_for("poll_closed")["counts"] == {str(yes): 2, str(no): 1, str(option(poll, "弃权")): 0}

    late = joined(phones, room.resident, checked_in=True)
    refused = late.call("vote_cast", {"poll_id": poll["id"], "choices": [no], "key": "late"})
    assert refused["ok"] is False and refused["error"] == "poll_closed"
    assert host.call("poll_close", {"poll_id": poll["id"]})["error"] == "poll_closed"
    assert db.session.scalar(select(db.func.count(Ballot.id))) == 3


def test_only_checked_in_residents_vote(host, phones, room):
    poll = open_poll(host, phones, room)
    payload = {"poll_id": poll["id"], "choices": [option(poll, "赞成")], "key": "k"}
    assert joined(phones, room.guests[1]).call("vote_cast", payload)["error"] == "not_checked_in"
    assert joined(phones, room.department, checked_in=True).call("vote_cast", payload)["error"] == "not_voter"
    assert joined(phones, room.other_guest).call("join", {"meeting_id": room.meeting.id})["error"] == "forbidden"


def test_the_host_records_the_vote_of_a_resident_without_a_phone(host, phones, room):
    poll = open_poll(host, phones, room)
    host.call("check_in_for", {"participant_id": room.guests[2].id})
    ack = host.call(
        "vote_assist",
        {"poll_id": poll["id"], "participant_id": room.guests[2].id, "choices": [option(poll, "反对")], "key": "paper-1"},
    )
    assert ack["ok"] and not ack["repeated"]
    ballot = db.session.scalar(select(Ballot))
    assert ballot.invitation_id == room.guests[2].id and ballot.assisted_by_id == room.meeting.host_id
    mine = joined(phones, room.guests[2]).call("snapshot")["snapshot"]["me"]["ballots"]
    assert mine == [{"poll_id": poll["id"], "receipt": ack["receipt"], "assisted": True}]


def test_multiple_choice_polls_respect_the_minimum_and_maximum(host, phones, room):
    proposer = joined(phones, room.guests[0], checked_in=True)
    motion_id = proposer.call("motion_propose", {"text": "选择停车时段"})["motion_id"]
    joined(phones, room.organization).call("motion_second", {"motion_id": motion_id})
    ack = host.call(
        "poll_open",
        {"motion_id": motion_id, "kind": "multiple", "options": ["早", "中", "晚"], "min_choices": 1, "max_choices": 2},
    )
    poll = host.call("snapshot")["snapshot"]["polls"][0]
    early, noon, late = (o["id"] for o in poll["options"])
    def cast(choices, key):
        return proposer.call("vote_cast", {"poll_id": ack["poll_id"], "choices": choices, "key": key})

    assert cast([], "k1")["error"] == "bad_choices"
    assert cast([early, noon, late], "k2")["error"] == "bad_choices"
    assert cast([early, early], "k3")["error"] == "bad_choices"
    assert cast([early, 999999], "k4")["error"] == "bad_choices"
    assert cast([early, late], "k5")["ok"]
    closed = host.call("poll_close", {"poll_id": ack["poll_id"]})["result"]
    assert closed["counts"] == {str(early): 1, str(noon): 0, str(late): 1}
    assert closed["winners"] == [early, late]  # each chosen by more than half of the ballots


class _Option:
    def __init__(self, id, code=None):
        self.id, self.code = id, code


class _Poll:
    def __init__(self, rule, quorum=0, kind="yes_no"):
        self.id, self.rule, self.quorum, self.kind = 1, rule, quorum, kind
        self.options = [_Option(1, "yes"), _Option(2, "no"), _Option(3, "abstain")]


@pytest.mark.parametrize(
    "rule, yes, no, abstain, present, passed",
    [
        ("more_yes_than_no", 3, 2, 5, 10, True),
        ("more_yes_than_no", 2, 2, 0, 10, False),
        ("two_thirds_cast", 4, 2, 9, 15, True),  # abstentions are not votes cast
        ("two_thirds_cast", 3, 2, 0, 15, False),
        ("majority_present", 6, 0, 0, 11, True),
        ("majority_present", 5, 0, 0, 10, False),
    ],
)
def test_the_rule_decides_not_the_host(rule, yes, no, abstain, present, passed):
    outcome = judge(_Poll(rule), {1: yes, 2: no, 3: abstain}, yes + no + abstain, present)
    assert (outcome.outcome == "passed") is passed


def test_without_quorum_nothing_passes():
    outcome = judge(_Poll("more_yes_than_no", quorum=5), {1: 4, 2: 0, 3: 0}, 4, 4)
    assert (outcome.outcome, outcome.winners, outcome.quorum_met, outcome.present) == ("no_quorum", (), False, 4)


def test_secret_ballots_are_stored_so_that_who_and_what_cannot_be_rejoined(host, phones, room):
    voters_table, votes_table = SecretVoter.__table__, SecretVote.__table__
    assert not [fk for fk in votes_table.foreign_keys if fk.column.table is voters_table]
    assert not [fk for fk in voters_table.foreign_keys if fk.column.table is votes_table]
    assert set(voters_table.c.keys()) & set(votes_table.c.keys()) == {"id", "poll_id"}
    for table in (voters_table, votes_table):
        assert not any(isinstance(column.type, DateTime) for column in table.c)
        assert table.c.id.autoincrement is not True and table.c.id.type.python_type is str

    poll = open_poll(host, phones, room, secret=True)
    choices = [option(poll, "赞成"), option(poll, "反对"), option(poll, "赞成")]
    acks = [
        joined(phones, guest, checked_in=True).call("vote_cast", {"poll_id": poll["id"], "choices": [c], "key": "k"})
        for guest, c in zip(room.guests, choices)
    ]
    ids_before = set(db.session.scalars(select(SecretVote.id)))
    assert not db.session.scalar(select(db.func.count(Ballot.id)))

    closed = host.call("poll_close", {"poll_id": poll["id"]})["result"]
    assert "ballots" not in closed
    assert sorted(r["receipt"] for r in closed["receipts"]) == sorted(a["receipt"] for a in acks)
    db.session.expire_all()
    assert db.session.get(Poll, poll["id"]).receipt_key is None  # receipts can no longer be recomputed
    assert set(db.session.scalars(select(SecretVote.id))).isdisjoint(ids_before)  # rewritten at the close
    assert db.session.scalar(select(db.func.count()).select_from(SecretVoter)) == 3
    if db.engine.dialect.name == "sqlite":
        assert "WITHOUT ROWID" in db.session.execute(
            db.text("SELECT sql FROM sqlite_master WHERE name = 'live_secret_votes'")
        ).scalar()

    watcher = phones(room.meeting.watch_token)
    seen = watcher.join()["polls"][0]
    assert seen["result"]["counts"] == {str(option(poll, "赞成")): 2, str(option(poll, "反对")): 1, str(option(poll, "弃权")): 0}
    assert "ballots" not in seen["result"]


def test_tallies_are_coalesced_far_below_one_broadcast_per_vote(app, world, phones, auth, client):
    from tests.live.conftest import build_room

    room = build_room(world, guests=40)
    app.config["LIVE_TALLY_WINDOW"] = 1.0
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    poll = open_poll(host, phones, room)
    yes = option(poll, "赞成")
    voters = [joined(phones, guest, checked_in=True) for guest in room.guests]

    started = time.monotonic()
    for n, voter in enumerate(voters):
        assert voter.call("vote_cast", {"poll_id": poll["id"], "choices": [yes], "key": f"k{n}"})["ok"]
    elapsed = time.monotonic() - started

    final = host.wait_for("tally", lambda t: t["seq"] == len(voters))
    assert final["counts"][str(yes)] == len(voters)
    broadcaster = app.extensions["live_tallies"]
    deadline = time.monotonic() + 10
    while broadcaster.busy(poll["id"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = broadcaster.sent[poll["id"]]
    heard = host.events("tally")
    assert [t["seq"] for t in heard] == sorted(t["seq"] for t in heard)
    # One at once, then at most one per window while votes kept coming, then the trailing one.
    assert sent <= 2 + int(elapsed / 1.0)
    assert sent < len(voters) / 4 and len(heard) < len(voters) / 4
