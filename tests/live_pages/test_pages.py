"""Who can open which live page: the phone page, the host console and the big screen.

The pages only hand the browser what it needs to connect; these tests check that each
page opens for the right people, that wrong people get a clear 403/404, and that a
token only ever opens its own meeting.
"""
from __future__ import annotations

import re

import pytest

from roundtable.extensions import db
from tests.factories import make_user


def meeting_id_on(html: str) -> int:
    return int(re.search(r'data-meeting-id="(\d+)"', html).group(1))


def token_on(html: str) -> str | None:
    found = re.search(r'data-token="([^"]*)"', html)
    return found.group(1) if found else None


# ---------------------------------------------------------------- the invitation link


def test_a_resident_opens_the_phone_page_from_the_invitation_link(client, room):
    guest = room.guests[0]

    response = client.get(f"/live/join/{guest.token}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert room.meeting.title in html
    assert "居民000" in html  # greeted by name
    assert meeting_id_on(html) == room.meeting.id
    assert token_on(html) == guest.token
    assert "/static/vendor/socket.io.min.js" in html
    assert "/static/js/live/phone.js" in html
    for label in ("支持", "反对", "有顾虑", "中立"):
        assert f">{label}</button>" in html


def test_the_link_page_is_kept_out_of_caches_and_referrers(client, room):
    response = client.get(f"/live/join/{room.guests[0].token}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_token_of_another_meeting_opens_that_meeting_only(client, room):
    html = client.get(f"/live/join/{room.other_guest.token}").get_data(as_text=True)
    assert meeting_id_on(html) == room.other_meeting.id
    assert room.meeting.title not in html


BAD_LINKS = {
    "unknown": lambda room: "not-a-token",
    "too long": lambda room: "x" * 33,
    "a watch token": lambda room: room.meeting.watch_token,  # watching is not taking part
}


@pytest.mark.parametrize("kind", BAD_LINKS)
def test_a_bad_link_gets_a_clear_404_page(client, room, kind):
    response = client.get(f"/live/join/{BAD_LINKS[kind](room)}")
    assert response.status_code == 404
    assert "这个链接无效" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["concluded", "cancelled"])
def test_the_link_of_a_finished_meeting_leads_to_its_summary(client, room, status):
    room.meeting.status = status
    room.meeting.status_note = "因雨改期" if status == "cancelled" else ""
    db.session.commit()
    response = client.get(f"/live/join/{room.guests[0].token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{room.guests[0].token}")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    if status == "concluded":
        assert page.status_code == 200 and "会议已经结束" in html and "会议决定了什么" in html
    else:
        assert page.status_code == 410 and "已经取消" in html and "因雨改期" in html


def test_the_link_of_a_scheduled_meeting_already_opens_the_page(client, room):
    """Residents may open the link early; the page shows the meeting has not started yet."""
    room.meeting.status = "scheduled"
    db.session.commit()
    assert client.get(f"/live/join/{room.guests[0].token}").status_code == 200


# ---------------------------------------------------------------- the logged-in phone page


@pytest.mark.parametrize("username", ["a_resident", "traffic_staff", "a_property_staff"])
def test_an_invited_user_opens_the_phone_page_through_their_login(client, auth, room, username):
    auth.login(username)
    response = client.get(f"/meetings/{room.meeting.id}/live")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert meeting_id_on(html) == room.meeting.id
    assert token_on(html) is None  # the session is the credential, no token in the page


def test_a_member_of_the_community_who_is_not_invited_is_told_so(client, auth, room):
    auth.login("a_auditor")
    response = client.get(f"/meetings/{room.meeting.id}/live")
    assert response.status_code == 403
    assert "不在这次会议的邀请名单上" in response.get_data(as_text=True)


def test_a_resident_of_another_community_does_not_see_the_meeting_exists(client, auth, room):
    auth.login("b_resident")
    assert client.get(f"/meetings/{room.meeting.id}/live").status_code == 404
    assert client.get("/meetings/999999/live").status_code == 404


def test_the_phone_page_without_login_asks_to_log_in(client, room):
    response = client.get(f"/meetings/{room.meeting.id}/live")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---------------------------------------------------------------- the host console


def test_the_host_opens_the_console_with_the_watch_link_to_share(client, auth, room):
    auth.login("a_secretary")
    response = client.get(f"/meetings/{room.meeting.id}/console")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert meeting_id_on(html) == room.meeting.id
    assert f"/watch/{room.meeting.watch_token}" in html
    assert "/static/js/live/console.js" in html
    assert token_on(html) is None


def test_another_secretary_of_the_community_can_stand_in_as_host(client, auth, room, world):
    make_user("a_deputy", world.a.community, "secretary")
    db.session.commit()
    auth.login("a_deputy")
    assert client.get(f"/meetings/{room.meeting.id}/console").status_code == 200


@pytest.mark.parametrize("username", ["a_resident", "a_auditor"])
def test_residents_and_auditors_cannot_open_the_console(client, auth, room, username):
    auth.login(username)
    assert client.get(f"/meetings/{room.meeting.id}/console").status_code == 403


def test_a_secretary_of_another_community_gets_404_for_the_console(client, auth, room):
    auth.login("b_secretary")
    assert client.get(f"/meetings/{room.meeting.id}/console").status_code == 404


def test_department_staff_invited_to_the_meeting_cannot_open_the_console(client, auth, room):
    auth.login("traffic_staff")
    assert client.get(f"/meetings/{room.meeting.id}/console").status_code in (403, 404)


# ---------------------------------------------------------------- the big screen


def test_anyone_with_the_watch_link_sees_the_big_screen_without_logging_in(client, room):
    response = client.get(f"/watch/{room.meeting.watch_token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert room.meeting.title in html
    assert token_on(html) == room.meeting.watch_token
    assert "/static/js/live/watch.js" in html
    # Read-only: none of the phone's or the console's controls are on the page.
    for control in ('id="hand"', 'id="position-send"', 'id="motion-send"', 'id="poll-form"', "phone.js", "console.js"):
        assert control not in html


def test_an_invitation_token_is_not_a_watch_link(client, room):
    response = client.get(f"/watch/{room.guests[0].token}")
    assert response.status_code == 404
    assert "这个链接无效" in response.get_data(as_text=True)


def test_the_watch_link_of_a_cancelled_meeting_says_so(client, room):
    room.meeting.status = "cancelled"
    room.meeting.status_note = "因雨改期"
    db.session.commit()
    page = client.get(f"/watch/{room.meeting.watch_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已经取消" in html and "因雨改期" in html and "data-token" not in html
