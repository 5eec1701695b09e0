"""An auditor of 大栅栏街道 finds the overtime-parking resolution in the archive, verifies its PDF, reads the 三率."""
from __future__ import annotations

from tests.browser.conftest import log_in
from tests.resolutions.conftest import confirm_all, draft, publish
from tests.factories import make_concluded_meeting


def test_auditor_searches_opens_verifies_and_reads_the_dashboard(live_server, new_page, world):
    resolution = publish(world, confirm_all_and_return(world))
    page = new_page(phone=True)
    base = live_server.url
    log_in(page, base, "a_auditor")

    page.goto(f"{base}/archive/")
    page.fill("#q", "停车")
    page.click("form.archive-filters button[type=submit]")
    page.click(f"#resolution-results a[href='/archive/resolutions/{resolution.id}']")
    assert page.locator("h1").inner_text() == "西河沿街超时停车圆桌会议决议"
    assert page.locator("#resolution-sha256").inner_text() == resolution.sha256

    page.click("#verify-link")
    page.wait_for_load_state()
    assert resolution.sha256 in page.content()
    assert "西河沿街超时停车圆桌会议决议" in page.content()

    page.goto(f"{base}/archive/dashboard")
    assert page.locator("#formulas").is_visible()
    assert page.locator("table[data-table='communities'] tbody tr").count() >= 2
    assert page.locator("svg[role=img]").first.is_visible()
    width = page.evaluate("document.querySelector('svg[role=img]').getBoundingClientRect().width")
    assert width <= 360


def confirm_all_and_return(world):
    resolution = draft(world, make_concluded_meeting(world))
    confirm_all(world, resolution)
    return resolution
