"""Paper and proxy ballots through the real pages: the host's paper button, a proxy holder's phone.

The holder's phone (360 px) shows one ballot per person represented for every kind of
poll, multiple choice and budget included; the host records a paper ballot from the
console; the tally counts every ballot once, by the channel it came by.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from roundtable.ballots import operations
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live.models import Ballot, Motion, Poll
from roundtable.live.operations import open_budget_poll, open_poll
from roundtable.live.queries import channel_counts
from tests.browser.conftest import log_in, sideways_overflow
from tests.live.conftest import build_room


@pytest.fixture(autouse=True)
def _patient_expectations():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def test_a_holders_phone_votes_for_each_person_and_the_host_records_paper(live_server, new_page, world):
    room = build_room(world, guests=3)
    holder, first, second = room.guests
    for grantor in (first, second):
        operations.grant_proxy(room.meeting, grantor.id, holder.id, "signed_form", None, room.meeting.host)
    room.resident.checked_in_at = utcnow()  # a_resident came without a phone and votes on paper
    motion = Motion(meeting_id=room.meeting.id, community_id=room.meeting.community_id, text="活动室开放时段",
                    proposer_id=holder.id, seconder_id=room.resident.id, state="seconded")
    db.session.add(motion)
    db.session.flush()
    times = open_poll(room.meeting, None, motion.id, "multiple", ["上午", "下午", "晚上"], min_choices=1, max_choices=2)
    budget = open_budget_poll(room.meeting, None, "社区经费怎么花",
                              [("座椅", 2000_00), ("花草", 1500_00), ("路灯", 3000_00)], 5000_00, secret=True)
    db.session.commit()

    phone = new_page(phone=True)
    phone.goto(f"{live_server.url}/live/join/{holder.token}")
    expect(phone.locator("#live-status")).to_have_text("已连接")
    phone.click("#checkin-button")
    expect(phone.locator(".checked-in")).to_have_text("已签到")

    times_card = phone.locator(f'[data-poll-card="{times.id}"]')
    ballots = times_card.locator(".proxy-ballot")
    expect(ballots).to_have_count(2)  # one per person represented
    expect(ballots.nth(0).locator(".proxy-for")).to_have_text("代居民001投票(委托)")
    expect(ballots.nth(1).locator(".proxy-for")).to_have_text("代居民002投票(委托)")
    for_first = times_card.locator(f'.proxy-ballot[data-grantor-id="{first.id}"]')
    for_first.locator("button.choice", has_text="上午").click()
    for_first.locator("button.choice", has_text="晚上").click()
    # a third tick is not taken (at most two), and the other person's ballot keeps its own ticks
    for_first.locator("button.choice", has_text="下午").click()
    expect(for_first.locator("button.choice.chosen")).to_have_count(2)
    expect(times_card.locator(f'.proxy-ballot[data-grantor-id="{second.id}"] button.choice.chosen')).to_have_count(0)
    expect(times_card.locator(".poll-vote button.choice.chosen")).to_have_count(0)
    for_first.locator(".confirm-vote").click()
    expect(times_card.locator(".proxy-voted")).to_have_text("已代居民001投票")
    for_second = times_card.locator(f'.proxy-ballot[data-grantor-id="{second.id}"]')
    for_second.locator("button.choice", has_text="下午").click()
    for_second.locator(".confirm-vote").click()
    expect(times_card.locator(".proxy-voted")).to_have_count(2)
    expect(times_card.locator(".proxy-ballot")).to_have_count(0)
    # the holder's own ballot is still theirs to cast
    times_card.locator(".poll-vote button.choice", has_text="下午").click()
    times_card.locator(".poll-vote .confirm-vote").click()
    expect(times_card.locator(".voted")).to_have_text("您已投票")

    # The secret budget poll: the running total and the fund's limit hold for each person represented.
    budget_card = phone.locator(f'[data-poll-card="{budget.id}"]')
    for_first = budget_card.locator(f'.proxy-ballot[data-grantor-id="{first.id}"]')
    for_first.locator("button.budget-choice", has_text="座椅").click()
    for_first.locator("button.budget-choice", has_text="路灯").click()
    for_first.locator("button.budget-choice", has_text="花草").click()  # over the fund: refused on the phone
    expect(phone.locator("#live-notice")).to_contain_text("超")
    expect(for_first.locator("button.budget-choice.chosen")).to_have_count(2)
    expect(for_first.locator(".running-total")).to_contain_text("5,000")
    for_first.locator(".confirm-vote").click()
    expect(budget_card.locator(".proxy-voted")).to_have_text("已代居民001投票")
    assert sideways_overflow(phone) == 0

    # The second resident withdraws the proxy on their own phone; the holder's next try is refused
    # with a clear message and the ballot for them disappears from the holder's phone.
    own = new_page(phone=True)
    own.goto(f"{live_server.url}/live/join/{second.token}")
    expect(own.locator("#my-proxy .proxy-given")).to_have_text("您已委托居民000代您投票。")
    own.once("dialog", lambda dialog: dialog.accept())
    own.click("#my-proxy .proxy-withdraw")
    expect(own.locator("#live-notice")).to_have_text("委托已撤销,您可以自己投票。")
    expect(own.locator("#my-proxy")).to_be_hidden()
    for_second = budget_card.locator(f'.proxy-ballot[data-grantor-id="{second.id}"]')
    for_second.locator("button.budget-choice", has_text="花草").click()
    for_second.locator(".confirm-vote").click()
    expect(phone.locator("#live-notice")).to_contain_text("没有这位居民的委托")
    expect(budget_card.locator(".proxy-ballot")).to_have_count(0)
    expect(budget_card.locator(".proxy-voted")).to_have_count(1)

    # The host records a paper ballot for the resident who came without a phone.
    host = new_page()
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("已连接")
    host.select_option("#assist-poll", value=str(times.id))
    host.select_option("#assist-voter", value=str(room.resident.id))
    host.locator("#assist-choices label", has_text="晚上").click()
    host.click("#paper-send")
    expect(host.locator("#live-notice")).to_contain_text("纸质选票")
    # never twice: the same voter's second paper ballot is refused with a clear message
    host.select_option("#assist-voter", value=str(room.resident.id))
    host.locator("#assist-choices label", has_text="上午").click()
    host.click("#paper-send")
    expect(host.locator("#live-notice")).to_contain_text("已经计入")
    console_tally = host.locator(f'[data-poll-card="{times.id}"] .tally')
    expect(console_tally.locator(".tally-total")).to_have_text("共 4 票")
    # the tally says how the ballots came, on the console and on the holder's phone alike
    expect(console_tally.locator(".tally-channels")).to_have_text("手机 1 · 纸质 1 · 协助 0 · 委托 2")
    expect(times_card.locator(".tally-channels")).to_have_text("手机 1 · 纸质 1 · 协助 0 · 委托 2")

    db.session.expire_all()
    times = db.session.get(Poll, times.id)
    assert channel_counts(times) == {"phone": 1, "paper": 1, "assisted": 0, "proxy": 2}
    chosen = dict(db.session.execute(db.select(Ballot.invitation_id, Ballot.choices).where(Ballot.poll_id == times.id)).all())
    morning, afternoon, evening = (o.id for o in times.options)
    assert chosen == {first.id: [morning, evening], second.id: [afternoon], holder.id: [afternoon],
                      room.resident.id: [evening]}
    assert channel_counts(db.session.get(Poll, budget.id)) == {"phone": 0, "paper": 0, "assisted": 0, "proxy": 1}
