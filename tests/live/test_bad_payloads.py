"""Whatever a phone sends, it gets an answer, and the server log stays free of exceptions."""
from __future__ import annotations

import logging

import pytest

from tests.live.conftest import joined

HUGE = "议" * 20_000
NOT_OBJECTS = ["text", 5, [1, 2], True]

# For each event: payloads with missing fields, wrong types, unknown ids, huge text.
BAD = {
    "join": [{"meeting_id": "1"}, {"meeting_id": True}, {"meeting_id": 10**12}, {"meeting_id": 987654}],
    "position_post": [
        {},
        {"stance": "support"},
        {"stance": "angry", "text": "x"},
        {"stance": "support", "text": 12},
        {"stance": "support", "text": "   "},
        {"stance": "support", "text": HUGE},
        {"stance": ["support"], "text": "x"},
    ],
    "motion_propose": [{}, {"text": None}, {"text": HUGE}, {"text": {"a": 1}}],
    "motion_second": [{}, {"motion_id": "one"}, {"motion_id": 987654}, {"motion_id": 1.5}],
    "vote_cast": [
        {},
        {"poll_id": 987654, "choices": [1], "key": "k"},
        {"poll_id": 1, "choices": "1", "key": "k"},
        {"poll_id": 1, "choices": ["a"], "key": "k"},
        {"poll_id": 1, "choices": list(range(10_000)), "key": "k"},
        {"poll_id": 1, "choices": [1], "key": HUGE},
        {"poll_id": 1, "choices": [1]},
    ],
    "agenda_advance": [{"item_id": "next"}, {"item_id": 987654}],
    "speaker_grant": [{"request_id": "x"}, {"request_id": 987654}],
    "position_hide": [{}, {"position_id": 987654}, {"position_id": [1]}],
    "check_in_for": [{}, {"participant_id": 987654}, {"participant_id": "me"}],
    "poll_open": [
        {},
        {"motion_id": 987654, "kind": "yes_no"},
        {"motion_id": 1, "kind": "ranked"},
        {"motion_id": 1, "kind": "single", "options": "a,b"},
        {"motion_id": 1, "kind": "single", "options": [HUGE, "b"]},
        {"motion_id": 1, "kind": "multiple", "options": ["a"] * 500},
        {"motion_id": 1, "kind": "yes_no", "secret": "yes"},
    ],
    "poll_close": [{}, {"poll_id": 987654}, {"poll_id": None}],
    "vote_assist": [{}, {"poll_id": 1, "participant_id": 987654, "choices": [1], "key": "k"}],
    "meeting_adjourn": [{"note": HUGE}, {"note": 5}],
}


@pytest.fixture
def seconded_motion(phones, room):
    proposer = joined(phones, room.guests[0], checked_in=True)
    motion_id = proposer.call("motion_propose", {"text": "实行夜间错时停车"})["motion_id"]
    joined(phones, room.department).call("motion_second", {"motion_id": motion_id})
    return proposer


def test_every_bad_payload_gets_a_refusal_and_no_exception_in_the_log(host, phones, room, seconded_motion, caplog):
    caplog.set_level(logging.WARNING)
    resident = seconded_motion
    answers = []
    for event, payloads in BAD.items():
        phone = host if event in ("agenda_advance", "speaker_grant", "position_hide", "check_in_for",
                                  "poll_open", "poll_close", "vote_assist", "meeting_adjourn") else resident
        for payload in payloads + NOT_OBJECTS:
            ack = phone.call(event, payload)
            answers.append((event, payload if len(str(payload)) < 80 else "<huge>", ack))

    wrong = [(event, payload, ack) for event, payload, ack in answers
             if not (isinstance(ack, dict) and ack.get("ok") is False and ack.get("error") in ("invalid", "too_large", "not_found", "bad_choices"))]
    assert not wrong
    assert all(ack["message"] for _, _, ack in answers)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert resident.connected and host.connected
    # and the room still works afterwards
    assert resident.call("position_post", {"stance": "neutral", "text": "还可以发言"})["ok"]


def test_an_event_without_any_payload_is_answered(phones, room):
    resident = joined(phones, room.guests[0])
    assert resident.call("motion_second")["error"] == "invalid"
    assert resident.call("check_in") == {"ok": True}


def test_a_database_too_busy_to_answer_asks_the_phone_to_retry(host, phones, room, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from roundtable.live import operations

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE live_polls ...", {}, Exception("database is locked"))

    monkeypatch.setattr(operations, "raise_hand", locked)
    host.call("agenda_advance")
    resident = joined(phones, room.guests[0])
    assert resident.call("hand_raise", {"stance": "support"})["error"] == "busy"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    monkeypatch.undo()
    assert resident.call("hand_raise", {"stance": "support"})["ok"]
