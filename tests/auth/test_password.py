"""Every user can change her own password, proving the old one first."""
from __future__ import annotations

from tests.factories import PASSWORD


def change(client, old, new, confirm=None):
    return client.post(
        "/account/password", data={"old_password": old, "new_password": new, "confirm": confirm or new}
    )


def test_the_password_page_is_offered_in_the_header(client, auth, world):
    auth.login("a_resident")
    assert 'href="/account/password"' in client.get("/home").get_data(as_text=True)
    assert "修改密码" in client.get("/account/password").get_data(as_text=True)


def test_resident_changes_her_password_and_logs_in_with_the_new_one(client, auth, world):
    auth.login("a_resident")
    response = change(client, PASSWORD, "spring-2026-pass")
    assert response.status_code == 302
    assert "密码已修改" in client.get("/home").get_data(as_text=True)
    auth.logout()
    assert auth.login("a_resident", PASSWORD).status_code == 400
    assert auth.login("a_resident", "spring-2026-pass").status_code == 302


def test_a_wrong_old_password_changes_nothing(client, auth, world):
    auth.login("a_resident")
    response = change(client, "not-the-old-one", "spring-2026-pass")
    assert response.status_code == 400
    assert "原密码不正确" in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("a_resident", PASSWORD).status_code == 302


def test_a_short_or_mistyped_new_password_is_refused(client, auth, world):
    auth.login("a_resident")
    short = change(client, PASSWORD, "short")
    assert short.status_code == 400 and "密码至少需要8位" in short.get_data(as_text=True)
    mistyped = change(client, PASSWORD, "spring-2026-pass", "spring-2026-past")
    assert mistyped.status_code == 400 and "两次输入的新密码不一致" in mistyped.get_data(as_text=True)
    auth.logout()
    assert auth.login("a_resident", PASSWORD).status_code == 302


def test_the_password_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
