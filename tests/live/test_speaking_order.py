"""南塘议事规则 in the queue: stance first, for and against in turn, first-timers first, the limit, the host's override."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.audit.models import AuditEntry
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live.models import SpeakingRequest
from roundtable.meetings.models import Invitation
from tests.live.conftest import joined


def order(host) -> list[tuple[int, str]]:
    return [(e["participant"]["id"], e["stance"]) for e in host.call("snapshot")["snapshot"]["queue"]]


def speak(host, request_id=None, reason=None):
    payload = {}
    if request_id is not None:
        payload["request_id"] = request_id
    if reason is not None:
        payload["reason"] = reason
    ack = host.call("speaker_grant", payload)
    assert ack["ok"], ack
    assert host.call("speaker_done")["ok"]
    return ack["speaker"]


def test_a_raised_hand_must_state_its_stance(host, phones, room):
    host.call("agenda_advance")
    resident = joined(phones, room.guests[0])
    assert resident.call("hand_raise")["error"] == "invalid"
    assert resident.call("hand_raise", {"stance": "maybe"})["error"] == "invalid"
    assert resident.call("hand_raise", {"stance": "oppose"})["ok"]
    assert order(host) == [(room.guests[0].id, "oppose")]
    # Raising again keeps the place and takes the new stance.
    assert resident.call("hand_raise", {"stance": "other"})["ok"]
    assert order(host) == [(room.guests[0].id, "other")]


def test_for_and_against_take_turns_whatever_the_order_of_hands(host, phones, room):
    host.call("agenda_advance")
    a, b, c, d = (joined(phones, voter) for voter in room.voters)
    a.call("hand_raise", {"stance": "support"})
    b.call("hand_raise", {"stance": "support"})
    c.call("hand_raise", {"stance": "support"})
    d.call("hand_raise", {"stance": "oppose"})
    g = [voter.id for voter in room.voters]
    assert order(host) == [(g[0], "support"), (g[3], "oppose"), (g[1], "support"), (g[2], "support")]

    # After a supporter spoke, the proposal starts with the other side; a new opponent comes next.
    assert speak(host)["participant"]["id"] == g[0]
    assert order(host)[0] == (g[3], "oppose")
    assert speak(host)["participant"]["id"] == g[3]
    assert order(host) == [(g[1], "support"), (g[2], "support")]
    a.call("hand_raise", {"stance": "oppose"})
    assert order(host) == [(g[1], "support"), (g[0], "oppose"), (g[2], "support")]


def test_other_stances_take_their_turn_after_each_pair(host, phones, room):
    host.call("agenda_advance")
    a, b, c = (joined(phones, guest) for guest in room.guests)
    a.call("hand_raise", {"stance": "other"})
    b.call("hand_raise", {"stance": "oppose"})
    c.call("hand_raise", {"stance": "support"})
    g = [guest.id for guest in room.guests]
    assert order(host) == [(g[2], "support"), (g[1], "oppose"), (g[0], "other")]


def test_first_time_speakers_come_before_repeat_speakers_within_a_side(host, phones, room):
    host.call("agenda_advance")
    a, b, c = (joined(phones, guest) for guest in room.guests)
    g = [guest.id for guest in room.guests]
    a.call("hand_raise", {"stance": "support"})
    speak(host)
    c.call("hand_raise", {"stance": "oppose"})
    speak(host)
    a.call("hand_raise", {"stance": "support"})  # again, before b asked
    b.call("hand_raise", {"stance": "support"})
    queue = host.call("snapshot")["snapshot"]["queue"]
    assert [(q["participant"]["id"], q["spoken"]) for q in queue] == [(g[1], 0), (g[0], 1)]


def test_the_per_person_limit_holds_in_the_queue_too(host, phones, room):
    host.call("agenda_advance")
    talker = joined(phones, room.guests[0])
    for _ in range(room.meeting.speeches_per_motion):
        assert talker.call("hand_raise", {"stance": "oppose"})["ok"]
        speak(host)
    refused = talker.call("hand_raise", {"stance": "support"})
    assert refused["error"] == "speech_limit"
    assert order(host) == []


def test_the_host_may_pass_over_the_proposal_only_with_a_recorded_reason(host, phones, room):
    host.call("agenda_advance")
    a, b = (joined(phones, guest) for guest in room.guests[:2])
    a.call("hand_raise", {"stance": "support"})
    b.call("hand_raise", {"stance": "support"})
    queue = host.call("snapshot")["snapshot"]["queue"]
    second = queue[1]["id"]

    refused = host.call("speaker_grant", {"request_id": second})
    assert refused["error"] == "override_reason_required"
    assert host.call("speaker_grant", {"request_id": second, "reason": " "})["error"] == "invalid"
    assert host.call("speaker_grant", {"request_id": second, "reason": "长" * 201})["error"] == "invalid"
    assert host.call("snapshot")["snapshot"]["speaker"] is None

    ack = host.call("speaker_grant", {"request_id": second, "reason": "他是这栋楼的楼门长,先说明情况"})
    assert ack["ok"] and ack["speaker"]["participant"]["id"] == room.guests[1].id
    db.session.expire_all()
    granted = db.session.get(SpeakingRequest, second)
    assert granted.override_reason == "他是这栋楼的楼门长,先说明情况"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "live_speaking_requests")).all()
    assert any("楼门长" in str(entry.data) for entry in entries)

    # Granting the proposed speaker needs no reason.
    host.call("speaker_done")
    assert host.call("speaker_grant", {"request_id": queue[0]["id"]})["ok"]


def test_the_host_stays_neutral(host, phones, room, world):
    # Even a secretary who is also on the list as a resident of the street: while hosting, no sides.
    db.session.add(Invitation(meeting_id=room.meeting.id, community_id=room.meeting.community_id, kind="resident",
                              side="resident", user_id=world.a.secretary.id, checked_in_at=utcnow()))
    db.session.commit()
    host.call("agenda_advance")
    resident = joined(phones, room.guests[0], checked_in=True)
    resident.call("position_post", {"stance": "support", "text": "支持"})
    motion = resident.call("motion_propose", {"text": "划定临时车位"})["motion_id"]
    joined(phones, room.guests[1]).call("motion_second", {"motion_id": motion})
    poll = host.call("poll_open", {"motion_id": motion, "kind": "yes_no"})["poll_id"]
    options = host.call("snapshot")["snapshot"]["polls"][0]["options"]

    assert host.call("position_post", {"stance": "support", "text": "我也支持"})["error"] == "host_neutral"
    assert host.call("vote_cast", {"poll_id": poll, "choices": [options[0]["id"]], "key": "k1"})["error"] == "host_neutral"
    assert resident.call("vote_cast", {"poll_id": poll, "choices": [options[0]["id"]], "key": "k2"})["ok"]
