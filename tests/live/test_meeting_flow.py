"""A meeting as the host runs it: agenda, speakers, positions, motions, and who may do what."""
from __future__ import annotations

from datetime import datetime

import pytest

from roundtable.extensions import db
from roundtable.live.models import Position
from tests.live.conftest import build_room, joined

HOST_ONLY = {
    "meeting_start": {},
    "meeting_adjourn": {},
    "meeting_conclude": {},
    "agenda_advance": {},
    "speaker_grant": {},
    "speaker_done": {},
    "position_hide": {"position_id": 1},
    "check_in_for": {"participant_id": 1},
    "poll_open": {"motion_id": 1, "kind": "yes_no"},
    "poll_close": {"poll_id": 1},
    "vote_assist": {"poll_id": 1, "participant_id": 1, "choices": [1], "key": "k"},
}


def test_a_resident_sending_every_host_event_succeeds_at_none(phones, room):
    resident = joined(phones, room.guests[0], checked_in=True)
    answers = {event: resident.call(event, payload) for event, payload in HOST_ONLY.items()}
    assert {event: ack["error"] for event, ack in answers.items()} == {event: "forbidden" for event in HOST_ONLY}
    assert not any(ack["ok"] for ack in answers.values())


def test_the_host_opens_advances_and_closes_the_agenda_and_everyone_hears_it(host, phones, room):
    resident = joined(phones, room.guests[0])

    first = host.call("agenda_advance")
    assert first == {"ok": True, "current_item_id": room.items[0].id}
    agenda = resident.wait_for("agenda")
    assert agenda["current_item_id"] == room.items[0].id
    assert [item["state"] for item in agenda["agenda"]] == ["open", "pending"]

    assert host.call("agenda_advance")["current_item_id"] == room.items[1].id
    assert host.call("agenda_advance") == {"ok": True, "current_item_id": None}
    last = resident.wait_for("agenda", lambda a: a["current_item_id"] is None)
    assert [item["state"] for item in last["agenda"]] == ["closed", "closed"]
    assert host.call("agenda_advance")["error"] == "no_open_item"


def test_first_time_speakers_go_before_repeat_speakers(host, phones, room):
    host.call("agenda_advance")
    zhang, li, wang = (joined(phones, guest) for guest in room.guests)
    assert zhang.call("hand_raise", {"stance": "support"})["ok"]
    speech = host.call("speaker_grant")["speaker"]
    assert speech["participant"]["id"] == room.guests[0].id
    assert host.call("speaker_done")["ok"]

    zhang.call("hand_raise", {"stance": "support"})  # wants to speak again, before the others asked
    li.call("hand_raise", {"stance": "support"})
    wang.call("hand_raise", {"stance": "support"})
    queue = host.call("snapshot")["snapshot"]["queue"]
    assert [entry["participant"]["id"] for entry in queue] == [room.guests[1].id, room.guests[2].id, room.guests[0].id]
    assert [entry["spoken"] for entry in queue] == [0, 0, 1]


def test_a_speech_ends_after_the_meeting_s_speech_minutes(host, phones, room):
    host.call("agenda_advance")
    speaker = joined(phones, room.guests[0])
    speaker.call("hand_raise", {"stance": "support"})
    host.call("speaker_grant")
    heard = speaker.wait_for("queue", lambda q: q["speaker"] is not None)["speaker"]
    started = datetime.fromisoformat(heard["started_at"])
    ends = datetime.fromisoformat(heard["ends_at"])
    assert (ends - started).total_seconds() == room.meeting.speech_minutes * 60
    assert host.call("speaker_grant")["error"] in ("speaker_active", "queue_empty")


def test_nobody_speaks_more_often_than_the_rules_allow(host, phones, room):
    host.call("agenda_advance")
    talker = joined(phones, room.guests[0])
    for _ in range(room.meeting.speeches_per_motion):
        assert talker.call("hand_raise", {"stance": "support"})["ok"]
        assert host.call("speaker_grant")["ok"]
        assert host.call("speaker_done")["ok"]
    refused = talker.call("hand_raise", {"stance": "support"})
    assert refused["error"] == "speech_limit"
    assert "2次" in refused["message"]

    host.call("agenda_advance")  # a new item: a new allowance
    assert talker.call("hand_raise", {"stance": "support"})["ok"]


def test_lowering_a_hand_leaves_the_queue(host, phones, room):
    host.call("agenda_advance")
    resident = joined(phones, room.guests[0])
    resident.call("hand_raise", {"stance": "support"})
    assert resident.call("hand_lower")["ok"]
    assert host.call("snapshot")["snapshot"]["queue"] == []
    assert host.call("speaker_grant")["error"] == "queue_empty"
    assert host.call("speaker_done")["error"] == "no_speaker"


