"""Ways in: a meeting scheduled from its case page, invitation links copied with one tap."""
from __future__ import annotations

import re

from tests.live.conftest import build_room


def test_the_case_page_offers_to_schedule_a_roundtable_for_that_case(client, auth, world):
    auth.login("a_secretary")
    case = world.a.case
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "安排圆桌会议" in html and f"/meetings/new?case={case.id}" in html
    form = client.get(f"/meetings/new?case={case.id}").get_data(as_text=True)
    ticked = [tag for tag in re.findall(r"<input[^>]*>", form) if f'value="{case.id}"' in tag and "checked" in tag]
    assert ticked, "the case is already ticked on the new meeting's form"


def test_residents_and_auditors_get_no_schedule_button(client, auth, world):
    auth.login("a_auditor")
    assert "安排圆桌会议" not in client.get(f"/cases/{world.a.case.id}").get_data(as_text=True)


def test_every_invitation_link_has_a_copy_button(client, auth, world):
    room = build_room(world)
    auth.login("a_secretary")
    html = client.get(f"/meetings/{room.meeting.id}").get_data(as_text=True)
    for invitation in room.meeting.invitations:
        assert f'data-copy="#join-link-{invitation.id}"' in html
    assert "js/copy.js" in html and "onclick" not in html.split("join-link")[1][:200]
