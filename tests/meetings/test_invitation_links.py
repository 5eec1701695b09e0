"""A resident opens the invitation link on a phone, without an account, and answers.

The token opens its own meeting only; a wrong, cancelled or long-finished one
gets a clear page instead of an error.
"""
from __future__ import annotations

from datetime import timedelta

import segno
from icalendar import Calendar

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.calendar import invitation_uid, meeting_uid
from roundtable.meetings.operations import invite_guest, transition_meeting
from roundtable.meetings.qr import join_qr, join_qr_svg
from tests.factories import make_meeting


def _guest_invitation(world, **meeting_options):
    meeting = make_meeting(world.a.community, world.a.secretary, **meeting_options)
    invitation = invite_guest(meeting, "赵淑芬", "13700001234")
    db.session.commit()
    return meeting, invitation


def test_a_guest_answers_from_the_link_and_can_change_the_answer(client, world):
    meeting, invitation = _guest_invitation(world, status="scheduled")
    page = client.get(f"/j/{invitation.token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "赵淑芬" in text and meeting.title in text and "社区小广场石桌旁" in text
    assert "13700001234" not in text

    answered = client.post(f"/j/{invitation.token}/rsvp", data={"answer": "yes"}, follow_redirects=True)
    assert "您的回复:" in answered.get_data(as_text=True)
    assert invitation.rsvp == "yes"

    client.post(f"/j/{invitation.token}/rsvp", data={"answer": "no"})
    db.session.refresh(invitation)
    assert invitation.rsvp == "no"


def test_a_made_up_answer_gets_a_message_and_changes_nothing(client, world):
    _meeting, invitation = _guest_invitation(world)
    page = client.post(f"/j/{invitation.token}/rsvp", data={"answer": "maybe"}, follow_redirects=True)
    assert "请选择参加或不参加" in page.get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.rsvp is None


def test_a_wrong_token_gets_a_clear_not_found_page(client, world):
    for token in ("nope", "x" * 40):
        page = client.get(f"/j/{token}")
        assert page.status_code == 404
        assert "找不到这个邀请" in page.get_data(as_text=True)
    garbled = client.get("/j/%00")  # refused before any lookup, for every route
    assert garbled.status_code == 400 and "无效字符" in garbled.get_data(as_text=True)
    assert client.post("/j/nope/rsvp", data={"answer": "yes"}).status_code == 404


def test_a_token_opens_its_own_meeting_and_never_another(client, world):
    first, first_invitation = _guest_invitation(world, title="第一次协调会")
    second = make_meeting(world.a.community, world.a.secretary, title="第二次协调会")
    second_invitation = invite_guest(second, "钱大爷", "13900005678")
    b_meeting = make_meeting(world.b.community, world.b.secretary, title="东河沿停车议事会")
    invite_guest(b_meeting, "孙大妈", "13600009999")
    db.session.commit()

    text = client.get(f"/j/{first_invitation.token}").get_data(as_text=True)
    assert "第一次协调会" in text and "第二次协调会" not in text and "东河沿" not in text
    client.post(f"/j/{first_invitation.token}/rsvp", data={"answer": "yes"})
    db.session.refresh(second_invitation)
    assert second_invitation.rsvp is None
    assert [i.rsvp for i in b_meeting.invitations] == [None]


def test_cancelled_and_long_finished_meetings_close_their_links(client, world):
    meeting, invitation = _guest_invitation(world, status="scheduled")
    transition_meeting(meeting, "cancelled", world.a.secretary, "改期")
    db.session.commit()
    page = client.get(f"/j/{invitation.token}")
    # Gone, not "not found": the page says the meeting was cancelled and why.
    assert page.status_code == 410 and "已经取消" in page.get_data(as_text=True) and "改期" in page.get_data(as_text=True)
    assert client.post(f"/j/{invitation.token}/rsvp", data={"answer": "yes"}).status_code == 410

    finished, old_invitation = _guest_invitation(world, status="scheduled", title="上个月的会")
    for step in ("live", "concluded"):
        transition_meeting(finished, step, world.a.secretary)
    db.session.commit()
    assert client.get(f"/j/{old_invitation.token}").status_code == 200, "still open right after the meeting"
    finished.ended_at = utcnow() - timedelta(days=30)
    db.session.commit()
    page = client.get(f"/j/{old_invitation.token}")
    assert page.status_code == 410 and "已经结束多日" in page.get_data(as_text=True)
    # The meeting's public summary stays one tap away.
    assert f"/watch/{finished.watch_token}" in page.get_data(as_text=True)
    assert client.get(f"/watch/{finished.watch_token}").status_code == 200


def test_the_invitation_calendar_file_parses_back_with_the_meeting(client, world):
    meeting, invitation = _guest_invitation(world)
    response = client.get(f"/j/{invitation.token}/calendar.ics")
    assert response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["uid"]) == invitation_uid(invitation)
    assert event.decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=meeting.duration_minutes)
    assert meeting.title in str(event["summary"])
    assert str(event["location"]) == "社区小广场石桌旁"
    assert str(event["url"]) == f"http://localhost/j/{invitation.token}"
    again = Calendar.from_ical(client.get(f"/j/{invitation.token}/calendar.ics").data).walk("VEVENT")[0]
    assert again["uid"] == event["uid"], "the UID is stable, so a re-import updates the entry"


def test_the_staff_calendar_file_has_one_stable_uid_per_meeting(client, auth, world):
    meeting = make_meeting(world.a.community, world.a.secretary)
    db.session.commit()
    auth.login("a_auditor")
    response = client.get(f"/meetings/{meeting.id}/calendar.ics")
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["uid"]) == meeting_uid(meeting)
    assert str(event["status"]) == "CONFIRMED"


def test_the_qr_code_holds_exactly_the_join_link(client, auth, world, app):
    app.config["PUBLIC_BASE_URL"] = "https://yuanzhuo.example.cn/"
    meeting, invitation = _guest_invitation(world)
    link = f"https://yuanzhuo.example.cn/j/{invitation.token}"
    assert join_qr(link).matrix == segno.make(link, error="m", micro=False).matrix

    auth.login("a_secretary")
    sheet = client.get(f"/meetings/{meeting.id}/invitations/{invitation.id}/sheet").get_data(as_text=True)
    assert link in sheet
    assert join_qr_svg(link) in sheet, "the printed QR is drawn from that very link"
    svg = client.get(f"/meetings/{meeting.id}/invitations/{invitation.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    document = svg.get_data(as_text=True)
    assert document.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in document
    from xml.etree import ElementTree

    root = ElementTree.fromstring(svg.data)  # a well-formed, stand-alone SVG document
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert join_qr_svg(link).split(">", 1)[1] in document, "the same drawing as the printed sheet"
