"""Department and organization staff land on what waits for them, not on an empty page."""
from __future__ import annotations

from datetime import timedelta

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.resolutions import operations as resolutions
from tests.live.conftest import build_room


def test_department_staff_see_their_summons_commitments_and_the_live_meeting(client, auth, world):
    room = build_room(world)  # live, with the traffic department invited
    room.department.summoned_at = utcnow() - timedelta(hours=2)
    earlier = build_room(world, status="concluded").meeting  # last month's meeting, whose resolution asks for a commitment
    resolution = resolutions.start_resolution(earlier, world.a.secretary)
    resolutions.add_commitment(
        resolution,
        resolutions.CommitmentFields(f"department:{world.department.id}", "夜间巡查违停", utcnow() + timedelta(days=7)),
    )
    resolution.status = "awaiting_confirmations"
    db.session.commit()

    auth.login("traffic_staff")
    html = client.get("/home").get_data(as_text=True)
    assert "今天的会议" in html and room.meeting.title in html
    assert f"/meetings/{room.meeting.id}/live" in html
    assert "待报到的吹哨(1)" in html and "/summons" in html
    assert "待确认的决议承诺(1)" in html and "夜间巡查违停" in html
    assert "现在没有需要您处理的事项" not in html
    # The button leads into the live meeting.
    assert client.get(f"/meetings/{room.meeting.id}/live").status_code == 200


def test_staff_with_nothing_waiting_are_told_so(client, auth, world):
    auth.login("a_property_staff")
    html = client.get("/home").get_data(as_text=True)
    assert "现在没有需要您处理的事项" in html
