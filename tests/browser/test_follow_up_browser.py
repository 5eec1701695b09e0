"""From the end of the meeting to the 三率: minutes approved on a phone, 催办 and 督办, completion, satisfaction.

The secretary concludes the meeting on the console and sends the minutes; an
attendee approves them on a phone through their invitation link; the
department lets its commitment run past the deadline (the follow-up pass runs
with time moved forward, as the job worker would) and sees 催办; the street
supervisor sees the 督办; the department reports it done; the complainant
answers the one-screen satisfaction page on a phone; the dashboard counts it.
"""
from __future__ import annotations

import time
from datetime import timedelta

from playwright.sync_api import expect

from roundtable.core.time import utcnow
from roundtable.escalation import operations as escalation
from roundtable.escalation.queries import policy_for
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.resolutions import operations as resolutions
from roundtable.satisfaction.models import SatisfactionRequest
from tests.browser.conftest import PHONE, log_in, sideways_overflow
from tests.factories import make_concluded_meeting, make_user
from tests.resolutions.conftest import run_worker_once


def test_minutes_escalation_completion_and_satisfaction(live_server, new_page, world):
    base = live_server.url
    held = make_concluded_meeting(world, speeches=True, conclude=False)
    supervisor = make_user("street_supervisor", display_name="街道督办")
    escalation.add_supervisor(supervisor, world.a.community.street_id)
    db.session.commit()

    # The secretary concludes the meeting on the console; the minutes are drafted from the record.
    secretary = new_page()
    log_in(secretary, base, "a_secretary")
    secretary.on("dialog", lambda dialog: dialog.accept())
    secretary.goto(f"{base}/meetings/{held.meeting.id}/console")
    secretary.locator("[data-action=conclude]").click()
    for _ in range(100):  # the console acts over the socket; wait for its commit
        db.session.expire_all()
        if db.session.get(Meeting, held.meeting.id).status == "concluded":
            break
        time.sleep(0.1)
    secretary.goto(f"{base}/meetings/{held.meeting.id}")
    expect(secretary.locator("#meeting-status")).to_have_text("已结束")
    secretary.click("#minutes-page")
    expect(secretary.locator(".minutes-speakers li")).to_have_count(2)
    secretary.click("#minutes-send")
    expect(secretary.locator("#minutes-state")).to_have_text("与会者审阅中")

    # An attendee approves the minutes on a phone, through their invitation link.
    attendee = new_page(phone=True)
    attendee.goto(f"{base}/j/{held.residents[1].token}")
    attendee.click("#minutes-link")
    expect(attendee.locator(".minutes-motions")).to_contain_text("加强巡查提醒")
    attendee.click("#approve-minutes")
    expect(attendee.locator("#my-review")).to_contain_text("同意")
    assert sideways_overflow(attendee) == 0
    secretary.goto(f"{base}/meetings/{held.meeting.id}/minutes")
    expect(secretary.locator(".minutes-review-list")).to_contain_text("同意")

    # The resolution with one commitment of 交通支队, due in an hour, is published.
    db.session.expire_all()  # the served app concluded the meeting
    resolution = resolutions.start_resolution(held.meeting, world.a.secretary)
    resolutions.update_resolution(resolution, "西河沿决议", "一、加强巡查提醒。")
    resolutions.add_commitment(resolution, resolutions.CommitmentFields(
        f"department:{world.department.id}", "每天巡查两次西河沿街", utcnow() + timedelta(hours=1)))
    resolutions.send_for_confirmation(resolution)
    resolutions.confirm_commitment(resolution.commitments[0], world.department_staff)
    resolutions.request_publication(resolution, world.a.secretary, "", base)
    db.session.commit()
    assert run_worker_once() is not None
    commitment = resolution.commitments[0]
    deadline = commitment.deadline

    # The department lets it run overdue: the follow-up pass at the deadline sends 催办.
    escalation.escalate_due(deadline + timedelta(minutes=1))
    db.session.commit()
    police = new_page(phone=True)
    log_in(police, base, "traffic_staff")
    police.goto(f"{base}/commitments")
    expect(police.locator("table.my-commitments .escalation-urge")).to_have_text("催办")

    # After the further period, 督办 goes to the street; the supervisor sees it in the street's list.
    escalation.escalate_due(deadline + policy_for(commitment.community_id).supervise_after + timedelta(minutes=1))
    db.session.commit()
    street = new_page()
    log_in(street, base, "street_supervisor")
    street.click("text=街道督办")
    expect(street.locator("table.street-overdue")).to_contain_text("每天巡查两次西河沿街")
    expect(street.locator("table.street-overdue .escalation-level")).to_have_text("督办")

    # The department completes it; the cases are replied and the complainant is asked by SMS.
    police.goto(f"{base}/commitments/{commitment.id}")
    expect(police.locator("#escalation")).to_contain_text("督办")
    police.fill("#progress-form textarea[name=note]", "已安排每日两次巡查,并张贴提醒")
    police.check("#progress-form input[name=done]")
    police.click("#progress-form button[type=submit]")
    expect(police.locator(".progress-reports")).to_contain_text("报告完成")
    db.session.expire_all()
    request = db.session.scalar(db.select(SatisfactionRequest).where(
        SatisfactionRequest.case_id == held.cases[0].id, SatisfactionRequest.respondent == "complainant"))
    assert request is not None

    # The complainant answers on a phone: one screen, two taps and submit.
    complainant = new_page(phone=True)
    complainant.goto(f"{base}/s/{request.token}")
    assert complainant.evaluate("document.documentElement.scrollHeight") <= PHONE["viewport"]["height"] + 120
    assert sideways_overflow(complainant) == 0
    complainant.click("label.choice:has(input[value=resolved])")
    complainant.click("label.choice:has(input[value=satisfied])")
    complainant.click("#satisfaction-submit")
    expect(complainant.locator("#satisfaction-done")).to_be_visible()
    complainant.goto(f"{base}/s/{request.token}")
    expect(complainant.locator("#satisfaction-form")).to_have_count(0)

    # The dashboard counts it: one case followed up, solved and satisfied.
    secretary.goto(f"{base}/archive/dashboard")
    row = secretary.locator("#table-communities tbody tr").first
    expect(row.locator("td").nth(5)).to_have_text("1")
    expect(row.locator("td").nth(6)).to_have_text("1")
    expect(row.locator("td").nth(8)).to_have_text("1")
    expect(secretary.locator("#table-escalations")).to_be_visible()
