"""Who gets into the room: tokens, logins, watchers, and nobody else."""
from __future__ import annotations

from roundtable.extensions import db
from tests.live.conftest import joined


def test_a_phone_without_a_token_or_login_is_refused(phones):
    assert not phones().connected


def test_an_unknown_token_is_refused(phones):
    assert not phones("not-a-real-token").connected


def test_an_invited_resident_joins_with_the_token_and_gets_the_whole_room(phones, room):
    phone = phones(room.guests[0].token)
    snapshot = phone.join(room.meeting.id)

    assert snapshot["protocol"] == "1"
    assert snapshot["meeting"]["id"] == room.meeting.id
    assert snapshot["meeting"]["rules"]["speeches_per_motion"] == 2
    assert [item["title"] for item in snapshot["agenda"]] == ["停车现状", "错时停车方案"]
    assert snapshot["agenda"][0]["case"]["number"].startswith("12345-")
    assert snapshot["me"]["role"] == "participant"
    assert snapshot["me"]["participant"]["id"] == room.guests[0].id
    assert snapshot["me"]["can_vote"] is True
    assert set(snapshot["presence"]["sides"]) >= {"resident", "department", "organization", "host"}


def test_a_token_of_another_meeting_never_joins_this_one(phones, room):
    phone = phones(room.other_guest.token)
    ack = phone.call("join", {"meeting_id": room.meeting.id})
    assert ack == {"ok": False, "error": "forbidden", "message": ack["message"]}


def test_a_logged_in_resident_with_an_invitation_joins_through_the_session(phones, room, auth, client):
    auth.login("a_resident")
    snapshot = phones(flask_client=client).join(room.meeting.id)
    assert snapshot["me"]["participant"]["id"] == room.resident.id
    assert snapshot["me"]["host"] is False


def test_a_logged_in_user_of_another_community_cannot_join(phones, room, auth, client):
    auth.login("b_secretary")
    ack = phones(flask_client=client).call("join", {"meeting_id": room.meeting.id})
    assert ack["error"] == "forbidden"


def test_the_secretary_joins_as_host(host, room):
    snapshot = host.call("snapshot")["snapshot"]
    assert snapshot["me"]["role"] == "host"
    assert snapshot["me"]["participant"] is None


def test_a_watcher_joins_with_the_watch_link_and_can_do_nothing(phones, room):
    watcher = phones(room.meeting.watch_token)
    snapshot = watcher.join()
    assert snapshot["me"]["role"] == "watcher"
    assert watcher.call("hand_raise", {"stance": "support"})["error"] == "forbidden"
    assert watcher.call("check_in")["error"] == "forbidden"
    assert watcher.call("position_post", {"stance": "support", "text": "支持"})["error"] == "forbidden"


def test_events_before_joining_are_refused(phones, room):
    phone = phones(room.guests[0].token)
    assert phone.call("hand_raise", {"stance": "support"})["error"] == "not_joined"


def test_a_removed_invitation_loses_the_room_at_the_next_event(phones, room, monkeypatch):
    from roundtable.live import registry

    monkeypatch.setattr(registry, "_drop_quietly", lambda *_args: None)  # before the disconnect arrives
    phone = joined(phones, room.guests[0])
    db.session.delete(room.guests[0])
    db.session.commit()
    assert phone.call("hand_raise", {"stance": "support"})["error"] == "forbidden"


def test_a_reconnecting_phone_gets_the_same_state_back(phones, room):
    phone = joined(phones, room.guests[0], checked_in=True)
    assert phone.call("hand_raise", {"stance": "support"})["ok"]
    phone.disconnect()

    again = joined(phones, room.guests[0])
    snapshot = again.call("snapshot")["snapshot"]
    assert snapshot["me"]["checked_in"] is True
    assert [entry["participant"]["id"] for entry in snapshot["queue"]] == [room.guests[0].id]
