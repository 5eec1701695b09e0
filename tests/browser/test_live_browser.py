"""A roundtable meeting run live: the host's console, two residents' phones and the big screen.

Everything goes through the real pages and the real /live namespace in headless
Chromium; the phones are 360 px wide, as most residents' are.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.live.conftest import build_room

COUNTDOWN = re.compile(r"^\d+:[0-5]\d$")


@pytest.fixture(autouse=True)
def _patient_expectations():
    """Room events cross the network and a tally window; give expectations the context's 10 s."""
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def open_phone(new_page, live_server, invitation):
    page = new_page(phone=True)
    page.goto(f"{live_server.url}/live/join/{invitation.token}")
    expect(page.locator("#live-status")).to_have_text("已连接")
    return page


def test_a_whole_agenda_item_runs_live_on_the_console_two_phones_and_the_big_screen(live_server, new_page, world):
    room = build_room(world, guests=2, status="scheduled")
    li, wang = room.guests  # 居民000 and 居民001 joined from their SMS links; a_resident came without a phone

    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    screen = new_page()
    screen.goto(host.locator("#watch-url").input_value())
    expect(screen.locator("#live-status")).to_have_text("已连接")
    phone_li = open_phone(new_page, live_server, li)
    phone_wang = open_phone(new_page, live_server, wang)
    phones = (phone_li, phone_wang)

    # The host opens the meeting and its first agenda item; every screen follows.
    host.click("[data-action=start]")
    for page in (*phones, screen):
        expect(page.locator("#meeting-status")).to_have_text("进行中")
    host.click("[data-action=advance]")
    for page in (*phones, screen):
        expect(page.locator("#current-item .item-title")).to_have_text("停车现状")

    # Both residents check in on their phones; the host checks in the resident without one.
    for page in phones:
        page.click("#checkin-button")
        expect(page.locator(".checked-in")).to_have_text("已签到")
    host.locator(f'#presence [data-participant-id="{room.resident.id}"] button').click()
    expect(host.locator(".presence-count")).to_have_text("到场 3 / 受邀 3")
    expect(screen.locator("#presence-count")).to_have_text("到场 3 / 受邀 3")

    # Hands go up, each with its stance first; each phone shows its own place in the queue.
    phone_li.click("[data-hand-stance=support]")
    expect(phone_li.locator("#my-place")).to_have_text("您排在第 1 位 · 赞成")
    phone_wang.click("[data-hand-stance=oppose]")
    expect(phone_wang.locator("#my-place")).to_have_text("您排在第 2 位 · 反对")
    expect(host.locator("#console-queue ol.queue li")).to_have_count(2)

    # The host gives the floor to the head of the queue: a countdown runs everywhere.
    host.click("[data-action=grant-next]")
    expect(phone_li.locator("#speaker .speaker-name")).to_contain_text("请您发言")
    expect(phone_li.locator("#alert-banner")).to_contain_text("轮到您发言了")
    expect(host.locator("#live-notice")).to_contain_text("发言")
    expect(phone_wang.locator("#my-place")).to_have_text("您排在第 1 位 · 反对")
    for page in (*phones, screen, host):
        expect(page.locator(".countdown")).to_have_text(COUNTDOWN)
    first = screen.locator(".countdown").inner_text()
    screen.wait_for_function("shown => document.querySelector('.countdown').textContent !== shown", arg=first)
    host.click("[data-action=speaker-done]")
    expect(phone_wang.locator("#speaker")).to_have_text("目前没有人发言")

    # Positions: a stance and a few words, seen on the big screen and the console.
    phone_li.click("[data-stance=support]")
    phone_li.fill("#position-text", "支持错时停车,晚上七点后开放单位车位")
    phone_li.click("#position-send")
    expect(phone_li.locator("#live-notice")).to_have_text("意见已发表")
    phone_wang.click("[data-stance=concern]")
    phone_wang.fill("#position-text", "担心早上挪车不及时")
    phone_wang.click("#position-send")
    for page in (screen, host, phone_li):
        expect(page.locator(".position-text", has_text="担心早上挪车不及时")).to_be_visible()
        expect(page.locator(".position-text", has_text="支持错时停车")).to_be_visible()

    # A motion is proposed on one phone and seconded on the other.
    motion = "请物业在夜间开放单位车位供居民错时停车"
    phone_li.fill("#motion-text", motion)
    phone_li.click("#motion-send")
    expect(phone_li.locator(".motion .badge")).to_have_text("待附议")
    expect(phone_li.locator(".second-button")).to_have_count(0)  # nobody seconds their own motion
    phone_wang.locator(".second-button").click()
    for page in phones:
        expect(page.locator(".motion .badge")).to_have_text("已附议")
    expect(host.locator("#console-motions .motion-meta")).to_contain_text("附议人")

    # The host puts it to a secret yes/no vote.
    expect(host.locator("#poll-motion option", has_text=motion)).to_have_count(1)
    host.select_option("#poll-motion", label=motion)
    host.check("#poll-secret")
    host.click("#poll-form button[type=submit]")

    # Each resident picks, confirms, and gets a receipt.
    for page, choice in ((phone_li, "赞成"), (phone_wang, "反对")):
        page.locator(".poll-vote button.choice", has_text=choice).click()
        page.locator(".confirm-vote").click()
        expect(page.locator(".voted")).to_have_text("您已投票")
        expect(page.locator(".receipt-short")).to_have_text(re.compile(r"^[0-9A-F]{4} [0-9A-F]{4}$"))

    # The tally moves live on both phones, the console and the big screen.
    for page in (*phones, host, screen):
        expect(page.locator(".tally-total")).to_have_text("共 2 票")
        expect(page.locator(".tally-row", has_text="赞成").locator(".tally-count")).to_have_text("1")
        expect(page.locator(".tally-row", has_text="反对").locator(".tally-count")).to_have_text("1")

    # The resident without a phone tells the host; the host records an assisted vote.
    host.select_option("#assist-voter", value=str(room.resident.id))
    host.locator("#assist-choices label", has_text="赞成").click()
    host.click("#assist-send")
    for page in (*phones, screen):
        expect(page.locator(".tally-total")).to_have_text("共 3 票")

    # A phone that reloads draws itself again from the server: the ballot is still there.
    receipt = phone_li.locator(".receipt-short").inner_text()
    phone_li.reload()
    expect(phone_li.locator("#live-status")).to_have_text("已连接")
    expect(phone_li.locator(".receipt-short")).to_have_text(receipt)
    expect(phone_li.locator(".tally-total")).to_have_text("共 3 票")

    # The host closes the vote: two for, one against — passed, on every screen.
    host.click("[data-action=close-poll]")
    for page in (*phones, host, screen):
        expect(page.locator(".poll-result .verdict")).to_contain_text("通过")
        expect(page.locator(".poll-result .outcome-text")).to_have_text("赞成 2 > 反对 1,通过(赞成多于反对,到场 3 人,法定 0 人)")
    # Each voter can check that their secret ballot was counted; the big screen shows no receipts.
    for page in phones:
        expect(page.locator(".counted")).to_have_text("您的选票已计入结果")
    expect(screen.locator(".receipt-code, .receipt-short")).to_have_count(0)


