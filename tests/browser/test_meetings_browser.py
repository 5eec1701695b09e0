"""吹哨报到 end to end: the secretary schedules a roundtable on a case and invites a resident and
the traffic police; the police report in; the resident answers from the link on a phone; the
secretary sees both on the meeting page."""
from __future__ import annotations

from datetime import timedelta

from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from tests.browser.conftest import log_in
from tests.factories import make_contacted_case


def test_secretary_summons_department_reports_in_and_resident_answers_on_a_phone(live_server, new_page, world):
    case = make_contacted_case(world.a.community, world.a.secretary, description="西河沿街超时停车")
    db.session.commit()
    base = live_server.url

    secretary = new_page()
    log_in(secretary, base, "a_secretary")
    secretary.goto(f"{base}/meetings/new?case={case.id}")
    secretary.fill("#title", "西河沿街超时停车圆桌会议")
    secretary.fill("#starts_at", local(utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT15:00"))
    secretary.fill("#venue", "社区小广场石桌旁")
    assert secretary.is_checked(f"input[name=case_ids][value='{case.id}']")
    secretary.click("main form button[type=submit]")
    secretary.wait_for_load_state()
    secretary.click("text=安排会议")
    secretary.wait_for_load_state()
    assert secretary.inner_text("#meeting-status") == "已安排"

    secretary.select_option("#resident-user_id", label="a_resident")
    secretary.click("#invite-resident button[type=submit]")
    secretary.wait_for_load_state()
    secretary.select_option("#department-department_id", label="区交通支队")
    secretary.click("#invite-department button[type=submit]")
    secretary.wait_for_load_state()
    assert "待报到" in secretary.inner_text("tr.kind-department")

    police = new_page()
    log_in(police, base, "traffic_staff")
    police.click("text=吹哨报到")
    police.wait_for_load_state()
    police.fill(".report-in-form input[type=text]", "刘警官")
    police.click(".report-in-form button[type=submit]")
    police.wait_for_load_state()
    assert "已报到" in police.inner_text("main")

    link = secretary.input_value("tr.kind-resident input.join-link")
    phone = new_page(phone=True)
    phone.goto(link)
    assert phone.inner_text("h1") == "西河沿街超时停车圆桌会议"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling on a phone"
    phone.click("button.rsvp-yes")
    phone.wait_for_load_state()
    assert "参加" in phone.inner_text(".rsvp-answer")

    secretary.reload()
    assert "按时报到" in secretary.inner_text("tr.kind-department")
    assert "刘警官" in secretary.inner_text("tr.kind-department")
    assert secretary.inner_text("tr.kind-resident td.rsvp") == "参加"
    db.session.expire_all()
    assert db.session.scalar(db.select(Meeting)).cases[0].status == "in_deliberation"
