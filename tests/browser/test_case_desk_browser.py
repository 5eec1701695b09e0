"""A secretary files a case from her phone and finds it again in the filtered list."""
from tests.browser.conftest import log_in


def test_secretary_files_a_case_and_finds_it_by_category_and_text(live_server, new_page, world):
    page = new_page(phone=True)
    log_in(page, live_server.url, "a_secretary")
    assert page.url.endswith("/cases/")

    page.click("text=登记工单")
    page.fill("#external_number", "12345-2026119999")
    page.select_option("#category", "noise")
    page.select_option("#urgency", "utilities")
    page.fill("#description", "圣都大厦机械车库夜间运行噪声很大,影响老人休息")
    page.fill("#address", "圣都大厦3号楼")
    page.fill("#complainant_name", "杨先生")
    page.fill("#complainant_phone", "13700001111")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "工单 12345-2026119999 已登记" in page.inner_text(".flash")
    assert "137****1111" in page.inner_text("main")
    assert "13700001111" not in page.content()

    page.click("text=← 工单列表")
    page.select_option("#category", "noise")
    page.fill("#q", "车库")
    page.click("form.case-filters button[type=submit]")
    page.wait_for_load_state()
    assert "category=noise" in page.url
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 1
    assert "12345-2026119999" in rows.first.inner_text()

    # The same words under another category find nothing.
    page.select_option("#category", "parking")
    page.click("form.case-filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.cases tbody tr").count() == 0
    assert "没有符合条件的工单" in page.inner_text("main")
