"""Elder mode (长辈版, MIIT 适老化) by computed styles, and axe-core on the pages residents use.

axe-core comes from the npm registry (package.json, exact version) and is injected by the test;
no serious or critical violation is allowed on the phone, watch, big-screen and invitation pages,
in normal and in elder mode.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from roundtable.extensions import db
from tests.browser.conftest import axe_violations, sideways_overflow
from tests.live.conftest import build_room

SHOTS = os.environ.get("RT_SCREENSHOTS")

SIZES = """() => {
  const main = parseFloat(getComputedStyle(document.querySelector('.live-phone, .invite-card, main')).fontSize);
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const line = parseFloat(getComputedStyle(document.querySelector('.item-title, .lead, p')).lineHeight) /
               parseFloat(getComputedStyle(document.querySelector('.item-title, .lead, p')).fontSize);
  const targets = [...document.querySelectorAll('main button, main .button, .elder-bar button')]
    .filter(b => b.offsetParent !== null)
    .map(b => { const r = b.getBoundingClientRect(); return [b.textContent.trim().slice(0, 12), r.width, r.height]; });
  return {main, root, line, targets};
}"""


@pytest.fixture
def pages(world):
    """The pages a resident uses: the phone (live), the invitation, the watch link, the summary and the receipt check."""
    room = build_room(world, guests=1)
    ended = build_room(world, guests=1, status="concluded")
    db.session.commit()
    return {
        "phone": f"/live/join/{room.guests[0].token}",
        "invitation": f"/j/{room.guests[0].token}",
        "watch": f"/watch/{room.meeting.watch_token}",
        "summary": f"/j/{ended.guests[0].token}",
        "receipt": "/receipt?code=0000-0000",
    }


def _elder(page, on: bool) -> None:
    page.evaluate(f"""() => {{ localStorage.setItem('rt:elder', '{1 if on else 0}'); localStorage.removeItem('rt:text-level'); }}""")


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_no_serious_accessibility_violations_on_resident_pages(live_server, new_page, pages, elder):
    page = new_page(phone=True)
    big = new_page(size=(1920, 1080))
    for name, path in pages.items():
        for view in ((page, big) if name == "watch" else (page,)):
            view.goto(live_server.url + path)
            _elder(view, elder)
            view.reload()
            if name in ("phone", "watch"):
                expect(view.locator("#live-status")).to_have_text("已连接")
            found = axe_violations(view)
            assert not found, f"{name} ({'elder' if elder else 'normal'}, {view.viewport_size}): {found}"
            if view is page:
                assert sideways_overflow(view) == 0, f"{name} scrolls sideways at 360 px"


def test_elder_mode_is_a_remembered_switch_with_larger_text_and_targets(live_server, new_page, pages):
    page = new_page(phone=True)
    page.goto(live_server.url + pages["phone"])
    expect(page.locator("#live-status")).to_have_text("已连接")
    normal = page.evaluate(SIZES)
    assert normal["root"] >= 18 and normal["main"] >= 18
    assert normal["line"] >= 1.3
    small = [t for t in normal["targets"] if t[1] < 44 or t[2] < 44]
    assert not small, f"targets under 44×44 px: {small}"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(500)
        page.screenshot(path=f"{SHOTS}/phone-top-normal.png")

    page.click("[data-elder-toggle]")
    expect(page.locator("[data-elder-toggle]")).to_have_attribute("aria-pressed", "true")
    page.reload()  # remembered on the device
    expect(page.locator("html")).to_have_class("elder")
    elder = page.evaluate(SIZES)
    assert elder["root"] >= 24 and elder["main"] >= 24 and elder["line"] >= 1.3
    small = [t for t in elder["targets"] if t[1] < 60 or t[2] < 60]
    assert not small, f"targets under 60×60 px in elder mode: {small}"
    assert sideways_overflow(page) == 0
    if SHOTS:
        page.wait_for_timeout(500)
        page.screenshot(path=f"{SHOTS}/phone-top-elder.png")
        page.screenshot(path=f"{SHOTS}/phone-full-elder.png", full_page=True)

    # The text-size control goes up to 30 px and back down; the choice is remembered too.
    while page.locator("[data-text-size='1']").is_enabled():
        page.click("[data-text-size='1']")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 30
    assert sideways_overflow(page) == 0, "the largest text still fits 360 px"
    page.goto(live_server.url + pages["invitation"])
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 30
    page.click("[data-elder-toggle]")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 18


def test_read_aloud_is_offered_only_where_the_browser_can_speak(live_server, new_page, pages):
    page = new_page(phone=True)
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true});")
    page.goto(live_server.url + pages["phone"])
    expect(page.locator("#live-status")).to_have_text("已连接")
    expect(page.locator("[data-read-aloud]")).to_be_hidden()

    speaking = new_page(phone=True)
    speaking.add_init_script("""(() => {
      window.__spoken = [];
      const voices = [{lang: 'zh-CN', name: 'Chinese'}];
      const synth = {getVoices: () => voices, cancel: () => {}, speak: u => window.__spoken.push([u.lang, u.text]),
                     addEventListener: () => {}, onvoiceschanged: null};
      Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
      Object.defineProperty(window, 'SpeechSynthesisUtterance', {value: function (text) { this.text = text; }, configurable: true});
    })();""")
    speaking.goto(live_server.url + pages["phone"])
    expect(speaking.locator("#live-status")).to_have_text("已连接")
    speaking.click("[data-read-aloud]")
    spoken = speaking.evaluate("window.__spoken")
    assert spoken and spoken[0][0] == "zh-CN" and "当前" in spoken[0][1]
