"""A secretary takes a meeting from draft to scheduled, and the live session takes it on from there.

Only the transitions in MEETING_TRANSITIONS are possible; each refusal leaves the
meeting untouched and says why in Chinese.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import MEETING_STATUS_LABELS, MEETING_TRANSITIONS
from roundtable.meetings.operations import transition_meeting
from tests.factories import make_contacted_case, make_meeting

FORBIDDEN = [
    (start, target)
    for start in MEETING_TRANSITIONS
    for target in MEETING_STATUS_LABELS
    if target not in MEETING_TRANSITIONS[start]
]


def _meeting_in(world, status):
    """Walk a meeting along allowed transitions until it is in ``status``."""
    case = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case])
    path = {
        "draft": [],
        "scheduled": ["scheduled"],
        "live": ["scheduled", "live"],
        "adjourned": ["scheduled", "live", "adjourned"],
        "concluded": ["scheduled", "live", "concluded"],
        "cancelled": ["cancelled"],
    }[status]
    for step in path:
        transition_meeting(meeting, step, world.a.secretary, "因故取消" if step == "cancelled" else "")
    assert meeting.status == status
    return meeting


@pytest.mark.parametrize("start, target", FORBIDDEN)
def test_every_transition_outside_the_lifecycle_is_refused(world, start, target):
    meeting = _meeting_in(world, start)
    with pytest.raises(OperationError) as refused:
        transition_meeting(meeting, target, world.a.secretary, "原因")
    assert "会议不能从" in refused.value.message
    assert meeting.status == start


def test_an_unknown_status_is_refused(world):
    meeting = _meeting_in(world, "draft")
    with pytest.raises(OperationError, match="未知的会议状态"):
        transition_meeting(meeting, "published", world.a.secretary)


def test_going_live_and_concluding_record_the_times(world):
    meeting = _meeting_in(world, "scheduled")
    transition_meeting(meeting, "live", world.a.secretary)
    started = meeting.started_at
    assert started is not None and meeting.ended_at is None
    transition_meeting(meeting, "adjourned", world.a.secretary)
    assert meeting.ended_at is not None
    transition_meeting(meeting, "live", world.a.secretary)
    assert meeting.started_at == started, "resuming after a break keeps the first start"
    assert meeting.ended_at is None
    transition_meeting(meeting, "concluded", world.a.secretary)
    assert meeting.ended_at >= started


def test_scheduling_needs_an_agenda_item_or_a_case(world):
    meeting = make_meeting(world.a.community, world.a.secretary, agenda=())
    with pytest.raises(OperationError, match="至少添加一项议程或关联一件工单"):
        transition_meeting(meeting, "scheduled", world.a.secretary)
    assert meeting.status == "draft"


def test_an_agenda_alone_is_enough_to_schedule(world):
    meeting = make_meeting(world.a.community, world.a.secretary, agenda=("垃圾分类驿站选址",))
    transition_meeting(meeting, "scheduled", world.a.secretary)
    assert meeting.status == "scheduled"


def test_a_meeting_whose_time_has_passed_cannot_be_scheduled(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    meeting.starts_at = utcnow() - timedelta(hours=1)
    with pytest.raises(OperationError, match="会议时间已过"):
        transition_meeting(meeting, "scheduled", world.a.secretary)
    assert meeting.status == "draft"


def test_cancelling_needs_a_reason(world):
    meeting = _meeting_in(world, "scheduled")
    with pytest.raises(OperationError, match="须填写原因"):
        transition_meeting(meeting, "cancelled", world.a.secretary, "  ")
    assert meeting.status == "scheduled"
    transition_meeting(meeting, "cancelled", world.a.secretary, "暴雨,改期")
    db.session.commit()
    assert meeting.status == "cancelled" and meeting.status_note == "暴雨,改期"
