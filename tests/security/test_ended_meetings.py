"""Bearer links of a cancelled or concluded meeting no longer open its room; an adjourned one's still do."""
from __future__ import annotations

import pytest

from roundtable.extensions import db


def _set_status(room, status):
    room.meeting.status = status
    db.session.commit()


@pytest.mark.parametrize("status", ["cancelled", "concluded"])
def test_invitation_and_watch_tokens_of_an_ended_meeting_are_refused(app, phones, room, status):
    _set_status(room, status)
    for token in (room.guests[0].token, room.meeting.watch_token):
        phone = phones(token)
        ack = phone.call("join", {})
        assert ack["ok"] is False and ack["error"] == "meeting_ended", ack
        assert "snapshot" not in ack


def test_a_phone_in_the_room_when_the_meeting_ends_cannot_join_again(app, phones, room):
    phone = phones(room.guests[0].token)
    assert phone.call("join", {})["ok"]
    _set_status(room, "concluded")
    assert phone.call("join", {})["error"] == "meeting_ended"
    assert phone.call("check_in", {})["ok"] is False


def test_adjourned_meetings_may_be_rejoined_and_hosts_still_see_ended_ones(app, phones, room, auth, client):
    _set_status(room, "adjourned")
    assert phones(room.guests[0].token).call("join", {})["ok"]
    assert phones(room.meeting.watch_token).call("join", {})["ok"]
    _set_status(room, "concluded")
    auth.login("a_secretary")
    assert phones(flask_client=client).call("join", {"meeting_id": room.meeting.id})["ok"]


def test_a_token_whose_meeting_is_gone_gets_meeting_ended(app, phones, room):
    phone = phones(room.meeting.watch_token)
    assert phone.call("join", {})["ok"]
    from roundtable.live import events

    original = events.watched_meeting_id
    events.watched_meeting_id = lambda credential: None  # the meeting row deleted meanwhile
    try:
        ack = phone.call("join", {})
    finally:
        events.watched_meeting_id = original
    assert ack["error"] == "meeting_ended"
