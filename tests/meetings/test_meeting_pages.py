"""The secretary's pages: create, schedule, invite and summon; department staff report in.

Bad input is answered with a Chinese message on the page, never a 500.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import g

from roundtable.communities.operations import create_department
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.meetings.operations import summon_department
from tests.factories import make_contacted_case, make_meeting


def _log_in_as(auth, username):
    """Log out and in as someone else. The test's app context (and its ``g``, where the
    current membership is cached) outlives requests, so the cached membership is dropped too."""
    auth.logout()
    g.pop("current_membership", None)
    auth.login(username)


def _beijing(moment) -> str:
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def _meeting_form(world, **changes):
    data = {
        "kind": "roundtable",
        "title": "西河沿街超时停车圆桌会议",
        "starts_at": _beijing(utcnow() + timedelta(days=1)),
        "duration_minutes": "60",
        "venue": "社区小广场石桌旁",
        "host_id": str(world.a.secretary.id),
        "speech_minutes": "2",
        "speeches_per_motion": "2",
        "quorum": "0",
        "majority_rule": "more_yes_than_no",
    }
    data.update(changes)
    return data


def test_a_secretary_creates_and_schedules_a_meeting_on_a_case(client, auth, world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    db.session.commit()
    auth.login("a_secretary")
    form = client.get(f"/meetings/new?case={case.id}").get_data(as_text=True)
    assert "南塘议事规则" in form

    created = client.post("/meetings/new", data=_meeting_form(world, case_ids=[str(case.id)]))
    assert created.status_code == 302
    meeting = db.session.scalar(db.select(Meeting))
    assert (meeting.speech_minutes, meeting.speeches_per_motion) == (2, 2)
    assert meeting.cases == [case]

    page = client.post(f"/meetings/{meeting.id}/schedule", follow_redirects=True).get_data(as_text=True)
    assert "会议已安排" in page
    db.session.refresh(case)
    assert case.status == "in_deliberation"


def test_a_past_time_is_refused_with_a_message(client, auth, world):
    auth.login("a_secretary")
    response = client.post("/meetings/new", data=_meeting_form(world, starts_at=_beijing(utcnow() - timedelta(days=1))))
    assert response.status_code == 400
    assert "会议时间不能早于现在" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Meeting)) is None


def test_garbage_in_the_form_gets_messages_not_a_crash(client, auth, world):
    auth.login("a_secretary")
    response = client.post(
        "/meetings/new",
        data=_meeting_form(world, starts_at="明天下午", duration_minutes="一小时", host_id="abc", case_ids=["x"]),
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(Meeting)) is None


def test_scheduling_a_meeting_with_an_uncontacted_case_explains_why(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[world.a.case])
    db.session.commit()
    auth.login("a_secretary")
    page = client.post(f"/meetings/{meeting.id}/schedule", follow_redirects=True).get_data(as_text=True)
    assert "须先联系诉求人" in page
    db.session.refresh(meeting)
    assert meeting.status == "draft"


def test_duplicate_and_unknown_invitations_through_the_page_get_a_message(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    db.session.commit()
    auth.login("a_secretary")
    url = f"/meetings/{meeting.id}/invite"
    client.post(f"{url}/resident", data={"resident-user_id": world.a.resident.id})
    again = client.post(f"{url}/resident", data={"resident-user_id": world.a.resident.id}, follow_redirects=True)
    assert "已在邀请名单中" in again.get_data(as_text=True)
    stranger = client.post(f"{url}/resident", data={"resident-user_id": world.b.resident.id}, follow_redirects=True)
    assert "只能邀请本社区登记的居民" in stranger.get_data(as_text=True)
    past = client.post(
        f"{url}/department",
        data={"department-department_id": world.department.id, "department-reply_due_at": _beijing(utcnow() - timedelta(hours=1))},
        follow_redirects=True,
    )
    assert "报到期限须是将来的时间" in past.get_data(as_text=True)
    assert client.post(f"{url}/nobody", data={}).status_code == 404
    db.session.refresh(meeting)
    assert [i.user_id for i in meeting.invitations] == [world.a.resident.id]


def test_the_meeting_page_shows_each_departments_report_in_state(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    summons = summon_department(meeting, world.department.id, utcnow() + timedelta(hours=4))
    db.session.commit()
    auth.login("traffic_staff")
    inbox = client.get("/summons").get_data(as_text=True)
    assert meeting.title in inbox and "待报到" in inbox
    client.post(f"/summons/{summons.id}/report", data={f"r{summons.id}-attendee_names": "刘警官"})
    _log_in_as(auth, "a_secretary")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "按时报到" in page and "刘警官" in page


def test_staff_of_another_department_cannot_report_in(client, auth, world):
    other = create_department("区房管局")
    meeting = make_meeting(world.a.community, world.a.secretary)
    summons = summon_department(meeting, other.id, utcnow() + timedelta(hours=4))
    db.session.commit()
    auth.login("traffic_staff")
    assert client.post(f"/summons/{summons.id}/report", data={}).status_code == 404
    assert meeting.title not in client.get("/summons").get_data(as_text=True)
    db.session.refresh(summons)
    assert summons.reported_at is None


def test_department_figures_are_shown_to_its_staff_and_to_summoning_secretaries_only(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    summon_department(meeting, world.department.id, utcnow() + timedelta(hours=4))
    db.session.commit()
    url = f"/departments/{world.department.id}/response"
    for username, status in (("traffic_staff", 200), ("a_secretary", 200), ("b_secretary", 404), ("a_resident", 404)):
        _log_in_as(auth, username)
        assert client.get(url).status_code == status, username


def test_cancelling_through_the_page_needs_a_reason(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary, status="scheduled")
    db.session.commit()
    auth.login("a_secretary")
    empty = client.post(f"/meetings/{meeting.id}/cancel", data={"reason": ""})
    assert empty.status_code == 400 and "请填写取消原因" in empty.get_data(as_text=True)
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "暴雨"})
    db.session.refresh(meeting)
    assert meeting.status == "cancelled"


def test_auditors_read_but_do_not_change_meetings(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    db.session.commit()
    auth.login("a_auditor")
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.post(f"/meetings/{meeting.id}/schedule").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403


def test_the_edit_form_shows_the_time_in_beijing_and_saves_changes(client, auth, world):
    case = make_contacted_case(world.a.community, world.a.secretary)
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[case])
    db.session.commit()
    auth.login("a_secretary")
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert f'value="{_beijing(meeting.starts_at)}"' in page
    assert re.search(rf'<input checked[^>]*name="case_ids"[^>]*value="{case.id}"', page), "the linked case is ticked"
    saved = client.post(f"/meetings/{meeting.id}/edit", data=_meeting_form(world, title="改期后的圆桌会议", case_ids=[str(case.id)]))
    assert saved.status_code == 302
    db.session.refresh(meeting)
    assert meeting.title == "改期后的圆桌会议" and meeting.cases == [case]


def test_a_scheduled_meeting_page_leads_the_host_to_the_live_console(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary, cases=[], status="scheduled")
    db.session.commit()
    auth.login("a_secretary")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/console" in page
    auth.logout()
    auth.login("a_auditor")
    assert f"/meetings/{meeting.id}/console" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
