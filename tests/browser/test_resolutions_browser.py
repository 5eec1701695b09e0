"""The overtime-parking resolution, from the concluded roundtable to the verified PDF, in a real browser.

The secretary drafts it from the meeting page and writes the two agreed
points of the article; 交通支队 and the property manager confirm their
commitments under their own logins; the secretary publishes; the worker
renders (called here, as ``flask worker run`` would); the PDF is on the case
page and /verify calls it authentic.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.resolutions.models import Resolution
from tests.browser.conftest import log_in
from tests.factories import make_concluded_meeting
from tests.resolutions.conftest import run_worker_once

POINTS = "一、加强街面巡查,提醒车主尽早驶离。\n二、接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。"


def add_commitment(page, unit_label: str, action: str):
    if not page.is_visible("#add-commitment"):
        page.click("details.add-commitment summary")
    page.select_option("#add-commitment select[name=unit]", label=unit_label)
    page.fill("#add-commitment textarea[name=action]", action)
    page.fill("#add-commitment input[name=deadline]", local(utcnow() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#add-commitment button[type=submit]")
    page.wait_for_load_state()


def confirm_as(new_page, base: str, username: str):
    page = new_page(phone=True)
    log_in(page, base, username)
    page.click("text=决议承诺")
    page.click("table.my-commitments a")
    page.click("text=确认本单位承诺")
    page.wait_for_load_state()
    assert "已确认本单位的承诺" in page.inner_text("main")
    page.context.close()


def test_secretary_drafts_units_confirm_pdf_lands_on_the_case_and_verifies(live_server, new_page, world, tmp_path):
    concluded = make_concluded_meeting(world)
    base = live_server.url

    secretary = new_page()
    log_in(secretary, base, "a_secretary")
    secretary.goto(f"{base}/meetings/{concluded.meeting.id}")
    secretary.click("text=起草决议")
    secretary.wait_for_load_state()
    assert "区交通支队(按时报到)" in secretary.inner_text("#record")
    secretary.fill("textarea[name=agreed_points]", POINTS)
    secretary.click("#editor button[type=submit]")
    secretary.wait_for_load_state()
    add_commitment(secretary, "部门 · 区交通支队", "加强西河沿街面巡查,提醒超时停车车主尽早驶离")
    add_commitment(secretary, "物业 · 西河沿社区物业", "在院门口张贴超时停车提醒")
    secretary.click("text=送交各单位确认")
    secretary.wait_for_load_state()
    assert "已请各承诺单位确认" in secretary.inner_text("main")

    confirm_as(new_page, base, "traffic_staff")
    confirm_as(new_page, base, "a_property_staff")

    secretary.reload()
    assert secretary.locator(".commitment-confirmed").count() == 2
    secretary.click("#publish-form button[type=submit]")
    secretary.wait_for_load_state()
    assert "正在生成决议文件" in secretary.inner_text("main")
    assert run_worker_once() is not None
    secretary.reload()
    assert "已发布" in secretary.inner_text("#resolution-status")

    secretary.goto(f"{base}/cases/{concluded.cases[0].id}")
    link = secretary.locator(".case-resolutions a.resolution-pdf")
    assert "第1版" in secretary.inner_text(".case-resolutions")
    pdf = secretary.request.get(base + link.get_attribute("href")).body()
    resolution = db.session.query(Resolution).one()
    assert hashlib.sha256(pdf).hexdigest() == resolution.sha256

    document = tmp_path / "决议.pdf"
    document.write_bytes(pdf)
    visitor = new_page(phone=True)
    visitor.goto(f"{base}/verify")
    visitor.set_input_files("#verify-form input[type=file]", str(document))
    visitor.click("#verify-form button[type=submit]")
    visitor.wait_for_load_state()
    assert "真实有效" in visitor.inner_text("#verdict")
    assert "第1版" in visitor.inner_text("#verdict")
