"""The administrator manages people: finds them, creates, edits, switches accounts
off and on, resets passwords, and gives or takes their roles. Nobody else gets in."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.models import Membership
from roundtable.extensions import db
from tests.factories import PASSWORD, make_user


def person(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


ADMIN_PAGES = ("/admin/people", "/admin/people/new", "/admin/places")


def test_community_members_and_staff_are_turned_away(client, auth, world):
    for username in ("a_secretary", "a_resident", "a_auditor", "traffic_staff", "a_property_staff"):
        auth.login(username)
        for url in ADMIN_PAGES:
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"/admin/people/{world.b.resident.id}/deactivate").status_code == 403
        auth.logout()
    assert person("b_resident").active


def test_strangers_are_sent_to_the_login_page(client, world):
    response = client.get("/admin/people")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_lands_on_the_people_list_and_finds_by_name_or_phone(admin_client, world):
    make_user("lixiulan", display_name="李秀兰", phone="13812345678")
    db.session.commit()
    assert admin_client.get("/home").headers["Location"].endswith("/admin/people")
    everyone = admin_client.get("/admin/people").get_data(as_text=True)
    assert "a_secretary" in everyone and "b_resident" in everyone
    by_name = admin_client.get("/admin/people?q=秀兰").get_data(as_text=True)
    assert "lixiulan" in by_name and "a_secretary" not in by_name
    by_phone = admin_client.get("/admin/people?q=1381234").get_data(as_text=True)
    assert "lixiulan" in by_phone and "a_secretary" not in by_phone
    nothing = admin_client.get("/admin/people?q=100%25").get_data(as_text=True)
    assert "没有找到符合条件的人员" in nothing


def test_the_people_list_is_paged(admin_client, app, world):
    app.config["PAGE_SIZE"] = 5
    first = admin_client.get("/admin/people").get_data(as_text=True)
    assert "下一页" in first and "第 1 / 2 页" in first
    second = admin_client.get("/admin/people?page=2").get_data(as_text=True)
    assert "上一页" in second
    assert admin_client.get("/admin/people?page=99").status_code == 200
    assert admin_client.get("/admin/people?page=abc").status_code == 200


def test_admin_creates_a_person(admin_client, world):
    response = admin_client.post(
        "/admin/people/new",
        data={"username": "wangjg", "display_name": "王建国", "phone": "139 8765 4321", "password": "first-pass-1"},
    )
    assert response.status_code == 302
    created = person("wangjg")
    assert response.headers["Location"].endswith(f"/admin/people/{created.id}")
    assert created.display_name == "王建国" and created.phone == "13987654321"
    assert not created.is_admin
    assert created.check_password("first-pass-1")


def test_a_taken_username_gets_a_clear_message(admin_client, world):
    response = admin_client.post(
        "/admin/people/new", data={"username": "a_resident", "display_name": "重名", "password": "first-pass-1"}
    )
    assert response.status_code == 400
    assert "用户名「a_resident」已被使用" in response.get_data(as_text=True)
    assert person("a_resident").display_name == "a_resident"


def test_bad_input_is_explained_and_nothing_is_written(admin_client, world):
    cases = [
        ({"username": "", "display_name": "x", "password": "first-pass-1"}, "请输入用户名"),
        ({"username": "zhao", "display_name": "x", "password": "short"}, "密码至少需要8位"),
        ({"username": "zhao", "display_name": "x", "password": "first-pass-1", "phone": "abc"}, "手机号码格式不正确"),
        ({"username": "zh ao", "display_name": "x", "password": "first-pass-1"}, "用户名不能包含空格"),
        ({"username": "z" * 65, "display_name": "x", "password": "first-pass-1"}, "不能超过64个字符"),
    ]
    for data, message in cases:
        response = admin_client.post("/admin/people/new", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert person("zhao") is None and person("zh ao") is None


def test_user_text_is_escaped(admin_client, world):
    admin_client.post(
        "/admin/people/new",
        data={"username": "xss", "display_name": "<script>alert(1)</script>", "password": "first-pass-1"},
    )
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_admin_edits_name_phone_and_admin_flag(admin_client, world):
    resident = world.a.resident
    response = admin_client.post(
        f"/admin/people/{resident.id}", data={"display_name": "李秀兰", "phone": "13812345678", "is_admin": "y"}
    )
    assert response.status_code == 302
    edited = person("a_resident")
    assert (edited.display_name, edited.phone, edited.is_admin) == ("李秀兰", "13812345678", True)

    response = admin_client.post(f"/admin/people/{resident.id}", data={"display_name": "", "phone": ""})
    assert response.status_code == 400 and "请输入显示名" in response.get_data(as_text=True)
    assert person("a_resident").display_name == "李秀兰"


def test_taking_the_admin_flag_ends_that_admins_sessions(admin_client, app, world):
    make_user("second_admin", is_admin=True)
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"username": "second_admin", "password": PASSWORD})
    admin_client.post(f"/admin/people/{person('second_admin').id}", data={"display_name": "前管理员"})
    assert not person("second_admin").is_admin
    assert other.get("/admin/people").status_code == 302  # back to the login page


def test_an_admin_cannot_lock_herself_out(admin_client, world):
    me = person("root")
    response = admin_client.post(f"/admin/people/{me.id}", data={"display_name": "root"})
    assert response.status_code == 400 and "不能取消自己的管理员权限" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/people/{me.id}/deactivate")
    assert response.status_code == 403 and "不能停用自己的账号" in response.get_data(as_text=True)
    assert person("root").is_admin and person("root").active


def test_deactivate_and_reactivate(admin_client, world):
    uid = world.b.resident.id
    admin_client.post(f"/admin/people/{uid}/deactivate")
    assert not person("b_resident").active
    assert "已停用" in admin_client.get(f"/admin/people/{uid}").get_data(as_text=True)
    admin_client.post(f"/admin/people/{uid}/reactivate")
    assert person("b_resident").active


def test_reset_password(admin_client, world):
    uid = world.a.auditor.id
    short = admin_client.post(f"/admin/people/{uid}/password", data={"password": "short"})
    assert short.status_code == 400 and "密码至少需要8位" in short.get_data(as_text=True)
    assert person("a_auditor").check_password(PASSWORD)
    assert admin_client.post(f"/admin/people/{uid}/password", data={"password": "reset-pass-9"}).status_code == 302
    assert person("a_auditor").check_password("reset-pass-9")


def test_give_change_and_remove_a_membership(admin_client, world):
    staff = world.department_staff
    admin_client.post(f"/admin/people/{staff.id}/memberships", data={"community_id": world.b.community.id, "role": "auditor"})
    assert person("traffic_staff").role_in(world.b.community.id) == "auditor"
    admin_client.post(f"/admin/people/{staff.id}/memberships", data={"community_id": world.b.community.id, "role": "secretary"})
    assert person("traffic_staff").role_in(world.b.community.id) == "secretary"
    assert len(person("traffic_staff").memberships) == 1

    membership_id = person("traffic_staff").memberships[0].id
    admin_client.post(f"/admin/memberships/{membership_id}/remove")
    assert db.session.get(Membership, membership_id) is None


def test_forged_choices_are_refused_with_a_message(admin_client, world):
    uid = world.department_staff.id
    for data in (
        {"community_id": 9999, "role": "resident"},
        {"community_id": "abc", "role": "resident"},
        {"community_id": world.a.community.id, "role": "mayor"},
    ):
        response = admin_client.post(f"/admin/people/{uid}/memberships", data=data)
        assert response.status_code == 400, data
        assert "请从列表中选择" in response.get_data(as_text=True)
    assert person("traffic_staff").memberships == []
    assert admin_client.post(f"/admin/people/{uid}/departments", data={"department_id": 9999}).status_code == 400
    assert admin_client.post("/admin/memberships/9999/remove").status_code == 404
    assert admin_client.get("/admin/people/9999").status_code == 404


def test_department_and_organization_staff_links(admin_client, world):
    uid = world.a.resident.id
    admin_client.post(f"/admin/people/{uid}/departments", data={"department_id": world.department.id})
    admin_client.post(f"/admin/people/{uid}/organizations", data={"organization_id": world.b.organization.id})
    resident = person("a_resident")
    assert resident.department_ids == [world.department.id]
    assert resident.organization_ids == [world.b.organization.id]
    page = admin_client.get(f"/admin/people/{uid}").get_data(as_text=True)
    assert "区交通支队" in page and "东河沿社区物业" in page

    admin_client.post(f"/admin/department-links/{resident.department_links[0].id}/remove")
    admin_client.post(f"/admin/organization-links/{resident.organization_links[0].id}/remove")
    resident = person("a_resident")
    assert resident.department_ids == [] and resident.organization_ids == []
