"""Every way of losing access ends the sessions already open, on every device.

Each story uses two clients: the person's phone and a second device (or a copy of
the phone's cookie), because a session that only ends in the browser that clicked
the button has not really ended.
"""
from __future__ import annotations

import pytest

from roundtable.auth.models import User
from roundtable.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def device(app):
    """A new browser that logs in as someone."""

    def open_as(username: str, password: str = PASSWORD):
        browser = app.test_client()
        response = browser.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"{username} could not log in"
        return browser

    return open_as



def is_logged_out(browser) -> bool:
    response = browser.get("/home")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def admin(world):
    from tests.factories import make_user

    make_user("root", is_admin=True)
    db.session.commit()


def test_a_cookie_copied_before_logout_is_worthless_after_it(app, device, world):
    phone = device("a_resident")
    thief = app.test_client()
    thief.set_cookie("session", phone.get_cookie("session").value)
    assert not is_logged_out(thief)

    phone.post("/logout")
    assert is_logged_out(phone)
    assert is_logged_out(thief)


def test_deactivation_ends_the_residents_sessions_at_once_and_refuses_login(app, device, world, admin):
    phone = device("a_resident")
    computer = device("root")

    computer.post(f"/admin/people/{world.a.resident.id}/deactivate")

    assert is_logged_out(phone)
    response = app.test_client().post("/login", data={"username": "a_resident", "password": PASSWORD})
    assert response.status_code == 400
    assert "该账号已停用" in response.get_data(as_text=True)


def test_reactivation_does_not_revive_old_sessions(device, world, admin):
    phone = device("a_resident")
    computer = device("root")
    computer.post(f"/admin/people/{world.a.resident.id}/deactivate")
    computer.post(f"/admin/people/{world.a.resident.id}/reactivate")
    assert is_logged_out(phone)
    assert not is_logged_out(device("a_resident"))


def test_password_change_keeps_this_device_and_ends_the_others(device, world):
    phone = device("a_secretary")
    computer = device("a_secretary")

    response = computer.post(
        "/account/password",
        data={"old_password": PASSWORD, "new_password": "a-new-pass-2", "confirm": "a-new-pass-2"},
    )
    assert response.status_code == 302

    assert not is_logged_out(computer)
    assert is_logged_out(phone)


def test_an_admin_password_reset_ends_every_session(device, world, admin):
    phone = device("a_resident")
    device("root").post(f"/admin/people/{world.a.resident.id}/password", data={"password": "reset-pass-9"})
    assert is_logged_out(phone)
    device("a_resident", "reset-pass-9")


def test_removal_from_the_community_ends_that_membership_not_the_session(device, world):
    """A removal must not be a way to log anyone out (any secretary could add and remove anyone):
    it ends the access the membership gave; the person stays logged in (docs/security.md §7)."""
    secretary = device("a_secretary")
    membership_id = world.a.resident.memberships[0].id
    phone = device("a_resident")
    secretary.post(f"/community/people/{membership_id}/remove")
    assert not is_logged_out(phone)
    assert db.session.get(User, world.a.resident.id).role_in(world.a.community.id) is None


def test_admin_removing_department_staff_ends_their_session(device, world, admin):
    phone = device("traffic_staff")
    link_id = world.department_staff.department_links[0].id
    device("root").post(f"/admin/department-links/{link_id}/remove")
    assert is_logged_out(phone)
    assert db.session.get(User, world.department_staff.id).department_links == []


def test_admin_changing_a_role_ends_the_old_roles_session(device, world, admin):
    phone = device("a_secretary")
    device("root").post(
        f"/admin/people/{world.a.secretary.id}/memberships",
        data={"community_id": world.a.community.id, "role": "resident"},
    )
    assert is_logged_out(phone)
    assert db.session.get(User, world.a.secretary.id).role_in(world.a.community.id) == "resident"
