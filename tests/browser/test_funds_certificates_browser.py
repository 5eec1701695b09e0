"""居民说了算 and 社区证明 on a 360 px phone, in Debian's Chromium.

A resident proposes a project from the phone; the secretary accepts it and
opens a period vote; the resident votes through the personal link (the page
keeps a running total and refuses to go over the fund) and, after the count,
sees the funded projects. Another resident asks for the parking certificate,
the secretary issues it, and the QR's address opens the check page: valid.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from roundtable.certificates import operations as certificates
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.funds import operations as funds
from roundtable.funds.models import Proposal
from tests.browser.conftest import axe_violations, log_in
from tests.factories import make_user


def _no_sideways(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_resident_proposes_votes_and_sees_the_funded_projects(live_server, new_page, world):
    base = live_server.url
    secretary = world.a.secretary
    fund = funds.create_fund(world.a.community.id, funds.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), "街道党建经费"), secretary)
    for title, cost in (("空地种花草", "1500"), ("空地装路灯", "3000")):
        other = funds.propose_from(fund, funds.ProposalFields(title, "", cost, "西河沿街"), "secretary", secretary)
        funds.review_proposal(other, "accepted", secretary)
    db.session.commit()

    phone = new_page(phone=True)
    log_in(phone, base, "a_resident")
    phone.goto(f"{base}/funds/{fund.id}")
    phone.click("text=我要提项目")
    phone.fill("#title", "拆违后空地建休闲座椅")
    phone.fill("#description", "给老人歇脚、下棋")
    phone.fill("#cost", "2000")
    phone.fill("#place", "西河沿街拆违后空地")
    _no_sideways(phone)
    phone.click("form.proposal-form button[type=submit]")
    phone.wait_for_load_state()
    assert "您的项目已提交" in phone.inner_text("main")

    db.session.expire_all()
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "拆违后空地建休闲座椅"))
    funds.review_proposal(proposal, "accepted", secretary)
    vote = funds.create_vote(fund, funds.VoteFields(
        "period", "approval", "greedy", True, 0, 10, utcnow() - timedelta(minutes=1), utcnow() + timedelta(days=2)), secretary)
    funds.open_period_vote(vote)
    db.session.commit()

    # The resident finds the open vote on the fund list and votes on the one-page ballot.
    phone.goto(f"{base}/funds/")
    phone.click("text=去投票")
    phone.wait_for_load_state()
    _no_sideways(phone)
    chair = phone.locator("label.ballot-choice:has-text('拆违后空地建休闲座椅') input")
    lights = phone.locator("label.ballot-choice:has-text('空地装路灯') input")
    flowers = phone.locator("label.ballot-choice:has-text('空地种花草') input")
    chair.check()
    lights.check()
    assert "5,000元 / 经费5,000元" in phone.inner_text("[data-total]")
    flowers.click()  # 6,500 > 5,000: refused on the phone
    assert not flowers.is_checked()
    assert phone.is_visible(".over-budget")
    assert axe_violations(phone) == []
    phone.click("button.cast-budget")
    phone.wait_for_load_state()
    assert "您已投票" in phone.inner_text("main")
    assert re.search(r"[0-9a-f]{64}", phone.inner_text(".receipt-code"))

    funds.count_vote(db.session.get(type(vote), vote.id))
    db.session.commit()
    phone.reload()
    funded = phone.inner_text(".fund-outcome")
    assert "拆违后空地建休闲座椅" in funded and "获得资助" in funded
    assert phone.locator(".outcome-line.funded").count() == 2
    assert "没有人投票支持" in phone.inner_text(".outcome-line.unfunded")
    _no_sideways(phone)


def test_resident_asks_for_a_parking_certificate_and_its_qr_checks_valid(live_server, new_page, world):
    from tests.factories import make_concluded_meeting
    from tests.resolutions.conftest import confirm_all, draft, publish

    resolution = publish(world, (lambda r: (confirm_all(world, r), r)[1])(draft(world, make_concluded_meeting(world))))
    certificates.authorise_kind(resolution, certificates.KindFields(
        "接老人看病超时停车证明", "二、接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。",
        "本社区居民接送老人就医时", "兹证明该车辆在上述时间内因接送老人就医临时停放。", 1, True, world.department.id), world.a.secretary)
    make_user("a_neighbour", world.a.community, "resident", display_name="李大爷")
    db.session.commit()
    base = live_server.url

    phone = new_page(phone=True)
    log_in(phone, base, "a_neighbour")
    phone.goto(f"{base}/certificates/")
    phone.click("text=申请证明")
    phone.fill("#plate", "京A12345")
    phone.fill("#window_start", local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#window_end", local(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#reason", "送老伴去医院看病")
    _no_sideways(phone)
    phone.click("form.certificate-request button[type=submit]")
    phone.wait_for_load_state()
    assert "待审核" in phone.inner_text("main")
    certificate_url = phone.url

    desk = new_page()
    log_in(desk, base, "a_secretary")
    desk.goto(certificate_url)
    desk.click("button.issue-certificate")
    desk.wait_for_load_state()
    assert "已出具" in desk.inner_text("main")
    qr = desk.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the stand-alone SVG renders
    check_url = desk.get_attribute("a.check-link", "href")
    from roundtable.certificates.jobs import qr_file

    svg = desk.request.get(base + qr.get_attribute("src")).body()
    assert svg == qr_file(check_url)  # the QR image encodes exactly the address the officer opens

    officer = new_page(phone=True)
    officer.goto(check_url)
    assert officer.get_attribute(".check-status", "data-status") == "valid"
    text = officer.inner_text("main")
    assert "有效" in text and "＊＊＊＊345" in text and "京A12345" not in text and "李大爷" not in text
    _no_sideways(officer)
    assert axe_violations(officer) == []


def test_live_budget_ballot_on_a_phone_keeps_within_the_fund(live_server, new_page, world):
    from playwright.sync_api import expect

    from roundtable.live import operations as live
    from tests.live.conftest import build_room

    room = build_room(world, guests=1)
    live.check_in(room.guests[0])
    fund = funds.create_fund(world.a.community.id, funds.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), ""), world.a.secretary)
    for title, cost in (("拆违后空地建休闲座椅", "2000"), ("空地种花草", "1500"), ("空地装路灯", "3000")):
        proposal = funds.propose_from(fund, funds.ProposalFields(title, "", cost, ""), "secretary", world.a.secretary)
        funds.review_proposal(proposal, "accepted", world.a.secretary)
    vote = funds.create_vote(fund, funds.VoteFields("live", "approval", "greedy", True, 0), world.a.secretary)
    funds.open_live_vote(vote, room.meeting, world.a.secretary)
    db.session.commit()

    phone = new_page(phone=True)
    phone.goto(f"{live_server.url}/live/join/{room.guests[0].token}")
    expect(phone.locator("#live-status")).to_have_text("已连接", timeout=10_000)
    ballot = phone.locator(".budget-vote")
    expect(ballot).to_be_visible(timeout=10_000)
    expect(ballot.locator(".budget-choice")).to_have_count(3)
    ballot.locator(".budget-choice:has-text('拆违后空地建休闲座椅')").click()
    ballot.locator(".budget-choice:has-text('空地装路灯')").click()
    expect(phone.locator(".running-total")).to_have_text("已选 5,000 元 / 经费 5,000 元")
    phone.locator(".budget-choice:has-text('空地种花草')").click()  # over the fund: refused on the phone
    expect(phone.locator("#live-notice")).to_contain_text("超过经费总额")
    expect(phone.locator(".budget-choice.chosen")).to_have_count(2)
    _no_sideways(phone)
    phone.locator(".confirm-vote").click()
    expect(phone.locator(".my-ballot")).to_be_visible(timeout=10_000)


def test_live_points_ballot_on_a_phone(live_server, new_page, world):
    from playwright.sync_api import expect

    from roundtable.live import operations as live
    from tests.live.conftest import build_room

    room = build_room(world, guests=1)
    live.check_in(room.guests[0])
    fund = funds.create_fund(world.a.community.id, funds.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), ""), world.a.secretary)
    for title, cost in (("拆违后空地建休闲座椅", "2000"), ("空地装路灯", "3000")):
        proposal = funds.propose_from(fund, funds.ProposalFields(title, "", cost, ""), "secretary", world.a.secretary)
        funds.review_proposal(proposal, "accepted", world.a.secretary)
    vote = funds.create_vote(fund, funds.VoteFields("live", "points", "equal_shares", True, 0, 3), world.a.secretary)
    funds.open_live_vote(vote, room.meeting, world.a.secretary)
    db.session.commit()

    phone = new_page(phone=True)
    phone.goto(f"{live_server.url}/live/join/{room.guests[0].token}")
    expect(phone.locator(".points-vote")).to_be_visible(timeout=10_000)
    chair = phone.locator(".points-row:has-text('拆违后空地建休闲座椅')")
    lights = phone.locator(".points-row:has-text('空地装路灯')")
    chair.locator(".points-more").click()
    chair.locator(".points-more").click()
    lights.locator(".points-more").click()
    expect(phone.locator(".running-total")).to_have_text("已分配 3 分 / 共 3 分")
    expect(chair.locator(".points-given")).to_have_text("2")
    expect(lights.locator(".points-more")).to_be_disabled()  # all points given
    _no_sideways(phone)
    phone.locator(".confirm-vote").click()
    expect(phone.locator(".my-ballot")).to_be_visible(timeout=10_000)