def test_positions_are_grouped_by_side_and_hidden_ones_are_kept(host, phones, room):
    host.call("agenda_advance")
    resident = joined(phones, room.guests[0])
    department = joined(phones, room.department)
    watcher = phones(room.meeting.watch_token)
    watcher.join()

    mine = resident.call("position_post", {"stance": "support", "text": "支持错时停车"})
    department.call("position_post", {"stance": "concern", "text": "需要先核实车位数量"})
    assert watcher.wait_for("position")["text"] == "支持错时停车"

    assert host.call("position_hide", {"position_id": mine["position_id"]})["ok"]
    hidden = watcher.wait_for("position", lambda p: p["hidden"] is not None)
    assert hidden["text"] is None and hidden["hidden"]["at"]

    positions = watcher.call("snapshot")["snapshot"]["positions"]
    assert [p["stance"] for p in positions["resident"]] == ["support"]
    assert [p["text"] for p in positions["department"]] == ["需要先核实车位数量"]
    stored = db.session.get(Position, mine["position_id"])
    assert stored.text == "支持错时停车" and stored.hidden_by_id == room.meeting.host_id
    host_view = host.call("snapshot")["snapshot"]["positions"]["resident"][0]
    assert host_view["text"] == "支持错时停车"


def test_a_motion_needs_a_second_from_someone_else_before_a_poll(host, phones, room):
    proposer = joined(phones, room.guests[0])
    other = joined(phones, room.organization)
    motion_id = proposer.call("motion_propose", {"text": "实行夜间错时停车"})["motion_id"]

    assert host.call("poll_open", {"motion_id": motion_id, "kind": "yes_no"})["error"] == "not_seconded"
    assert proposer.call("motion_second", {"motion_id": motion_id})["error"] == "own_motion"
    assert other.call("motion_second", {"motion_id": motion_id})["ok"]
    assert other.call("motion_second", {"motion_id": motion_id})["error"] == "conflict"
    seconded = proposer.wait_for("motion", lambda m: m["state"] == "seconded")
    assert seconded["seconder"]["id"] == room.organization.id

    assert host.call("poll_open", {"motion_id": motion_id, "kind": "yes_no"})["ok"]
    assert host.call("poll_open", {"motion_id": motion_id, "kind": "yes_no"})["error"] == "poll_exists"


def test_the_host_checks_in_a_resident_without_a_phone(host, phones, room):
    watcher = phones(room.meeting.watch_token)
    watcher.join()
    assert host.call("check_in_for", {"participant_id": room.guests[2].id})["ok"]
    presence = watcher.wait_for("presence")
    assert presence["counts"]["resident"] == 1
    assert presence["present"] == 1
    checked = [p for p in presence["sides"]["resident"] if p["checked_in"]]
    assert [p["id"] for p in checked] == [room.guests[2].id]
    assert host.call("check_in_for", {"participant_id": room.other_guest.id})["error"] == "not_found"


def test_residents_appear_by_surname_unless_they_agreed_to_be_named(phones, room):
    room.guests[1].consent_to_name = True
    db.session.commit()
    snapshot = joined(phones, room.guests[0]).call("snapshot")["snapshot"]
    names = {p["id"]: p["name"] for p in snapshot["presence"]["sides"]["resident"]}
    assert names[room.guests[0].id] == "居****"  # 居民000
    assert names[room.guests[1].id] == "居民001"
    assert snapshot["presence"]["sides"]["department"][0]["name"] == "区交通支队"


@pytest.fixture
def scheduled_room(world):
    return build_room(world, status="scheduled")


def test_the_host_starts_adjourns_and_concludes_the_meeting(app, phones, auth, client, scheduled_room):
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(scheduled_room.meeting.id)
    resident = joined(phones, scheduled_room.guests[0])

    assert resident.call("hand_raise", {"stance": "support"})["error"] == "meeting_not_live"
    assert host.call("meeting_start")["ok"]
    assert resident.wait_for("meeting")["status"] == "live"
    assert resident.call("hand_raise", {"stance": "support"})["ok"]
    assert host.call("meeting_adjourn", {"note": "午休"})["ok"]
    assert resident.wait_for("meeting", lambda m: m["status"] == "adjourned")
    assert host.call("meeting_conclude")["ok"]
    assert host.call("meeting_start")["error"] == "forbidden_transition"
