"""A secretary logs in from a desktop browser and switches the interface to English."""
from tests.browser.conftest import log_in


def test_secretary_logs_in_and_switches_language(live_server, new_page, world):
    page = new_page()
    log_in(page, live_server.url, "a_secretary")
    assert "a_secretary" in page.inner_text(".user-name")
    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.inner_text(".lang-switch button") == "中文"
    assert "Log out" in page.inner_text(".site-header")


def test_wrong_password_shows_a_message(live_server, new_page, world):
    page = new_page(phone=True)
    log_in(page, live_server.url, "a_secretary", "wrong-password")
    assert "用户名或密码不正确" in page.inner_text("main")
