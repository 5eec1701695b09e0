"""An auditor of 大栅栏街道 finds the overtime-parking resolution in the archive, verifies its PDF, reads the 三率."""
from __future__ import annotations

from tests.archive.conftest import october  # noqa: F401 - the hand-counted month, as a fixture
from tests.browser.conftest import log_in
from tests.factories import make_concluded_meeting
from tests.resolutions.conftest import confirm_all, draft, publish


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


def test_the_dashboard_charts_draw_at_360_px_without_errors_and_plot_the_table(live_server, new_page, world, october):
    page = new_page(phone=True)
    log_in(page, live_server.url, "a_auditor")  # (the login page's missing favicon is not the dashboard's)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/archive/dashboard?month=2026-10")
    page.wait_for_selector("[data-chart='chart-data-communities'][data-chart-drawn] svg")
    for key in ("communities", "departments", "months"):
        chart = page.locator(f"[data-chart='chart-data-{key}']")
        box = chart.bounding_box()
        assert box["width"] <= 360 and box["height"] >= 150, key
        # ECharts drew the figures the table prints: the rates and scores are in the SVG's text.
        drawn = chart.locator("svg").inner_html()
        assert "<path" in drawn, key
        table = page.locator(f"table[data-table='{key}'] tbody tr").first.locator("td").all_inner_texts()
        if key == "communities":
            assert table[4] == "50.0%" and "50.0" in chart.inner_text() + drawn
    # The chart is ECharts' own instance, with the table's numbers as its data.
    data = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.querySelector("[data-chart='chart-data-communities']"));
        return chart.getOption().series.map(s => [s.name, s.data]);
    }""")
    rows = page.locator("table[data-table='communities'] tbody tr").all()
    first = rows[0].locator("td").all_inner_texts()
    by_name = dict(data)
    assert f"{by_name['响应率'][0]:.1f}%" == first[4] and f"{by_name['解决率'][0]:.1f}%" == first[7]
    assert f"{by_name['满意率'][0]:.1f}%" == first[9] and f"{by_name['综合得分'][0]:.1f}" == first[10]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def confirm_all_and_return(world):
    resolution = draft(world, make_concluded_meeting(world))
    confirm_all(world, resolution)
    return resolution
