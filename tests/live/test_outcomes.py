"""What the room hears when things end: the motion's state on close, and a start that is too early."""
from __future__ import annotations

from datetime import timedelta

from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.live.conftest import joined


def test_closing_a_poll_tells_the_room_the_motion_is_decided(host, phones, room):
    proposer = joined(phones, room.guests[0], checked_in=True)
    motion_id = proposer.call("motion_propose", {"text": "实行夜间错时停车"})["motion_id"]
    joined(phones, room.guests[1]).call("motion_second", {"motion_id": motion_id})
    poll_id = host.call("poll_open", {"motion_id": motion_id, "kind": "yes_no"})["poll_id"]
    watcher = phones(room.meeting.watch_token)
    watcher.join()
    assert host.call("poll_close", {"poll_id": poll_id})["ok"]
    closed = watcher.wait_for("poll_closed")
    assert closed["result"] == "failed" and closed["rule"] == "more_yes_than_no" and closed["present"] == 1
    assert watcher.wait_for("motion", lambda m: m["id"] == motion_id)["state"] == "decided"


def test_starting_more_than_an_hour_early_needs_a_confirmation(host, room):
    room.meeting.status = "scheduled"
    room.meeting.starts_at = utcnow() + timedelta(hours=3)
    db.session.commit()
    refused = host.call("meeting_start")
    assert refused["error"] == "early_start"
    assert "一个多小时" in refused["message"]
    db.session.expire_all()
    assert room.meeting.status == "scheduled"
    assert host.call("meeting_start", {"early": True})["ok"]
    db.session.expire_all()
    assert room.meeting.status == "live"


def test_starting_within_the_hour_needs_no_confirmation(host, room):
    room.meeting.status = "scheduled"
    room.meeting.starts_at = utcnow() + timedelta(minutes=50)
    db.session.commit()
    assert host.call("meeting_start")["ok"]
