"""A commitment a unit returned (退单) and the secretary takes back to a meeting: the new meeting's
form comes filled with the cases, the earlier meeting and why it came back; nothing disappears."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from roundtable.cases.models import CaseEvent
from roundtable.core.time import local, utcnow
from roundtable.escalation import queries
from roundtable.extensions import db
from roundtable.meetings.models import Meeting


def checked_cases(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'<input[^>]*checked[^>]*name="case_ids"[^>]*value="(\d+)"', page)} | {
        int(v) for v in re.findall(r'<input[^>]*name="case_ids"[^>]*value="(\d+)"[^>]*checked', page)}


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return unescape(found.group(1)) if found else ""


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return unescape(found.group(1)).strip() if found else ""


def test_taking_a_returned_commitment_back_to_a_meeting_fills_the_new_meeting(world, published, concluded, client, login):
    traffic = published.commitments[0]
    case = concluded.cases[0]
    login("traffic_staff")
    client.post(f"/commitments/{traffic.id}/return", data={"reason": "停车收费不归交通支队管"})
    returned = queries.open_return(traffic)
    login("a_secretary")
    answer = client.post(f"/commitment-returns/{returned.id}/decide",
                         data={"decision": "to_meeting", "note": "请街道一起来谈"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/meetings/new?commitment={traffic.id}")

    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert field_value(page, "title").startswith("重议:")
    description = textarea(page, "description")
    for expected in ("交通", "停车收费不归交通支队管", "请街道一起来谈", concluded.meeting.title):
        assert expected in description, expected
    assert checked_cases(page) == {c.id for c in concluded.meeting.cases}
    assert re.search(rf'<option[^>]*selected[^>]*value="{concluded.meeting.id}"|<option[^>]*value="{concluded.meeting.id}"[^>]*selected', page)

    # the secretary saves the meeting as it came: the case is on it, linked to the earlier meeting
    starts = local(utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form = {"kind": "roundtable", "title": field_value(page, "title"), "description": description,
            "starts_at": starts, "duration_minutes": "60", "venue": "社区活动室", "online_url": "",
            "host_id": str(world.a.secretary.id), "topic_id": "", "previous_meeting_id": str(concluded.meeting.id),
            "case_ids": [str(i) for i in checked_cases(page)], "speech_minutes": "2", "speeches_per_motion": "2",
            "quorum": "0", "majority_rule": "more_yes_than_no"}
    assert client.post("/meetings/new", data=form).status_code == 302
    meeting = db.session.scalar(db.select(Meeting).order_by(Meeting.id.desc()))
    assert meeting.previous_meeting_id == concluded.meeting.id and case.id in {c.id for c in meeting.cases}

    # the commitment keeps its history: the return, the decision and the way to the meeting
    commitment_page = client.get(f"/commitments/{traffic.id}").get_data(as_text=True)
    assert "停车收费不归交通支队管" in commitment_page and "退回会议重议" in commitment_page
    assert f"/meetings/new?commitment={traffic.id}" in commitment_page
    notes = [e.note for e in db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert any("退单" in n for n in notes) and any("退回会议重议" in n for n in notes)


def test_prefill_ids_of_another_community_or_nonsense(world, published, client, login):
    traffic = published.commitments[0]
    login("b_secretary")
    assert client.get(f"/meetings/new?commitment={traffic.id}").status_code == 404
    assert client.get(f"/meetings/new?case={world.a.case.id}").status_code == 404
    assert client.get("/meetings/new?commitment=999999").status_code == 404
    assert client.get("/meetings/new?case=abc").status_code == 200  # not a number: nothing to fill
    login("a_resident")
    assert client.get(f"/meetings/new?commitment={traffic.id}").status_code in (403, 404)


def test_a_closed_case_is_named_not_dropped(world, published, concluded, client, login):
    case = concluded.cases[0]
    case.status = "closed_resolved"
    db.session.commit()
    login("a_secretary")
    page = client.get(f"/meetings/new?case={case.id}").get_data(as_text=True)
    assert "prefill-note" in page and case.external_number in page and "重新办理" in page
    assert case.id not in checked_cases(page)
