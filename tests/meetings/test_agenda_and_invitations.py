"""The secretary builds the agenda and the invitation list; 吹哨 summons a department to report in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from roundtable.communities.operations import add_department_member, create_department
from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.operations import (
    AgendaFields,
    add_agenda_item,
    invite_guest,
    invite_organization,
    invite_resident,
    move_agenda_item,
    remove_agenda_item,
    report_in,
    summon_department,
    transition_meeting,
    update_agenda_item,
)
from roundtable.notifications.models import Notification
from tests.factories import make_contacted_case, make_meeting, make_user


def _titles(meeting):
    return [item.title for item in sorted(meeting.agenda_items, key=lambda i: i.position)]


def test_agenda_items_can_be_added_reordered_edited_and_removed(world):
    meeting = make_meeting(world.a.community, world.a.secretary, agenda=("情况介绍", "各方发言", "形成共识"))
    items = sorted(meeting.agenda_items, key=lambda i: i.position)

    move_agenda_item(items[2], "up")
    assert _titles(meeting) == ["情况介绍", "形成共识", "各方发言"]
    with pytest.raises(OperationError, match="已经是第一项"):
        move_agenda_item(items[0], "up")

    update_agenda_item(items[1], AgendaFields(title="居民发言", minutes=20))
    remove_agenda_item(items[0])
    assert _titles(meeting) == ["形成共识", "居民发言"]
    assert [i.position for i in sorted(meeting.agenda_items, key=lambda i: i.position)] == [1, 2]


def test_an_agenda_item_may_name_only_a_case_of_this_meeting(world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    other = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case])
    assert add_agenda_item(meeting, AgendaFields(title="超时停车", case_id=case.id)).case_id == case.id
    with pytest.raises(OperationError, match="只能关联本会议的工单"):
        add_agenda_item(meeting, AgendaFields(title="别的事", case_id=other.id))


def test_the_agenda_is_frozen_once_the_meeting_is_live(world):
    meeting = make_meeting(world.a.community, world.a.secretary, status="scheduled")
    transition_meeting(meeting, "live", world.a.secretary)
    with pytest.raises(OperationError, match="进行中"):
        add_agenda_item(meeting, AgendaFields(title="临时动议"))
    with pytest.raises(OperationError, match="进行中"):
        move_agenda_item(meeting.agenda_items[0], "down")


def test_inviting_a_resident_with_an_account_puts_a_notice_in_their_inbox(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    invitation = invite_resident(meeting, world.a.resident.id)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world.a.resident.id))
    assert notice is not None and notice.shown_title == f"会议邀请:{meeting.title}"
    assert notice.link == f"/j/{invitation.token}"


def test_duplicate_and_unknown_invitees_are_refused(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    invite_resident(meeting, world.a.resident.id)
    with pytest.raises(OperationError, match="已在邀请名单中"):
        invite_resident(meeting, world.a.resident.id)
    with pytest.raises(OperationError, match="只能邀请本社区登记的居民"):
        invite_resident(meeting, world.b.resident.id)
    with pytest.raises(OperationError, match="只能邀请本社区登记的居民"):
        invite_resident(meeting, 999999)

    invite_guest(meeting, "赵大爷", "138 0000 1111")
    with pytest.raises(OperationError, match=r"138\*\*\*\*1111"):
        invite_guest(meeting, "赵大爷的儿子", "13800001111")
    with pytest.raises(OperationError, match="电话号码无效"):
        invite_guest(meeting, "钱阿姨", "12ab")

    invite_organization(meeting, world.a.organization.id)
    with pytest.raises(OperationError, match="已在邀请名单中"):
        invite_organization(meeting, world.a.organization.id)
    with pytest.raises(OperationError, match="所选单位不存在"):
        invite_organization(meeting, world.b.organization.id)

    due = utcnow() + timedelta(hours=2)
    summon_department(meeting, world.department.id, due)
    with pytest.raises(OperationError, match="已向区交通支队吹哨"):
        summon_department(meeting, world.department.id, due)
    with pytest.raises(OperationError, match="所选部门不存在"):
        summon_department(meeting, 999999, due)
    assert len(meeting.invitations) == 4


def test_a_summons_needs_a_deadline_between_now_and_the_meeting(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    with pytest.raises(OperationError, match="将来的时间"):
        summon_department(meeting, world.department.id, utcnow() - timedelta(minutes=1))
    with pytest.raises(OperationError, match="不能晚于会议开始时间"):
        summon_department(meeting, world.department.id, meeting.starts_at + timedelta(hours=1))
    assert meeting.invitations == []


def test_summoning_tells_every_member_of_the_department(world):
    colleague = make_user("traffic_colleague")
    add_department_member(colleague, world.department)
    meeting = make_meeting(world.a.community, world.a.secretary)
    summon_department(meeting, world.department.id, utcnow() + timedelta(hours=3))
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.department_staff.id, colleague.id}


def test_department_staff_report_in_only_for_their_own_department(world):
    housing = create_department("区房管局")
    meeting = make_meeting(world.a.community, world.a.secretary)
    traffic = summon_department(meeting, world.department.id, utcnow() + timedelta(hours=3))
    housing_summons = summon_department(meeting, housing.id, utcnow() + timedelta(hours=3))

    with pytest.raises(OperationError, match="只能为本部门报到"):
        report_in(housing_summons, world.department_staff)
    assert housing_summons.reported_at is None

    report_in(traffic, world.department_staff, "刘警官、王警官")
    assert traffic.reported_by_id == world.department_staff.id
    assert traffic.attendee_names == "刘警官、王警官"
    assert traffic.report_in_state() == "on_time"


def test_late_and_missing_report_ins_are_told_apart(world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    summons = summon_department(meeting, world.department.id, utcnow() + timedelta(hours=3))
    assert summons.report_in_state() == "waiting"
    after_deadline = summons.reply_due_at + timedelta(minutes=1)
    assert summons.report_in_state(after_deadline) == "missing"

    summons.reply_due_at = utcnow() - timedelta(minutes=5)  # the deadline passed before anyone answered
    report_in(summons, world.department_staff)
    assert summons.report_in_state() == "late"


def test_invitations_close_when_the_meeting_goes_live(world):
    meeting = make_meeting(world.a.community, world.a.secretary, status="scheduled")
    transition_meeting(meeting, "live", world.a.secretary)
    with pytest.raises(OperationError, match="不能再发出邀请"):
        invite_guest(meeting, "孙大姐", "13900002222")
