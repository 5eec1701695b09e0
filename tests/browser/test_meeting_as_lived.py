"""The meeting as residents live it: two 360 px phones, the console, the 1920×1080 big screen and the
watch link on a phone, from the vote that nobody may miss to the summary after the meeting."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.browser.conftest import log_in, sideways_overflow
from tests.live.conftest import build_room

SHOTS = os.environ.get("RT_SCREENSHOTS")

# Records, in the phone, the moment its ballot controls are all inside the viewport (below the banner).
WATCH_BALLOT = """() => {
  window.__ballotInView = null;
  const timer = setInterval(() => {
    const controls = [...document.querySelectorAll('.poll.open .poll-vote button.choice, .poll.open .confirm-vote')];
    if (controls.length < 2) return;
    const banner = document.getElementById('alert-banner');
    const top = banner && !banner.hidden ? banner.getBoundingClientRect().bottom : 0;
    const inside = controls.every(c => { const r = c.getBoundingClientRect();
      return r.width > 0 && r.top >= top - 1 && r.bottom <= window.innerHeight + 1; });
    if (inside) { window.__ballotInView = Date.now(); clearInterval(timer); }
  }, 20);
}"""


@pytest.fixture(autouse=True)
def _patient_expectations():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def open_phone(new_page, live_server, invitation):
    page = new_page(phone=True)
    page.goto(f"{live_server.url}/live/join/{invitation.token}")
    expect(page.locator("#live-status")).to_have_text("已连接")
    return page


def test_nobody_misses_the_vote_everyone_sees_the_outcome_and_the_end(live_server, new_page, world):
    room = build_room(world, guests=2)
    li, wang = room.guests

    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    host.click("[data-action=advance]")
    expect(host.locator("#live-notice")).to_have_text("已开始议题:停车现状")

    screen = new_page(size=(1920, 1080))
    screen.goto(f"{live_server.url}/watch/{room.meeting.watch_token}")
    at_home = new_page(phone=True)
    at_home.goto(f"{live_server.url}/watch/{room.meeting.watch_token}")
    phone_li = open_phone(new_page, live_server, li)
    phone_wang = open_phone(new_page, live_server, wang)
    phones = (phone_li, phone_wang)

    # The meeting is live: each phone asks for a check-in at the top, with the button in view.
    for page in phones:
        expect(page.locator("#alert-banner")).to_contain_text("请先签到")
        expect(page.locator("#checkin-button")).to_be_in_viewport()
        page.click("#alert-go")
        page.click("#checkin-button")
        expect(page.locator(".checked-in")).to_be_visible()
        expect(page.locator("#alert-banner")).to_be_hidden()

    phone_li.fill("#motion-text", "请物业在夜间开放单位车位供居民错时停车")
    phone_li.click("#motion-send")
    phone_wang.locator(".second-button").click()
    expect(host.locator("#poll-motion option", has_text="错时停车")).to_have_count(1)
    shot(phone_li, "phone-normal")

    # The residents are reading further down when the host opens the vote.
    for page in phones:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.evaluate(WATCH_BALLOT)
        page.evaluate("Object.defineProperty(navigator, 'vibrate', {value: p => (window.__vibrated = p, true), configurable: true})")
    host.select_option("#poll-motion", label="请物业在夜间开放单位车位供居民错时停车")
    opened_at = host.evaluate("Date.now()")
    host.click("#poll-form button[type=submit]")
    expect(host.locator("#live-notice")).to_have_text("已开启表决:请物业在夜间开放单位车位供居民错时停车")
    for page in phones:
        page.wait_for_function("window.__ballotInView !== null", timeout=5_000)
        delay = page.evaluate("window.__ballotInView") - opened_at
        print(f"ballot in view {delay} ms after the host opened the vote")
        assert delay <= 1000, f"the ballot came into view after {delay} ms"
        assert page.evaluate("window.__vibrated") == [200, 100, 200]
        expect(page.locator("#alert-banner")).to_contain_text("请投票")
    shot(phone_li, "phone-vote-banner")

    for page in phones:
        page.locator(".poll-vote button.choice", has_text="赞成").click()
        page.locator(".confirm-vote").click()
        expect(page.locator(".receipt-short")).to_have_text(re.compile(r"^[0-9A-F]{4} [0-9A-F]{4}$"))
        expect(page.locator("#alert-banner")).to_be_hidden()
    code = phone_li.locator(".receipt-short").inner_text()
    expect(screen.locator(".tally-total")).to_have_text("共 2 票")
    shot(screen, "big-screen-vote")

    host.click("[data-action=close-poll]")
    outcome = "赞成 2 > 反对 0,通过(赞成多于反对,到场 2 人,法定 0 人)"
    expect(host.locator("#live-notice")).to_have_text("已结束表决:" + outcome)
    for page in (*phones, host, screen, at_home):
        expect(page.locator(".poll-result .outcome-text")).to_have_text(outcome)
    for page in (*phones, host):  # the motion's state follows without a reload
        expect(page.locator(".motion-state, .motion .badge").first).to_have_text("已表决")
    # Legible from 5 m at 1080p: tally labels and counts at least 48 px; the screen is filled, not half.
    sizes = screen.evaluate("""() => [...document.querySelectorAll('.tally-label, .tally-count')]
        .map(e => parseFloat(getComputedStyle(e).fontSize))""")
    assert sizes and min(sizes) >= 48, sizes
    width = screen.evaluate("document.querySelector('.watch-grid').getBoundingClientRect().width")
    assert width >= 1700, width
    assert sideways_overflow(screen) == 0 and sideways_overflow(at_home) == 0
    shot(screen, "big-screen-result")
    for size in ((1920, 1080), (1280, 720)):  # the tally and its total fit the frame, nothing cut
        screen.set_viewport_size({"width": size[0], "height": size[1]})
        fits = screen.evaluate("""() => {
          const panel = document.querySelector('.watch-poll').getBoundingClientRect();
          const last = document.querySelector('.tally-total').getBoundingClientRect();
          return last.bottom <= panel.bottom && panel.bottom <= window.innerHeight;
        }""")
        assert fits and sideways_overflow(screen) == 0, size
    shot(screen, "big-screen-720p")

    # Li has the floor when the host ends the meeting: the phones show the end, not "请您发言".
    phone_li.click("[data-hand-stance=support]")
    host.click("[data-action=grant-next]")
    expect(phone_li.locator("#alert-banner")).to_contain_text("轮到您发言了")
    expect(host.locator("#live-notice")).to_contain_text("发言")
    host.once("dialog", lambda dialog: dialog.accept())
    host.click("[data-action=conclude]")
    for page in phones:
        expect(page.locator("#ended")).to_be_visible()
        expect(page.locator("#ended-heading")).to_have_text("会议已经结束")
        expect(page.locator("#ended .outcome-text")).to_have_text(outcome)
        for part in ("#speaker", "#hand"):
            expect(page.locator(part)).not_to_contain_text("请您发言")
        expect(page.locator(".countdown")).to_have_count(0)
        expect(page.locator("#alert-banner")).to_be_hidden()
    expect(phone_li.locator("#ended .receipt-short")).to_have_text(code)
    shot(phone_li, "phone-ended")

    # Afterwards the links lead to the summary; once published, to the resolution.
    phone_li.goto(f"{live_server.url}/live/join/{li.token}")
    assert phone_li.url.endswith(f"/j/{li.token}")
    expect(phone_li.locator(".outcomes")).to_contain_text(outcome)
    expect(phone_li.locator(".outcomes .receipt-code")).to_have_text(code)
    from roundtable.resolutions.models import Resolution

    resolution = Resolution(meeting_id=room.meeting.id, community_id=room.meeting.community_id, version=1,
                            title="西河沿错时停车决议", status="published", published_at=utcnow())
    db.session.add(resolution)
    db.session.commit()
    phone_li.reload()
    expect(phone_li.locator("a", has_text="阅读决议")).to_have_attribute("href", re.compile(rf"/r/{resolution.id}\.pdf$"))
    expect(phone_li.locator("a", has_text="核验决议真伪")).to_be_visible()
    at_home.goto(f"{live_server.url}/watch/{room.meeting.watch_token}")
    expect(at_home.locator(".meeting-ended")).to_be_visible()

    # Anyone can check the short code on the public page.
    phone_li.locator(".outcomes .receipt-code").click()
    expect(phone_li.locator(".receipt-answer")).to_contain_text("这张选票已经计入")
    expect(phone_li.locator(".receipt-answer")).to_contain_text("所选:赞成")


def test_starting_an_hour_early_asks_first(live_server, new_page, world):
    from datetime import timedelta

    room = build_room(world, status="scheduled")
    room.meeting.starts_at = utcnow() + timedelta(days=2)
    db.session.commit()
    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    messages = []
    host.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    host.click("[data-action=start]")
    expect(host.locator("#live-notice")).to_have_text("没有开始会议")
    assert "一个多小时" in messages[0]
    expect(host.locator("#meeting-status")).to_have_text("已安排")
    host.once("dialog", lambda dialog: dialog.accept())
    host.click("[data-action=start]")
    expect(host.locator("#meeting-status")).to_have_text("进行中")


def test_over_long_text_is_refused_with_the_limit_named(live_server, new_page, world):
    room = build_room(world, guests=1)
    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    host.click("[data-action=advance]")
    phone = open_phone(new_page, live_server, room.guests[0])
    phone.click("[data-stance=support]")
    phone.fill("#position-text", "很" * 520)
    expect(phone.locator("#position-count")).to_have_text("超出 20 字,最多 500 字,请删减")
    phone.click("#position-send")
    expect(phone.locator("#live-notice")).to_have_text("内容不能超过 500 字,请删减后再发。")
    assert len(phone.locator("#position-text").input_value()) == 520  # nothing was cut
    expect(host.locator(".position-text")).to_have_count(0)
    # The server refuses it too, naming the limit, whatever the client does.
    ack = phone.evaluate("""() => window.RoundtablePhone.live.send("position_post", {stance: "support", text: "很".repeat(520)})""")
    assert ack["ok"] is False and "500" in ack["message"]


def test_forms_never_cut_pasted_text_and_name_the_limit(live_server, new_page, world):
    page = new_page(phone=True)
    log_in(page, live_server.url, "a_secretary")
    page.goto(f"{live_server.url}/meetings/new")
    page.fill("#title", "停" * 130)
    assert len(page.locator("#title").input_value()) == 130  # nothing cut
    expect(page.locator("#title-limit")).to_have_text("超出 10 字,最多 120 字,请删减")
    page.click("main form button[type=submit]")
    assert page.url.endswith("/meetings/new")  # not sent
    expect(page.locator("#title")).to_be_focused()
    # Sent anyway (an old browser), the server refuses it with the limit named.
    page.evaluate("document.querySelector('#title').closest('form').submit()")
    expect(page.locator(".error").first).to_contain_text("120")


def test_an_adjourned_meeting_pauses_the_phone_and_a_phone_back_after_the_end_finds_the_summary(live_server, new_page, world):
    room = build_room(world, guests=1)
    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    phone = open_phone(new_page, live_server, room.guests[0])

    host.click("[data-action=adjourn]")
    expect(host.locator("#live-notice")).to_have_text("已休会")
    expect(phone.locator("#ended-heading")).to_have_text("会议休会中")
    expect(phone.locator("#speaker")).to_have_text("会议休会中")
    expect(phone.locator("#hand button")).to_have_count(0)
    host.click("[data-action=start]")
    expect(phone.locator("#ended")).to_be_hidden()

    # The phone is offline when the meeting ends; coming back it shows the end or, where the
    # server refuses to join an ended meeting (`meeting_ended`), goes to the summary page.
    phone.context.set_offline(True)
    expect(phone.locator("#live-status")).to_have_text("网络中断,正在重新连接…")
    room.meeting.status = "concluded"
    db.session.commit()
    phone.context.set_offline(False)
    phone.wait_for_function(
        "() => location.pathname.startsWith('/j/') || !document.getElementById('ended').hidden", timeout=15_000)
    if phone.url.endswith(f"/j/{room.guests[0].token}"):
        expect(phone.locator(".meeting-ended")).to_be_visible()
    else:
        expect(phone.locator("#ended-heading")).to_have_text("会议已经结束")
        expect(phone.locator("#summary-link")).to_have_attribute("href", f"/j/{room.guests[0].token}")
