"""The live pages as their scripts draw them, in browsers that ask for English.

tests/test_english.py checks the words the server sends; here Chromium runs the console, a
resident's phone and the big screen with ``locale="en-US"`` through a whole vote, and the text
each page shows must carry no Chinese except the meeting's own data (titles, names, positions).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.live.conftest import build_room

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture(autouse=True)
def _patient_expectations():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def chinese_lines(page, data: list[str]) -> list[str]:
    text = page.locator("body").inner_text()
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def test_console_phone_and_big_screen_speak_english_through_a_vote(live_server, new_page, world):
    room = build_room(world, guests=2, status="scheduled")
    resident, other = room.guests
    data = [room.meeting.title, *(item.title for item in room.items), resident.guest_name, other.guest_name,
            world.a.secretary.display_name, world.a.resident.display_name, world.a.organization.name,
            world.department.name, world.a.community.name, "中文"]  # the language switch names Chinese in Chinese
    data += [name[0] + "*" * (len(name) - 1) for name in (resident.guest_name, other.guest_name)]  # masked for the room

    host = new_page(locale="en-US")
    log_in(host, live_server.url, "a_secretary")
    host.goto(f"{live_server.url}/meetings/{room.meeting.id}/console")
    expect(host.locator("#live-status")).to_have_text("Connected")
    screen = new_page(locale="en-US")
    screen.goto(host.locator("#watch-url").input_value())
    phone = new_page(phone=True, locale="en-US")
    phone.goto(f"{live_server.url}/live/join/{resident.token}")
    second = new_page(phone=True, locale="en-US")
    second.goto(f"{live_server.url}/live/join/{other.token}")
    for page in (screen, phone, second):
        expect(page.locator("#live-status")).to_have_text("Connected")

    host.click("[data-action=start]")
    host.click("[data-action=advance]")
    for page in (phone, second):
        page.click("#checkin-button")
    phone.click("[data-stance=support]")
    phone.fill("#position-text", "open the unit car park at night")
    phone.click("#position-send")
    motion = "open the car park from 7 pm"
    phone.fill("#motion-text", motion)
    phone.click("#motion-send")
    second.locator(".second-button").click()
    expect(host.locator("#poll-motion option", has_text=motion)).to_have_count(1)
    host.select_option("#poll-motion", label=motion)
    host.click("#poll-form button[type=submit]")
    phone.locator(".poll-vote button.choice", has_text="Yes").click()
    phone.locator(".confirm-vote").click()
    expect(phone.locator(".tally-total")).to_have_text("1 vote in total")
    host.click("[data-action=close-poll]")
    for page in (phone, host, screen):
        expect(page.locator(".poll-result .outcome-text")).to_have_text("Yes 1 > No 0: Passed (More yes than no; 2 present, quorum 0)")

    for name, page in (("console", host), ("phone", phone), ("big screen", screen), ("second phone", second)):
        found = chinese_lines(page, data)
        assert not found, f"{name}: Chinese on an English page: {found}"