def test_the_big_screen_cannot_act_and_never_shows_hidden_positions(live_server, new_page, world):
    room = build_room(world, guests=1)
    screen = new_page()
    screen.goto(f"{live_server.url}/watch/{room.meeting.watch_token}")
    expect(screen.locator("#live-status")).to_have_text("已连接")
    assert screen.locator("#live button, #live input, #live textarea").count() == 0  # no control on the projector

    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    host.locator("[data-action=advance]").click()
    phone = open_phone(new_page, live_server, room.guests[0])
    phone.click("[data-stance=oppose]")
    phone.fill("#position-text", "这里写了邻居的门牌号和电话")
    phone.click("#position-send")
    expect(screen.locator(".position-text", has_text="门牌号")).to_be_visible()

    host.locator("#console-positions .position button", has_text="隐藏").click()
    expect(screen.locator(".position-text", has_text="门牌号")).to_have_count(0)
    expect(phone.locator(".position-text", has_text="门牌号")).to_have_count(0)
    expect(phone.locator(".hidden-position")).to_contain_text("已被主持人隐藏")
    # The host still reads what was hidden, marked as hidden.
    expect(host.locator("#console-positions .hidden-position .position-text")).to_have_text("这里写了邻居的门牌号和电话")
    expect(host.locator("#console-positions .hidden-position .badge")).to_have_text("已隐藏")


def test_a_phone_that_lost_the_network_catches_up_when_it_is_back(live_server, new_page, world):
    """What happened while the phone was offline comes with the snapshot on re-joining."""
    room = build_room(world, guests=1)
    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    phone = open_phone(new_page, live_server, room.guests[0])
    expect(phone.locator("#current-item")).to_have_text("当前没有进行中的议题")

    phone.context.set_offline(True)
    expect(phone.locator("#live-status")).to_have_text("网络中断,正在重新连接…")
    host.click("[data-action=advance]")
    expect(host.locator(".agenda-item.current .agenda-title")).to_have_text("停车现状")

    phone.context.set_offline(False)
    expect(phone.locator("#live-status")).to_have_text("已连接")
    expect(phone.locator("#current-item .item-title")).to_have_text("停车现状")


def test_tallies_never_go_back_when_they_arrive_out_of_order(live_server, new_page, world):
    """With several server processes an older tally may arrive last; the page keeps the newer one."""
    room = build_room(world, guests=1)
    page = new_page(phone=True)
    page.goto(f"{live_server.url}/live/join/{room.guests[0].token}")
    kept = page.evaluate(
        """() => {
          const RT = window.RoundtableLive;
          const state = {polls: [{id: 4, options: [{id: 9, label: "赞成"}], tally: {poll_id: 4, counts: {"9": 1}, total: 1, seq: 1}}]};
          RT.apply(state, "tally", {poll_id: 4, counts: {"9": 3}, total: 3, seq: 3});
          const stale = RT.apply(state, "tally", {poll_id: 4, counts: {"9": 2}, total: 2, seq: 2});
          const repeat = RT.apply(state, "tally", {poll_id: 4, counts: {"9": 0}, total: 0, seq: 3});
          return {stale, repeat, counts: state.polls[0].tally.counts, seq: state.polls[0].tally.seq};
        }"""
    )
    assert kept == {"stale": False, "repeat": False, "counts": {"9": 3}, "seq": 3}

