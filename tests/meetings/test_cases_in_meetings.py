"""Scheduling a meeting puts its cases into deliberation; cancelling gives them back.

A case can need several meetings (a road took three coordination meetings), so
a case stays in deliberation while any scheduled meeting still holds it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from roundtable.cases.operations import change_status
from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.meetings.operations import MeetingFields, transition_meeting, update_meeting
from roundtable.meetings.queries import meeting_series, meetings_for_case
from tests.factories import make_case, make_contacted_case, make_meeting


def test_scheduling_moves_linked_cases_into_deliberation_with_a_timeline_entry(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case])
    assert case.status == "contacted", "a draft meeting does not touch its cases"

    transition_meeting(meeting, "scheduled", world.a.secretary)

    assert case.status == "in_deliberation"
    event = case.events[-1]
    assert (event.from_status, event.to_status) == ("contacted", "in_deliberation")
    assert event.data["meeting_id"] == meeting.id
    assert meeting.title in event.note


def test_cancelling_gives_cases_back_their_earlier_status(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case], status="scheduled")

    transition_meeting(meeting, "cancelled", world.a.secretary, "下雨改期")

    assert case.status == "contacted"
    assert "下雨改期" in case.events[-1].note


def test_a_case_stays_in_deliberation_while_another_meeting_still_holds_it(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    first = make_meeting(world.a.community, world.a.secretary, cases=[case], status="scheduled")
    second = make_meeting(world.a.community, world.a.secretary, cases=[case], status="scheduled", title="第二次协调会")

    transition_meeting(first, "cancelled", world.a.secretary, "合并到第二次")
    assert case.status == "in_deliberation"

    transition_meeting(second, "cancelled", world.a.secretary, "问题已另行解决")
    assert case.status == "contacted", "the last meeting to let go restores the status before the first"


def test_a_received_case_cannot_be_scheduled_and_the_message_says_what_to_do(world):
    ready = make_contacted_case(world.a.community, world.a.secretary)
    fresh = make_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[ready, fresh])

    with pytest.raises(OperationError) as refused:
        transition_meeting(meeting, "scheduled", world.a.secretary)

    assert fresh.external_number in refused.value.message
    assert "须先联系诉求人" in refused.value.message
    assert ready.external_number not in refused.value.message
    assert meeting.status == "draft"
    assert ready.status == "contacted", "nothing moved because one case was not ready"


def test_a_case_already_being_acted_on_is_refused_with_its_status(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    change_status(case, "in_progress", world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case])
    with pytest.raises(OperationError, match="办理中"):
        transition_meeting(meeting, "scheduled", world.a.secretary)


def test_going_back_to_draft_lets_the_cases_go(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case], status="scheduled")
    transition_meeting(meeting, "draft", world.a.secretary)
    assert case.status == "contacted"


def _fields_of(meeting, **changes):
    values = dict(
        title=meeting.title,
        starts_at=meeting.starts_at,
        host_id=meeting.host_id,
        venue=meeting.venue,
        case_ids=[c.id for c in meeting.cases],
        previous_meeting_id=meeting.previous_meeting_id,
    )
    values.update(changes)
    return MeetingFields(**values)


def test_editing_a_scheduled_meeting_moves_added_and_removed_cases_at_once(world):
    kept = make_contacted_case(world.a.community, world.a.secretary)
    dropped = make_contacted_case(world.a.community, world.a.secretary)
    added = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[kept, dropped], status="scheduled")

    update_meeting(meeting, _fields_of(meeting, case_ids=[kept.id, added.id]), world.a.secretary)

    assert (kept.status, dropped.status, added.status) == ("in_deliberation", "contacted", "in_deliberation")


def test_a_case_of_another_community_cannot_be_linked(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    with pytest.raises(OperationError, match="所选工单不存在"):
        update_meeting(meeting, _fields_of(meeting, case_ids=[world.b.case.id]), world.a.secretary)
    assert meeting.cases == []


def test_a_case_that_takes_several_meetings_lists_them_in_order(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    later = utcnow() + timedelta(days=8)
    first = make_meeting(world.a.community, world.a.secretary, cases=[case], title="第一次协调会")
    third = make_meeting(world.a.community, world.a.secretary, cases=[case], title="第三次协调会", starts_at=later)
    second = make_meeting(
        world.a.community, world.a.secretary, cases=[case], title="第二次协调会",
        starts_at=utcnow() + timedelta(days=4), previous_meeting_id=first.id,
    )
    update_meeting(third, _fields_of(third, previous_meeting_id=second.id), world.a.secretary)

    assert [m.title for m in meetings_for_case(case)] == ["第一次协调会", "第二次协调会", "第三次协调会"]
    assert [m.title for m in meeting_series(second)] == ["第一次协调会", "第二次协调会", "第三次协调会"]


def test_a_meeting_cannot_follow_itself_or_a_later_meeting(world):
    first = make_meeting(world.a.community, world.a.secretary, title="第一次")
    second = make_meeting(world.a.community, world.a.secretary, title="第二次", previous_meeting_id=first.id)
    with pytest.raises(OperationError, match="上一次会议不能是本会议或本会议之后"):
        update_meeting(first, _fields_of(first, previous_meeting_id=second.id), world.a.secretary)
    with pytest.raises(OperationError, match="上一次会议不能是本会议"):
        update_meeting(first, _fields_of(first, previous_meeting_id=first.id), world.a.secretary)
